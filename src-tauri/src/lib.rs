//! The OmniCRM desktop shell. It opens the application (`omnicrm-app`: the core, search, the
//! job runner with every handler), wires the typed commands and events, and starts the window.
//! Business rules and SQL live in `omnicrm-core`.

// `#[tauri::command]` expands to `let _ = ...` bindings of its own; the rule against `let _ =`
// on a result still holds for the code written in these modules (review, not clippy).
#[allow(clippy::let_underscore_must_use)]
pub mod commands;
pub mod events;

use std::path::PathBuf;

use omnicrm_core::{Core, Error};
use omnicrm_jobs::{JobQueue, JobStatus};
use tauri_specta::Event;

/// The opened core, or why it could not be opened (for example a database written by a newer
/// OmniCRM). The window still opens, and every command returns that error, so the user sees it.
pub struct CoreState(Result<Core, Error>);

impl CoreState {
    pub fn core(&self) -> Result<Core, Error> {
        self.0.clone()
    }
}

/// The durable job queue over the same store, or why there is none (the core did not open).
pub struct JobsState(Result<JobQueue, Error>);

impl JobsState {
    pub fn queue(&self) -> Result<JobQueue, Error> {
        self.0.clone()
    }
}

/// Search over the store, with the local embedding model when its weights are installed, or
/// why there is none (the core did not open).
pub struct SearchState(Result<omnicrm_search::SearchService, Error>);

impl SearchState {
    pub fn service(&self) -> Result<omnicrm_search::SearchService, Error> {
        self.0.clone()
    }
}

/// The application's team sync (the one the background service runs, so "Sync now" reuses its
/// open connection), or why there is none (the core did not open).
pub struct TeamSyncState(Result<omnicrm_sync_client::TeamSync, Error>);

impl TeamSyncState {
    pub fn team_sync(&self) -> Result<omnicrm_sync_client::TeamSync, Error> {
        self.0.clone()
    }
}

/// The data folder the app opened (or tried to open): a folder whose key is not on this
/// computer is opened with its recovery key here, before any core exists.
pub struct DataDirState(PathBuf);

impl DataDirState {
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

/// Where the generated TypeScript bindings live.
pub fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts")
}

/// Every command and event the UI can use; the TypeScript bindings are generated from this.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        // Only `serde_json::Value` (health context, preferences) carries 64-bit numbers; in
        // JavaScript every JSON number is a double anyway. Our own types use u32 at the boundary.
        .dangerously_cast_bigints_to_number()
        .disable_serde_phases()
        .commands(tauri_specta::collect_commands![
            commands::contacts_create,
            commands::contacts_update,
            commands::contacts_delete,
            commands::contacts_get,
            commands::contacts_list,
            commands::contacts_search,
            commands::tags_list,
            commands::changes_undo,
            commands::dashboard_get,
            commands::demo_generate,
            commands::app_info,
            commands::notes::notes_list_for_contact,
            commands::notes::notes_create,
            commands::notes::notes_update,
            commands::notes::notes_delete,
            commands::tags::tags_list_with_usage,
            commands::tags::tags_create,
            commands::tags::tags_update,
            commands::tags::tags_delete,
            commands::tags::tags_tag_contacts,
            commands::tags::tags_untag_contacts,
            commands::bulk::contacts_bulk_edit,
            commands::bulk::contacts_delete_many,
            commands::bulk::changes_undo_batch,
            commands::interactions::interactions_create,
            commands::interactions::interactions_update,
            commands::interactions::interactions_delete,
            commands::interactions::interactions_get,
            commands::interactions::timeline_page,
            commands::identities::identities_list_for_contact,
            commands::identities::identities_add,
            commands::identities::identities_remove,
            commands::identities::identities_list_ignored,
            commands::identities::identities_ignore,
            commands::identities::identities_unignore,
            commands::access_log::access_log_list,
            commands::access_log::access_log_retention,
            commands::access_log::access_log_set_retention,
            commands::consents::consents_record,
            commands::consents::consents_delete,
            commands::consents::consents_list_for_contact,
            commands::keep_in_touch::today_get,
            commands::keep_in_touch::keep_in_touch_due,
            commands::keep_in_touch::keep_in_touch_get,
            commands::keep_in_touch::keep_in_touch_set_cadence,
            commands::keep_in_touch::keep_in_touch_snooze,
            commands::keep_in_touch::keep_in_touch_set_default,
            commands::keep_in_touch::keep_in_touch_defaults,
            commands::keep_in_touch::keep_in_touch_health,
            commands::keep_in_touch::reminders_add,
            commands::keep_in_touch::reminders_list,
            commands::keep_in_touch::reminders_done,
            commands::keep_in_touch::reminders_snooze,
            commands::keep_in_touch::reminders_delete,
            commands::tasks::zones_list,
            commands::tasks::zones_create,
            commands::tasks::zones_update,
            commands::tasks::zones_delete,
            commands::tasks::projects_list,
            commands::tasks::projects_create,
            commands::tasks::projects_update,
            commands::tasks::projects_delete,
            commands::tasks::tasks_list,
            commands::tasks::tasks_create,
            commands::tasks::tasks_update,
            commands::tasks::tasks_delete,
            commands::tasks::tasks_get,
            commands::tasks::tasks_set_status,
            commands::google::google_status,
            commands::google::google_connect,
            commands::google::google_disconnect,
            commands::google_sync::google_sync_preview,
            commands::google_sync::google_sync_start,
            commands::google_sync::google_sync_batches,
            commands::google_sync::google_sync_undo,
            commands::google_sync::google_suggestions_list,
            commands::google_sync::google_suggestions_approve,
            commands::google_sync::google_suggestions_dismiss,
            commands::tasks::tasks_subtasks,
            commands::tasks::goals_list,
            commands::tasks::goals_create,
            commands::tasks::goals_update,
            commands::tasks::goals_delete,
            commands::backups::backups_create,
            commands::backups::backups_list,
            commands::backups::backups_restore,
            commands::transfer::imports_csv_preview,
            commands::transfer::imports_detect_format,
            commands::transfer::imports_preview,
            commands::transfer::imports_start,
            commands::transfer::imports_get,
            commands::transfer::imports_list,
            commands::transfer::imports_undo,
            commands::transfer::export_write,
            commands::transfer::data_delete_all,
            commands::duplicates::duplicates_suggestions,
            commands::duplicates::duplicates_merge,
            commands::duplicates::duplicates_dismiss,
            commands::team_sync::sync_status,
            commands::team_sync::sync_connect,
            commands::team_sync::sync_now,
            commands::team_sync::sync_disconnect,
            commands::team_sync::sync_set_share_health,
            commands::team_sync::sync_conflicts,
            commands::team_sync::sync_resolve_conflict,
            commands::jobs::jobs_list,
            commands::jobs::jobs_get,
            commands::jobs::jobs_retry,
            commands::jobs::jobs_cancel,
            commands::ai::ai_status,
            commands::ai::ai_settings_get,
            commands::ai::ai_settings_save,
            commands::ai::ai_key_set,
            commands::ai::ai_key_clear,
            commands::ai::ai_usage,
            commands::ai::ai_ask,
            commands::ai::ai_threads,
            commands::ai::ai_thread_messages,
            commands::ai::ai_thread_delete,
            commands::ai::ai_proposals_pending,
            commands::ai::ai_proposal_approve,
            commands::ai::ai_proposal_reject,
            commands::ai::ai_contact_feature,
            commands::ai::ai_contact_features_stored,
            commands::ai::ai_brain_dump,
            commands::ai::ai_citation_target,
            commands::search::search_query,
            commands::search::search_embedder_get,
            commands::search::search_embedder_save,
            commands::search::search_embedder_clear_key,
            commands::search::search_embedder_probe,
            commands::search::app_restart,
            commands::privacy::encryption_status,
            commands::privacy::reveal_recovery_key,
            commands::privacy::save_recovery_key,
            commands::privacy::recover_data_folder,
        ])
        .events(tauri_specta::collect_events![
            events::ContactsChanged,
            events::DemoProgress,
            events::JobChanged,
            events::AiStreamed,
            events::TeamSyncChanged,
            events::StoreWaiting
        ])
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated by tauri-specta from src-tauri. Do not edit by hand.\n"),
            path,
        )
        .map_err(|error| error.to_string())
}

/// Starts the background work of the application (the job runner with every kind, the
/// scheduler, the embedding trigger) and forwards every job change to the UI as `JobChanged`.
/// It runs until the app exits.
fn start_background_jobs(app: &tauri::AppHandle, application: omnicrm_app::Application) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Started inside the runtime: the runner, scheduler and trigger spawn their own tasks.
        let background = omnicrm_app::Background::start(&application, None);
        start_team_sync(&app, &application);
        let mut changes = background.subscribe();
        loop {
            match changes.recv().await {
                Ok(change) => {
                    let imported = omnicrm_app::job_handlers::brings_in_data(&change.kind)
                        && change.status == JobStatus::Succeeded;
                    if let Err(error) = events::JobChanged::from(change).emit(&app) {
                        tracing::warn!(%error, "could not tell the UI that a job changed");
                    }
                    if imported {
                        commands::notify_contacts(
                            &app,
                            Vec::new(),
                            events::ContactsChangeReason::Imported,
                        );
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "job changes skipped; the newest follow");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        if let Err(error) = background.shutdown().await {
            tracing::warn!(message = %error.message, "the background jobs did not stop cleanly");
        }
    });
}

/// Starts the team sync service and forwards its state to the UI as `TeamSyncChanged`; when
/// it brings the team's changes in, open views refresh.
fn start_team_sync(app: &tauri::AppHandle, application: &omnicrm_app::Application) {
    let service = match omnicrm_app::team_sync_service::TeamSyncService::start(application) {
        Ok(service) => service,
        Err(error) => {
            tracing::error!(message = %error.message, "team sync could not start");
            return;
        }
    };
    let mut changes = service.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Owned by the forwarding task: the service runs as long as the app.
        let _service = service;
        let mut last_sync: Option<String> = None;
        while changes.changed().await.is_ok() {
            let state = changes.borrow_and_update().clone();
            if let Some(report) = &state.last_report {
                if last_sync.as_deref() != Some(report.synced_at.as_str()) {
                    last_sync = Some(report.synced_at.clone());
                    if report.received > 0 {
                        commands::notify_contacts(
                            &app,
                            Vec::new(),
                            events::ContactsChangeReason::Imported,
                        );
                    }
                }
            }
            if let Err(error) = (events::TeamSyncChanged { state }).emit(&app) {
                tracing::warn!(%error, "could not tell the UI that team sync changed");
            }
        }
    });
}

/// Starts the app. Failures to start are reported on stderr and in the log, then the process
/// exits with status 1.
pub fn run() {
    // Before any thread starts (see the function).
    omnicrm_search::pin_compute_thread_count();
    if let Err(message) = try_run() {
        tracing::error!(%message, "OmniCRM could not start");
        eprintln!("OmniCRM could not start: {message}");
        std::process::exit(1);
    }
}

fn try_run() -> Result<(), String> {
    let data_dir = omnicrm_core::paths::default_data_dir().map_err(|error| error.message)?;
    let log_dir = omnicrm_core::paths::log_dir(&data_dir);
    let _log_guard = omnicrm_logging::init(&log_dir, "omnicrm-desktop")
        .map_err(|error| format!("could not open the log in {}: {error}", log_dir.display()))?;
    tracing::info!(data_dir = %data_dir.display(), "starting OmniCRM");
    let application = omnicrm_app::Application::open(&data_dir);
    if let Err(error) = &application {
        tracing::error!(code = ?error.code, message = %error.message, "could not open the data");
    }
    let core = application
        .as_ref()
        .map(|application| application.core.clone())
        .map_err(Clone::clone);
    let queue = application
        .as_ref()
        .map(|application| application.queue.clone())
        .map_err(Clone::clone);
    let search = application
        .as_ref()
        .map(omnicrm_app::Application::search)
        .map_err(Clone::clone);
    let team_sync = application
        .as_ref()
        .map(omnicrm_app::Application::team_sync)
        .map_err(Clone::clone);
    let background = application.ok();

    let builder = specta_builder();
    tauri::Builder::default()
        .manage(CoreState(core))
        .manage(JobsState(queue))
        .manage(SearchState(search))
        .manage(TeamSyncState(team_sync))
        .manage(DataDirState(data_dir))
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let handle = app.handle().clone();
            omnicrm_core::store::on_waiting_for_other_process(std::sync::Arc::new(move || {
                if let Err(error) = (events::StoreWaiting {}).emit(&handle) {
                    tracing::debug!(%error, "could not tell the UI that a write waits");
                }
            }));
            if let Some(application) = &background {
                start_background_jobs(app.handle(), application.clone());
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .map_err(|error| format!("the window system failed: {error}"))
}

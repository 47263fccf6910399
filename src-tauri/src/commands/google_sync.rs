//! Google sync commands: preview, approve ("sync now"), recent batches and their undo, and the
//! people the sync suggests adding. The sync itself runs as durable jobs (`google.*.sync`),
//! which report progress as `JobChanged` events.

use omnicrm_core::ingest::{
    ContactSuggestion, SuggestionApproval, SuggestionStatus, SyncBatch, SyncUndoOutcome,
};
use omnicrm_core::Error;
use omnicrm_google::sync::SyncPreview;
use omnicrm_google::{environment, ApprovedSync, GoogleSync, SyncSettings};
use tauri::{AppHandle, State};

use super::google::google_accounts;
use super::CommandResult;
use crate::events::ContactsChangeReason;
use crate::{CoreState, JobsState};

/// Most batches one list returns.
const BATCH_LIST_LIMIT: u32 = 20;

fn google_sync(state: &State<'_, CoreState>) -> CommandResult<GoogleSync> {
    environment::sync_from_env(&state.core()?)
}

fn required(field: &str, value: &str) -> CommandResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid_field(field, "is required"));
    }
    Ok(value.to_owned())
}

/// Counts and samples of what a sync with `settings` would bring in. Stores nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_sync_preview(
    state: State<'_, CoreState>,
    account_id: String,
    settings: SyncSettings,
) -> CommandResult<SyncPreview> {
    let account_id = required("account_id", &account_id)?;
    let account = google_accounts(&state)?.sync_account(&account_id).await?;
    google_sync(&state)?.preview(&account, &settings).await
}

/// Approves a sync of the account and queues its jobs. Without `settings` it reuses those of
/// the account's last sync ("sync now"), or syncs the default mail and calendar window.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_sync_start(
    core_state: State<'_, CoreState>,
    jobs_state: State<'_, JobsState>,
    account_id: String,
    settings: Option<SyncSettings>,
) -> CommandResult<ApprovedSync> {
    let account_id = required("account_id", &account_id)?;
    let queue = jobs_state.queue()?;
    let account = google_accounts(&core_state)?
        .sync_account(&account_id)
        .await?;
    let sync = google_sync(&core_state)?;
    let settings = match settings {
        Some(settings) => settings,
        None => sync
            .last_settings(&account_id)
            .await?
            .unwrap_or_else(SyncSettings::everything),
    };
    sync.approve(&queue, &account, &settings).await
}

/// The account's most recent sync batches, newest first (all accounts when `account_id` is
/// left out).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_sync_batches(
    state: State<'_, CoreState>,
    account_id: Option<String>,
) -> CommandResult<Vec<SyncBatch>> {
    let core = state.core()?;
    core.run(move |core| core.ingest.batches(account_id.as_deref(), BATCH_LIST_LIMIT))
        .await
}

/// Stops a batch's jobs and removes everything it brought in: raw mail and events, the
/// interactions and suggestions made from them.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_sync_undo(
    app: AppHandle,
    core_state: State<'_, CoreState>,
    jobs_state: State<'_, JobsState>,
    batch_id: String,
) -> CommandResult<SyncUndoOutcome> {
    let batch_id = required("batch_id", &batch_id)?;
    let queue = jobs_state.queue()?;
    let outcome = google_sync(&core_state)?
        .undo(Some(&queue), &batch_id)
        .await?;
    super::notify_contacts(&app, Vec::new(), ContactsChangeReason::Imported);
    Ok(outcome)
}

/// People the sync met who are not contacts yet, waiting for a decision.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_suggestions_list(
    state: State<'_, CoreState>,
) -> CommandResult<Vec<ContactSuggestion>> {
    let core = state.core()?;
    core.run(|core| core.ingest.suggestions(SuggestionStatus::Pending))
        .await
}

/// Adds a suggested person as a contact (under `display_name` when given) and links the
/// synced mail and events that name them.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_suggestions_approve(
    app: AppHandle,
    state: State<'_, CoreState>,
    suggestion_id: String,
    display_name: Option<String>,
) -> CommandResult<SuggestionApproval> {
    let suggestion_id = required("suggestion_id", &suggestion_id)?;
    let core = state.core()?;
    let approval = core
        .run(move |core| {
            core.ingest
                .approve_suggestion(&suggestion_id, display_name.as_deref())
        })
        .await?;
    super::notify_contacts(
        &app,
        vec![approval.contact.id.clone()],
        ContactsChangeReason::Created,
    );
    Ok(approval)
}

/// Declines a suggestion; the person is not suggested again.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_suggestions_dismiss(
    state: State<'_, CoreState>,
    suggestion_id: String,
) -> CommandResult<ContactSuggestion> {
    let suggestion_id = required("suggestion_id", &suggestion_id)?;
    let core = state.core()?;
    core.run(move |core| core.ingest.dismiss_suggestion(&suggestion_id))
        .await
}

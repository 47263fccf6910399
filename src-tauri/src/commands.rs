//! The typed commands the UI calls. Each one is thin: it takes typed input, runs a core service
//! off the async runtime, tells open views what changed, and returns the core's result as is.
//! Failures are logged with their message only: arguments may hold client data.

use omnicrm_core::changes::{ChangeReceipt, UndoOutcome};
use omnicrm_core::contacts::{
    Contact, ContactInput, ContactListQuery, ContactPage, ContactSummary, TagCount,
};
use omnicrm_core::dashboard::Dashboard;
use omnicrm_core::demo::{DemoSummary, DEFAULT_SEED};
use omnicrm_core::Error;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::events::{ContactsChangeReason, ContactsChanged, DemoProgress};
use crate::CoreState;

pub mod access_log;
pub mod ai;
pub mod backups;
pub mod bulk;
pub mod consents;
pub mod duplicates;
pub mod google;
pub mod google_sync;
pub mod identities;
pub mod interactions;
pub mod jobs;
pub mod keep_in_touch;
pub mod notes;
pub mod privacy;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod team_sync;
pub mod transfer;

type CommandResult<T> = Result<T, Error>;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_create(
    app: AppHandle,
    state: State<'_, CoreState>,
    input: ContactInput,
) -> CommandResult<Contact> {
    let core = state.core()?;
    let contact = core.run(move |core| core.contacts.create(input)).await?;
    notify_contacts(
        &app,
        vec![contact.id.clone()],
        ContactsChangeReason::Created,
    );
    Ok(contact)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_update(
    app: AppHandle,
    state: State<'_, CoreState>,
    id: String,
    input: ContactInput,
) -> CommandResult<Contact> {
    let core = state.core()?;
    let contact = core
        .run(move |core| core.contacts.update(&id, input))
        .await?;
    notify_contacts(
        &app,
        vec![contact.id.clone()],
        ContactsChangeReason::Updated,
    );
    Ok(contact)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_delete(
    app: AppHandle,
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    let deleted_id = id.clone();
    let receipt = core.run(move |core| core.contacts.delete(&id)).await?;
    notify_contacts(&app, vec![deleted_id], ContactsChangeReason::Deleted);
    Ok(receipt)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_get(state: State<'_, CoreState>, id: String) -> CommandResult<Contact> {
    let core = state.core()?;
    core.run(move |core| {
        let contact = core.contacts.get(&id)?;
        core.access_log
            .record_view(&contact.id, "opened in the app")?;
        Ok(contact)
    })
    .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_list(
    state: State<'_, CoreState>,
    query: ContactListQuery,
) -> CommandResult<ContactPage> {
    let core = state.core()?;
    core.run(move |core| core.contacts.list(&query)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_search(
    state: State<'_, CoreState>,
    text: String,
    limit: u32,
) -> CommandResult<Vec<ContactSummary>> {
    let core = state.core()?;
    core.run(move |core| core.contacts.search(&text, limit))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_list(state: State<'_, CoreState>) -> CommandResult<Vec<TagCount>> {
    let core = state.core()?;
    core.run(|core| core.contacts.tag_counts()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn changes_undo(
    app: AppHandle,
    state: State<'_, CoreState>,
    change_id: String,
) -> CommandResult<UndoOutcome> {
    let core = state.core()?;
    let outcome = core.run(move |core| core.undo.change(&change_id)).await?;
    if outcome.entity == "contact" {
        notify_contacts(
            &app,
            vec![outcome.entity_id.clone()],
            ContactsChangeReason::Restored,
        );
    }
    Ok(outcome)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn dashboard_get(state: State<'_, CoreState>) -> CommandResult<Dashboard> {
    let core = state.core()?;
    core.run(|core| core.dashboard.get()).await
}

/// Loads `contacts` demo people, reporting progress as `DemoProgress` events.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn demo_generate(
    app: AppHandle,
    state: State<'_, CoreState>,
    contacts: u32,
) -> CommandResult<DemoSummary> {
    let core = state.core()?;
    let progress_app = app.clone();
    let summary = core
        .run(move |core| {
            core.demo.load(contacts, DEFAULT_SEED, &mut |progress| {
                let event = DemoProgress {
                    done: progress.done,
                    total: progress.total,
                };
                if let Err(error) = event.emit(&progress_app) {
                    tracing::warn!(%error, "could not send demo progress");
                }
            })
        })
        .await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Imported);
    Ok(summary)
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub schema_version: u32,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn app_info(state: State<'_, CoreState>) -> CommandResult<AppInfo> {
    let core = state.core()?;
    core.run(|core| {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: core.data_dir.display().to_string(),
            schema_version: u32::try_from(core.database.schema_version()?).unwrap_or(0),
        })
    })
    .await
}

pub(crate) fn notify_contacts(app: &AppHandle, ids: Vec<String>, reason: ContactsChangeReason) {
    if let Err(error) = (ContactsChanged { ids, reason }).emit(app) {
        tracing::warn!(%error, "could not tell the UI that contacts changed");
    }
}

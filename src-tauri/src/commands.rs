//! The typed commands the UI calls. Each one is thin: it takes typed input, runs a core service
//! off the async runtime, tells open views what changed, and returns the core's result as is.

use omnicrm_core::changes::{ChangeReceipt, UndoOutcome};
use omnicrm_core::contacts::{
    Contact, ContactInput, ContactListQuery, ContactPage, ContactSummary, TagCount,
};
use omnicrm_core::dashboard::Dashboard;
use omnicrm_core::demo::{DemoSummary, DEFAULT_SEED};
use omnicrm_core::notes::Note;
use omnicrm_core::{Core, Error};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use crate::events::{ContactsChangeReason, ContactsChanged, DemoProgress};

type CommandResult<T> = Result<T, Error>;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn contacts_create(
    app: AppHandle,
    core: State<'_, Core>,
    input: ContactInput,
) -> CommandResult<Contact> {
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
#[tracing::instrument(skip(app, core, input))]
pub async fn contacts_update(
    app: AppHandle,
    core: State<'_, Core>,
    id: String,
    input: ContactInput,
) -> CommandResult<Contact> {
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
#[tracing::instrument(skip(app, core))]
pub async fn contacts_delete(
    app: AppHandle,
    core: State<'_, Core>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let deleted_id = id.clone();
    let receipt = core.run(move |core| core.contacts.delete(&id)).await?;
    notify_contacts(&app, vec![deleted_id], ContactsChangeReason::Deleted);
    Ok(receipt)
}

#[tauri::command]
#[specta::specta]
pub async fn contacts_get(core: State<'_, Core>, id: String) -> CommandResult<Contact> {
    core.run(move |core| core.contacts.get(&id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn contacts_list(
    core: State<'_, Core>,
    query: ContactListQuery,
) -> CommandResult<ContactPage> {
    core.run(move |core| core.contacts.list(&query)).await
}

#[tauri::command]
#[specta::specta]
pub async fn contacts_search(
    core: State<'_, Core>,
    text: String,
    limit: u32,
) -> CommandResult<Vec<ContactSummary>> {
    core.run(move |core| core.contacts.search(&text, limit))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn notes_list_for_contact(
    core: State<'_, Core>,
    contact_id: String,
) -> CommandResult<Vec<Note>> {
    core.run(move |core| core.notes.list_for_contact(&contact_id))
        .await
}

#[tauri::command]
#[specta::specta]
pub async fn tags_list(core: State<'_, Core>) -> CommandResult<Vec<TagCount>> {
    core.run(|core| core.contacts.tag_counts()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, core))]
pub async fn changes_undo(
    app: AppHandle,
    core: State<'_, Core>,
    change_id: String,
) -> CommandResult<UndoOutcome> {
    let outcome = core.run(move |core| core.changes.undo(&change_id)).await?;
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
pub async fn dashboard_get(core: State<'_, Core>) -> CommandResult<Dashboard> {
    core.run(|core| core.dashboard.get()).await
}

/// Loads `contacts` demo people, reporting progress as `DemoProgress` events.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, core))]
pub async fn demo_generate(
    app: AppHandle,
    core: State<'_, Core>,
    contacts: u32,
) -> CommandResult<DemoSummary> {
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
pub async fn app_info(core: State<'_, Core>) -> CommandResult<AppInfo> {
    core.run(|core| {
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: core.data_dir.display().to_string(),
            schema_version: u32::try_from(core.database.schema_version()?).unwrap_or(0),
        })
    })
    .await
}

fn notify_contacts(app: &AppHandle, ids: Vec<String>, reason: ContactsChangeReason) {
    if let Err(error) = (ContactsChanged { ids, reason }).emit(app) {
        tracing::warn!(%error, "could not tell the UI that contacts changed");
    }
}

//! Tag catalogue commands: the categorised, coloured tags and tagging contacts in bulk.

use omnicrm_core::changes::BatchReceipt;
use omnicrm_core::tags::{Tag, TagInput, TagWithUsage};
use tauri::{AppHandle, State};

use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::CoreState;

/// Every tag with how many contacts carry it, for the tag manager.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_list_with_usage(state: State<'_, CoreState>) -> CommandResult<Vec<TagWithUsage>> {
    let core = state.core()?;
    core.run(|core| core.tags.list()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_create(state: State<'_, CoreState>, input: TagInput) -> CommandResult<Tag> {
    let core = state.core()?;
    core.run(move |core| core.tags.create(input)).await
}

/// Renames or recolours a tag; contacts carrying it show the new name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_update(
    app: AppHandle,
    state: State<'_, CoreState>,
    id: String,
    input: TagInput,
) -> CommandResult<Tag> {
    let core = state.core()?;
    let tag = core.run(move |core| core.tags.update(&id, input)).await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Updated);
    Ok(tag)
}

/// Deletes a tag and takes it off every contact, as one batch (`changes_undo_batch` reverts it).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_delete(
    app: AppHandle,
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<BatchReceipt> {
    let core = state.core()?;
    let receipt = core.run(move |core| core.tags.delete(&id)).await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Updated);
    Ok(receipt)
}

/// Adds the named tags to the contacts, creating missing tags, as one batch.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_tag_contacts(
    app: AppHandle,
    state: State<'_, CoreState>,
    contact_ids: Vec<String>,
    tag_names: Vec<String>,
) -> CommandResult<BatchReceipt> {
    let core = state.core()?;
    let changed_ids = contact_ids.clone();
    let receipt = core
        .run(move |core| core.tags.tag_contacts(&contact_ids, &tag_names))
        .await?;
    notify_contacts(&app, changed_ids, ContactsChangeReason::Updated);
    Ok(receipt)
}

/// Takes the named tags off the contacts, as one batch.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tags_untag_contacts(
    app: AppHandle,
    state: State<'_, CoreState>,
    contact_ids: Vec<String>,
    tag_names: Vec<String>,
) -> CommandResult<BatchReceipt> {
    let core = state.core()?;
    let changed_ids = contact_ids.clone();
    let receipt = core
        .run(move |core| core.tags.untag_contacts(&contact_ids, &tag_names))
        .await?;
    notify_contacts(&app, changed_ids, ContactsChangeReason::Updated);
    Ok(receipt)
}

//! Bulk contact commands and batch undo: each bulk write is one batch that one undo reverts.

use omnicrm_core::changes::{BatchReceipt, BatchUndoOutcome};
use omnicrm_core::contacts::BulkEdit;
use tauri::{AppHandle, State};

use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_bulk_edit(
    app: AppHandle,
    state: State<'_, CoreState>,
    ids: Vec<String>,
    edit: BulkEdit,
) -> CommandResult<BatchReceipt> {
    let core = state.core()?;
    let changed_ids = ids.clone();
    let receipt = core
        .run(move |core| core.contacts.bulk_edit(&ids, &edit))
        .await?;
    notify_contacts(&app, changed_ids, ContactsChangeReason::Updated);
    Ok(receipt)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn contacts_delete_many(
    app: AppHandle,
    state: State<'_, CoreState>,
    ids: Vec<String>,
) -> CommandResult<BatchReceipt> {
    let core = state.core()?;
    let deleted_ids = ids.clone();
    let receipt = core
        .run(move |core| core.contacts.delete_many(&ids))
        .await?;
    notify_contacts(&app, deleted_ids, ContactsChangeReason::Deleted);
    Ok(receipt)
}

/// Reverts every change of a batch. The batch may have touched contacts, so views reload.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn changes_undo_batch(
    app: AppHandle,
    state: State<'_, CoreState>,
    batch_id: String,
) -> CommandResult<BatchUndoOutcome> {
    let core = state.core()?;
    let outcome = core.run(move |core| core.undo.batch(&batch_id)).await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Restored);
    Ok(outcome)
}

//! Note commands: rich notes on a contact (sanitised HTML plus plain text, PII flags, privacy).

use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::notes::{Note, NoteInput};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn notes_list_for_contact(
    state: State<'_, CoreState>,
    contact_id: String,
) -> CommandResult<Vec<Note>> {
    let core = state.core()?;
    core.run(move |core| core.notes.list_for_contact(&contact_id))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn notes_create(
    state: State<'_, CoreState>,
    contact_id: String,
    input: NoteInput,
) -> CommandResult<Note> {
    let core = state.core()?;
    core.run(move |core| core.notes.create(&contact_id, input))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn notes_update(
    state: State<'_, CoreState>,
    id: String,
    input: NoteInput,
) -> CommandResult<Note> {
    let core = state.core()?;
    core.run(move |core| core.notes.update(&id, input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn notes_delete(state: State<'_, CoreState>, id: String) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.notes.delete(&id)).await
}

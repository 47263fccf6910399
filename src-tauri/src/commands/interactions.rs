//! Interaction commands (calls, meetings, messages) and the contact timeline.

use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::interactions::{Interaction, InteractionInput};
use omnicrm_core::timeline::{TimelineCursor, TimelinePage};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn interactions_create(
    state: State<'_, CoreState>,
    input: InteractionInput,
) -> CommandResult<Interaction> {
    let core = state.core()?;
    core.run(move |core| core.interactions.create(input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn interactions_update(
    state: State<'_, CoreState>,
    id: String,
    input: InteractionInput,
) -> CommandResult<Interaction> {
    let core = state.core()?;
    core.run(move |core| core.interactions.update(&id, input))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn interactions_delete(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.interactions.delete(&id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn interactions_get(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<Interaction> {
    let core = state.core()?;
    core.run(move |core| core.interactions.get(&id)).await
}

/// One page of a contact's timeline, newest first; pass the previous page's `next` to continue.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn timeline_page(
    state: State<'_, CoreState>,
    contact_id: String,
    cursor: Option<TimelineCursor>,
    limit: u32,
) -> CommandResult<TimelinePage> {
    let core = state.core()?;
    core.run(move |core| core.timeline.page(&contact_id, cursor.as_ref(), limit))
        .await
}

//! Duplicate suggestions, merging and dismissing. A merge is undone with `changes_undo_batch`.

use omnicrm_core::duplicates::{DuplicateSuggestion, MergeOutcome, MergeRequest};
use tauri::{AppHandle, State};

use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::CoreState;

/// Groups of contacts that are probably one person, most certain first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn duplicates_suggestions(
    state: State<'_, CoreState>,
    limit: u32,
) -> CommandResult<Vec<DuplicateSuggestion>> {
    let core = state.core()?;
    core.run(move |core| core.duplicates.suggestions(limit))
        .await
}

/// Merges `merged_ids` into `survivor_id`, keeping the chosen field values.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn duplicates_merge(
    app: AppHandle,
    state: State<'_, CoreState>,
    request: MergeRequest,
) -> CommandResult<MergeOutcome> {
    let core = state.core()?;
    let mut ids = vec![request.survivor_id.clone()];
    ids.extend(request.merged_ids.iter().cloned());
    let outcome = core.run(move |core| core.duplicates.merge(request)).await?;
    notify_contacts(&app, ids, ContactsChangeReason::Updated);
    Ok(outcome)
}

/// Records that these contacts are different people, so they are not suggested again.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn duplicates_dismiss(
    state: State<'_, CoreState>,
    contact_ids: Vec<String>,
) -> CommandResult<()> {
    let core = state.core()?;
    core.run(move |core| core.duplicates.dismiss(&contact_ids))
        .await
}

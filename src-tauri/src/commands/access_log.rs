//! Access log commands: who has seen a client's data (viewed, exported, printed, sent to an AI
//! provider, shared with the team), and how long that record is kept.

use omnicrm_core::access_log::AccessEntry;
use tauri::State;

use super::CommandResult;
use crate::CoreState;

/// The newest entries first, of one client or (without `contact_id`) of all clients.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn access_log_list(
    state: State<'_, CoreState>,
    contact_id: Option<String>,
    limit: u32,
) -> CommandResult<Vec<AccessEntry>> {
    let core = state.core()?;
    core.run(move |core| core.access_log.list(contact_id.as_deref(), limit))
        .await
}

/// How many days entries are kept.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn access_log_retention(state: State<'_, CoreState>) -> CommandResult<u32> {
    let core = state.core()?;
    core.run(|core| core.access_log.retention_days()).await
}

/// Keeps entries `days` days (30 days to 100 years) and removes older ones; returns the days.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn access_log_set_retention(
    state: State<'_, CoreState>,
    days: u32,
) -> CommandResult<u32> {
    let core = state.core()?;
    core.run(move |core| core.access_log.set_retention_days(days))
        .await
}

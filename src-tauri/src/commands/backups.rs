//! Backup commands: make a backup now, list them, restore one.

use omnicrm_core::backups::{BackupInfo, BackupReason, RestoreOutcome};
use tauri::{AppHandle, State};

use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn backups_create(state: State<'_, CoreState>) -> CommandResult<BackupInfo> {
    let core = state.core()?;
    core.run(|core| core.backups.create(BackupReason::Manual))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn backups_list(state: State<'_, CoreState>) -> CommandResult<Vec<BackupInfo>> {
    let core = state.core()?;
    core.run(|core| core.backups.list()).await
}

/// Replaces the live data with a backup (the current data is saved first); every view reloads.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn backups_restore(
    app: AppHandle,
    state: State<'_, CoreState>,
    file_name: String,
) -> CommandResult<RestoreOutcome> {
    let core = state.core()?;
    let outcome = core
        .run(move |core| core.backups.restore(&file_name))
        .await?;
    notify_contacts(&app, Vec::new(), ContactsChangeReason::Imported);
    Ok(outcome)
}

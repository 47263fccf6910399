//! Team sync commands (Settings → Team sync): connect this device to the team's server, sync
//! now, status, the health-details choice, disconnect, and the fields two devices changed at
//! once. The background service in
//! `omnicrm-app` syncs on its own while connected and reports through `TeamSyncChanged`.

use omnicrm_sync_client::{
    ConflictChoice, ConflictResolution, SyncConflict, SyncConnectOutcome, SyncReport, SyncStatus,
    TeamSync,
};
use tauri::{AppHandle, State};

use super::{notify_contacts, CommandResult};
use crate::events::ContactsChangeReason;
use crate::{CoreState, TeamSyncState};

/// The application's team sync: the one its background service runs, so a command reuses
/// the connection the service keeps open.
fn team_sync(team: &State<'_, TeamSyncState>) -> CommandResult<TeamSync> {
    team.team_sync()
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_status(
    state: State<'_, CoreState>,
    team: State<'_, TeamSyncState>,
) -> CommandResult<SyncStatus> {
    let sync = team_sync(&team)?;
    state.core()?.run(move |_| sync.status()).await
}

/// Checks the server and device token, and remembers the workspace. The next sync shares this
/// device's records (private ones stay).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_connect(
    team: State<'_, TeamSyncState>,
    server: String,
    token: String,
) -> CommandResult<SyncConnectOutcome> {
    team_sync(&team)?.connect(&server, &token).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_now(app: AppHandle, team: State<'_, TeamSyncState>) -> CommandResult<SyncReport> {
    let report = team_sync(&team)?.sync_now().await?;
    if report.received > 0 {
        notify_contacts(&app, Vec::new(), ContactsChangeReason::Imported);
    }
    Ok(report)
}

/// Stops syncing; the records stay on this device.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_disconnect(
    state: State<'_, CoreState>,
    team: State<'_, TeamSyncState>,
) -> CommandResult<SyncStatus> {
    let sync = team_sync(&team)?;
    state.core()?.run(move |_| sync.disconnect()).await
}

/// Whether health context and emergency contacts are shared with the team (off by default).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_set_share_health(
    state: State<'_, CoreState>,
    team: State<'_, TeamSyncState>,
    share: bool,
) -> CommandResult<SyncStatus> {
    let sync = team_sync(&team)?;
    state
        .core()?
        .run(move |_| sync.set_share_health_details(share))
        .await
}

/// Fields two devices changed at the same time (one record's when `record_id` is given): the
/// value every device kept and the one it was chosen over.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_conflicts(
    state: State<'_, CoreState>,
    team: State<'_, TeamSyncState>,
    record_id: Option<String>,
) -> CommandResult<Vec<SyncConflict>> {
    let sync = team_sync(&team)?;
    state
        .core()?
        .run(move |_| sync.conflicts(record_id.as_deref()))
        .await
}

/// Settles a conflict on the kept value or the one it was chosen over; every device takes it
/// at its next sync.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sync_resolve_conflict(
    app: AppHandle,
    team: State<'_, TeamSyncState>,
    id: String,
    choice: ConflictChoice,
) -> CommandResult<ConflictResolution> {
    let resolution = team_sync(&team)?.resolve_conflict(&id, choice).await?;
    notify_contacts(
        &app,
        vec![resolution.record_id.clone()],
        ContactsChangeReason::Updated,
    );
    Ok(resolution)
}

//! Team sync as a background service, the same wherever the application runs: while this
//! device is connected to a workspace it syncs shortly after every local write, as soon as the
//! server pushes a change of the team's over the connection the last sync left open, and every
//! [`PERIODIC`] otherwise. A failed sync waits before the next
//! try, doubling from [`FIRST_RETRY`] up to [`LONGEST_RETRY`] with jitter; the local data is
//! never touched by a failure. Its state (syncing, the last report, the next retry, the status
//! with pending changes and the last error) is published on a watch channel for the UI.

use std::time::Duration;

use omnicrm_core::Result;
use omnicrm_sync_client::{SyncReport, SyncStatus, TeamSync};
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::Application;

/// How often a connected device syncs when nothing changed here.
pub const PERIODIC: Duration = Duration::from_secs(20);
/// How often the service looks for local writes.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);
pub const FIRST_RETRY: Duration = Duration::from_secs(2);
pub const LONGEST_RETRY: Duration = Duration::from_secs(5 * 60);

/// What the sidebar and Settings show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TeamSyncState {
    pub status: SyncStatus,
    pub syncing: bool,
    pub last_report: Option<SyncReport>,
    /// When the next try is due after a failure (UTC).
    pub next_retry_at: Option<String>,
}

/// The running service. Dropping the handle does not stop it; [`TeamSyncService::stop`] does.
pub struct TeamSyncService {
    task: JoinHandle<()>,
    nudge: std::sync::Arc<Notify>,
    state: watch::Receiver<TeamSyncState>,
}

impl TeamSyncService {
    /// Starts the service on the current tokio runtime.
    pub fn start(application: &Application) -> Result<Self> {
        let sync = application.team_sync();
        let initial = TeamSyncState {
            status: sync.status()?,
            syncing: false,
            last_report: None,
            next_retry_at: None,
        };
        let (sender, state) = watch::channel(initial);
        let nudge = std::sync::Arc::new(Notify::new());
        let task = tokio::spawn(run(application.clone(), sync, sender, nudge.clone()));
        Ok(Self { task, nudge, state })
    }

    /// Syncs now (the "Sync now" button, a new connection), without waiting for the schedule.
    pub fn sync_soon(&self) {
        self.nudge.notify_one();
    }

    /// The state as it changes.
    pub fn subscribe(&self) -> watch::Receiver<TeamSyncState> {
        self.state.clone()
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn run(
    application: Application,
    sync: TeamSync,
    sender: watch::Sender<TeamSyncState>,
    nudge: std::sync::Arc<Notify>,
) {
    let mut seen_seq = newest_change(&application).unwrap_or(0);
    let mut next_sync = tokio::time::Instant::now();
    let mut retry = FIRST_RETRY;
    let mut failing = false;
    loop {
        // While the last sync's connection is open, the server pushes the team's changes over
        // it: waiting on it instead of sleeping makes them show here within moments.
        let (nudged, pushed) = match sync.wait_for_team_changes(CHECK_EVERY).await {
            Some(pushed) => {
                // A "Sync now" that came meanwhile left its permit.
                let nudged = tokio::time::timeout(Duration::ZERO, nudge.notified())
                    .await
                    .is_ok();
                (nudged, pushed)
            }
            None => tokio::select! {
                _ = tokio::time::sleep(CHECK_EVERY) => (false, false),
                _ = nudge.notified() => (true, false),
            },
        };
        let status = match sync.status() {
            Ok(status) => status,
            Err(error) => {
                tracing::warn!(message = %error.message, "team sync status could not be read");
                continue;
            }
        };
        if !status.connected {
            sync.close_session().await;
            failing = false;
            retry = FIRST_RETRY;
            sender.send_if_modified(|state| {
                let changed = state.status != status || state.next_retry_at.is_some();
                state.status = status.clone();
                state.next_retry_at = None;
                changed
            });
            continue;
        }
        let newest = newest_change(&application).unwrap_or(seen_seq);
        let now = tokio::time::Instant::now();
        let written_here = newest > seen_seq;
        // After a failure only the retry time (or the user) starts the next try; otherwise a
        // local write or the periodic time does.
        let due = nudged || pushed || now >= next_sync || (written_here && !failing);
        if !due {
            sender.send_if_modified(|state| {
                let changed = state.status != status;
                state.status = status.clone();
                changed
            });
            continue;
        }
        seen_seq = newest;
        sender.send_modify(|state| {
            state.status = status.clone();
            state.syncing = true;
        });
        let outcome = sync.sync_now().await;
        // What the sync wrote itself is not a local write to send back.
        seen_seq = newest_change(&application).unwrap_or(seen_seq);
        let status = sync.status().unwrap_or(status);
        match outcome {
            Ok(report) => {
                failing = false;
                retry = FIRST_RETRY;
                next_sync = tokio::time::Instant::now() + PERIODIC;
                sender.send_modify(|state| {
                    state.status = status;
                    state.syncing = false;
                    state.last_report = Some(report);
                    state.next_retry_at = None;
                });
            }
            Err(error) => {
                tracing::info!(message = %error.message, "team sync failed; trying again later");
                failing = true;
                let wait = with_jitter(retry);
                retry = (retry * 2).min(LONGEST_RETRY);
                next_sync = tokio::time::Instant::now() + wait;
                let at = chrono::Utc::now()
                    + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::zero());
                sender.send_modify(|state| {
                    state.status = status;
                    state.syncing = false;
                    state.next_retry_at = Some(omnicrm_core::time::format_utc(at));
                });
            }
        }
    }
}

/// `wait`, give or take a fifth, so devices that failed together do not retry together.
fn with_jitter(wait: Duration) -> Duration {
    let factor = rand::rng().random_range(0.8..1.2);
    wait.mul_f64(factor)
}

fn newest_change(application: &Application) -> Result<i64> {
    application.core.database.read(|connection| {
        Ok(
            connection.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |row| {
                row.get(0)
            })?,
        )
    })
}

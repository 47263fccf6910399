//! Typed events the shell sends to the UI.

use omnicrm_jobs::{JobEvent, JobStatus};
use serde::{Deserialize, Serialize};

/// Why contacts changed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ContactsChangeReason {
    Created,
    Updated,
    Deleted,
    Restored,
    Imported,
}

/// Sent after any write to contacts, so open views refresh.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ContactsChanged {
    pub ids: Vec<String>,
    pub reason: ContactsChangeReason,
}

/// A write of this app is waiting for another OmniCRM process (the command line, a second
/// window) that is writing the same database; sent once per wait, after a second.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct StoreWaiting {}

/// Progress of loading demo data.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DemoProgress {
    pub done: u32,
    pub total: u32,
}

/// A background job changed: it was claimed, made progress, failed, died, succeeded or was
/// canceled. Sent for every state change and for progress, so the Jobs view and anything
/// following one job (the import wizard) update live.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct JobChanged {
    pub id: String,
    pub kind: String,
    /// The batch the job belongs to (a Google sync's batch, for instance).
    pub batch_id: Option<String>,
    pub status: JobStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub progress_done: u32,
    pub progress_total: Option<u32>,
    /// The last attempt's error.
    pub error: Option<String>,
    /// When a failed job runs again.
    pub run_at: String,
    pub cancel_requested: bool,
    pub updated_at: String,
}

impl From<JobEvent> for JobChanged {
    fn from(event: JobEvent) -> Self {
        Self {
            id: event.job_id,
            kind: event.kind,
            batch_id: event.batch_id,
            status: event.status,
            attempts: event.attempts,
            max_attempts: event.max_attempts,
            progress_done: event.progress_done,
            progress_total: event.progress_total,
            error: event.error,
            run_at: event.run_at,
            cancel_requested: event.cancel_requested,
            updated_at: event.updated_at,
        }
    }
}

/// More of an assistant reply, as it streams in. `request_id` is the id the UI gave `ai_ask`.
/// `reset` means a retry or fallback starts the reply over: drop the text shown so far.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct AiStreamed {
    pub request_id: String,
    pub delta: String,
    pub reset: bool,
}

/// Team sync's state changed: connected or not, syncing, changes waiting, the last sync and
/// its report, the last error and when the next try is due.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct TeamSyncChanged {
    pub state: omnicrm_app::team_sync_service::TeamSyncState,
}

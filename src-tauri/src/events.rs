//! Typed events the shell sends to the UI.

use omnicrm_jobs::JobEvent;
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
/// following one job (the import wizard) update live. The job's state is the runner's own
/// [`JobEvent`], sent as it is.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct JobChanged(pub JobEvent);

impl From<JobEvent> for JobChanged {
    fn from(event: JobEvent) -> Self {
        Self(event)
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

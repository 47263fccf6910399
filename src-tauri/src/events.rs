//! Typed events the shell sends to the UI.

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

/// Progress of loading demo data.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct DemoProgress {
    pub done: u32,
    pub total: u32,
}

/// Progress of an import: records written out of records to write.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ImportProgress {
    pub done: u32,
    pub total: u32,
}

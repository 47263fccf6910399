//! The desktop side of OmniCRM team sync.
//!
//! [`mapping`] is the one place where core's records become sync records (and so documents)
//! and sync records become core inputs. It applies the sharing rules:
//!
//! - health context and emergency contacts travel only when the workspace's
//!   [`SharingPolicy::share_health_details`] is on (off by default); when off they are neither
//!   written nor cleared on the remote side, and a document without them never clears them here;
//! - private records (a private note, a contact marked private) are never mapped;
//! - device-local state (integration accounts, AI settings and usage, job rows, search
//!   vectors) and interactions imported by an integration have no mapping at all.

pub mod conflicts;
mod disclosures;
mod incoming;
pub mod local_documents;
pub mod mapping;
pub mod snapshot;
pub mod team_sync;

pub use conflicts::{ConflictChoice, SyncConflict};
pub use mapping::{MappingError, NotShareable, SharingPolicy};
pub use team_sync::{
    ConflictResolution, RebuildOutcome, SyncConnectOutcome, SyncReport, SyncStatus, TeamSync,
};

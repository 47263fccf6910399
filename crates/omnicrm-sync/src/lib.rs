//! The OmniCRM sync document model and wire messages.
//!
//! Every syncable record (a contact with its identities and tags, a note, a task, a project, a
//! goal, a zone, a tag, a consent, a manually logged interaction) is its own small Automerge
//! document, so that opening one record
//! never loads a whole workspace. A workspace root document indexes the record documents.
//!
//! The model is shared by the sync server (which projects merged documents into SQL tables) and
//! the desktop client (which turns local records into documents). It enforces two promises:
//! records marked private never become documents, and fields this version does not know are
//! left untouched, so an older client never erases what a newer one wrote.

pub mod acknowledgement;
pub mod author;
pub mod conflicts;
pub mod document_id;
pub mod error;
pub mod fields;
pub mod held_reply;
pub mod protocol;
pub mod receive;
pub mod records;
pub mod root;
pub mod schema;

#[cfg(feature = "client")]
pub mod client;

pub use document_id::DocumentId;
pub use error::ModelError;
pub use records::{
    Address, AnyRecord, Consent, Contact, Email, Goal, HealthDetails, Identity, Interaction, Note,
    Phone, Project, RecordDocument, SyncRecord, Tag, Task, Zone,
};
pub use root::{RootEntry, WorkspaceRoot};
pub use schema::{RecordKind, SCHEMA_VERSION};

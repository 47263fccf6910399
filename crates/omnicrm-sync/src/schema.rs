//! Schema version and record kinds.
//!
//! Every document carries `schema_version` and `kind` at its root. The version only grows when a
//! change would be misread by older code; adding an optional field does not need it, because
//! readers ignore and writers preserve fields they do not know.
//!
//! Versions:
//! - 1: contact (`display_name`, `company`, `identities`, `tags`), note (`body`, `contact_id`),
//!   task (`title`, `done`, `due_at`, `contact_id`, `project_id`), project (`name`, `status`),
//!   interaction (`interaction_kind`, `occurred_at`, `summary`, `contact_id`).
//! - 2: every field a user can edit in the app (see `docs/sync-model.md`), and the goal, zone,
//!   tag and consent kinds. A task's `status`, `due_date` and `contact_ids` (and an
//!   interaction's `contact_ids`) replace the meaning of `done`, `due_at` and `contact_id`,
//!   which are still written for version-1 readers. A version-1 document is read by deriving
//!   the new fields from the old ones, and is upgraded (the new fields written, the version
//!   set to 2) by the next update.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;

/// The schema version this build writes and fully understands.
pub const SCHEMA_VERSION: u64 = 2;

/// The kind of a document, stored in its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Contact,
    Note,
    Task,
    Project,
    Interaction,
    Goal,
    Zone,
    Tag,
    Consent,
    WorkspaceRoot,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Note => "note",
            Self::Task => "task",
            Self::Project => "project",
            Self::Interaction => "interaction",
            Self::Goal => "goal",
            Self::Zone => "zone",
            Self::Tag => "tag",
            Self::Consent => "consent",
            Self::WorkspaceRoot => "workspace_root",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = ModelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "contact" => Self::Contact,
            "note" => Self::Note,
            "task" => Self::Task,
            "project" => Self::Project,
            "interaction" => Self::Interaction,
            "goal" => Self::Goal,
            "zone" => Self::Zone,
            "tag" => Self::Tag,
            "consent" => Self::Consent,
            "workspace_root" => Self::WorkspaceRoot,
            other => return Err(ModelError::field("kind", format!("unknown kind `{other}`"))),
        })
    }
}

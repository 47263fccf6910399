//! Schema version and record kinds.
//!
//! Every document carries `schema_version` and `kind` at its root. The version only grows when a
//! change would be misread by older code; adding an optional field does not need it, because
//! readers ignore and writers preserve fields they do not know.

use std::fmt;
use std::str::FromStr;

use crate::ModelError;

/// The schema version this build writes and fully understands.
pub const SCHEMA_VERSION: u64 = 1;

/// The kind of a document, stored in its `kind` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Contact,
    Note,
    Task,
    Project,
    Interaction,
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
            "workspace_root" => Self::WorkspaceRoot,
            other => return Err(ModelError::field("kind", format!("unknown kind `{other}`"))),
        })
    }
}

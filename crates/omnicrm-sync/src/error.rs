//! Errors of the document model.

/// Why a record could not become a document, or a document could not be read as a record.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The record is marked private: it must never leave the device, so no document is made.
    #[error("record {id} is private and never leaves this device")]
    PrivateRecord { id: String },
    /// The document was written by a newer schema than this build understands; writing to it
    /// could misinterpret fields, so it is read-only here.
    #[error("document schema version {found} is newer than supported version {supported}")]
    SchemaTooNew { found: u64, supported: u64 },
    /// A field is missing or has the wrong type.
    #[error("field `{field}`: {problem}")]
    InvalidField { field: String, problem: String },
    /// The document is of another kind than the one asked for.
    #[error("document is a {found}, expected a {expected}")]
    WrongKind { found: String, expected: String },
    /// The text is not a valid document id.
    #[error("invalid document id: {0}")]
    InvalidDocumentId(String),
    /// Automerge refused an operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

impl ModelError {
    pub(crate) fn field(field: &str, problem: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.to_owned(),
            problem: problem.into(),
        }
    }
}

//! The one error type of OmniCRM.
//!
//! Every fallible operation in the core returns [`Error`]. It serializes unchanged to the UI and to
//! the CLI's `--json` output as `{"code": ..., "message": ..., "details": ...}`. The codes are a
//! contract: tests in `tests/error_contract.rs` pin the JSON of each one.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input failed validation; `details.fields` names each bad field.
    ValidationFailed,
    /// The record does not exist, or it has been deleted.
    NotFound,
    /// The record changed since the caller last saw it.
    Conflict,
    /// The change cannot be undone (already undone, or superseded by a later change).
    UndoUnavailable,
    /// The database was written by a newer OmniCRM; it is left untouched.
    SchemaTooNew,
    /// SQLite reported an error.
    Database,
    /// A file or directory could not be read or written.
    Io,
    /// A bug: something that should not happen did.
    Internal,
    /// An account needs signing in (again): no token, or the provider refused it (`invalid_grant`).
    AuthRequired,
    /// An outside service (Google, an AI provider, the sync server) could not be reached or
    /// answered with an error.
    Network,
    /// An outside service or a local guardrail asked us to slow down; `message` says until when.
    RateLimited,
    /// The work was cancelled before it finished.
    Cancelled,
    /// The AI guardrail's requests-per-minute limit is reached; `details.limit` says until when.
    RateLimitedMinute,
    /// The AI guardrail's daily cost cap is reached; `details.limit` says until when.
    RateLimitedDailyCost,
    /// The AI guardrail's monthly credits are spent; `details.limit` says until when.
    RateLimitedMonthly,
    /// The AI assistant is off: not configured, no API key, or every model's circuit is open.
    /// `message` says which, in plain words.
    AiUnavailable,
    /// A record is larger than the team server accepts; it stays on this device and the other
    /// records still sync. `message` says which record and the limit.
    TooLarge,
    /// The database is encrypted and its key is not on this computer (a data folder copied from
    /// another one, or a lost keyring): the recovery key opens it.
    EncryptionKeyMissing,
    /// The key given does not open the encrypted database or backup.
    EncryptionKeyWrong,
}

/// One invalid field. `field` is a path such as `emails[0].address`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Structured details attached to an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorDetails {
    pub fields: Vec<FieldError>,
    /// Set on the guardrail codes (`rate_limited_minute`, `rate_limited_daily_cost`,
    /// `rate_limited_monthly`): which limit, how much is used and when it resets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<LimitDetails>,
}

/// Which guardrail limit was reached, so the UI can say "20 of 20 requests this minute, again at
/// 09:31". Amounts are requests for the minute limit and US dollars for the cost limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LimitDetails {
    pub limit: f64,
    pub used: f64,
    /// RFC 3339 UTC: when the window ends and requests are allowed again.
    pub resets_at: String,
}

// `f64` has no `Eq`; the amounts are never NaN (they come from counts and sums of costs).
impl Eq for LimitDetails {}

/// The error type of every OmniCRM operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename = "AppError")]
#[error("{message}")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<ErrorDetails>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    /// A validation failure naming each bad field.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [only] => format!("{} {}", only.field, only.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            code: ErrorCode::ValidationFailed,
            message,
            details: Some(ErrorDetails {
                fields,
                limit: None,
            }),
        }
    }

    /// A validation failure of a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(entity: &str, id: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{entity} {id} was not found"))
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    pub fn undo_unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::UndoUnavailable, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn io(context: &str, source: &std::io::Error) -> Self {
        Self::new(ErrorCode::Io, format!("{context}: {source}"))
    }

    /// Adds a field error to the details (for errors other than validation that still concern
    /// one field, such as a name already taken).
    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.details
            .get_or_insert_with(ErrorDetails::default)
            .fields
            .push(FieldError::new(field, message));
        self
    }

    /// A guardrail limit reached: one of the `rate_limited_*` codes with the limit, the amount
    /// used and when the window resets in `details.limit`.
    pub fn limit_reached(code: ErrorCode, message: impl Into<String>, limit: LimitDetails) -> Self {
        Self {
            code,
            message: message.into(),
            details: Some(ErrorDetails {
                fields: Vec::new(),
                limit: Some(limit),
            }),
        }
    }

    /// The field errors, empty unless this is a validation failure.
    pub fn field_errors(&self) -> &[FieldError] {
        self.details
            .as_ref()
            .map(|details| details.fields.as_slice())
            .unwrap_or_default()
    }
}

impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        // Writes wait for another process up to `store::LONGEST_WAIT_FOR_OTHER_PROCESS`;
        // SQLite also answers "busy" at once where waiting could not help.
        if source.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
            return Self::new(
                ErrorCode::Database,
                "another OmniCRM process is keeping the database busy; try again when it has \
                 finished",
            );
        }
        Self::new(ErrorCode::Database, format!("database error: {source}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(source: serde_json::Error) -> Self {
        Self::internal(format!("could not encode or decode stored JSON: {source}"))
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(source: tokio::task::JoinError) -> Self {
        Self::internal(format!("background task failed: {source}"))
    }
}

//! Why a job attempt failed, and whether another attempt could help.

use omnicrm_core::{Error, ErrorCode};

/// A failed attempt. A retryable failure waits its backoff and runs again (until the attempts
/// run out); a permanent one goes to the dead list at once, because running the same payload
/// again can only fail the same way (bad input, a record that is gone, a revoked sign-in). The
/// user sees it there and can retry by hand once the cause is fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFailure {
    pub message: String,
    pub permanent: bool,
}

impl JobFailure {
    /// A failure worth another attempt (network trouble, a busy database, a timeout).
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no retry can fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl From<String> for JobFailure {
    fn from(message: String) -> Self {
        Self::retryable(message)
    }
}

impl From<&str> for JobFailure {
    fn from(message: &str) -> Self {
        Self::retryable(message)
    }
}

/// The error's code decides: input, missing records, a sign-in that needs the user, a newer
/// database and a cancelled batch are permanent; the rest may pass on a later attempt.
impl From<Error> for JobFailure {
    fn from(error: Error) -> Self {
        Self {
            permanent: is_permanent(error.code),
            message: error.message,
        }
    }
}

/// Whether an error with this code would only repeat on another attempt. Codes not named
/// here (busy database, network, rate limits, bugs) are worth another attempt.
pub fn is_permanent(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ValidationFailed
            | ErrorCode::NotFound
            | ErrorCode::AuthRequired
            | ErrorCode::SchemaTooNew
            | ErrorCode::Cancelled
    )
}

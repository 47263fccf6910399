//! UTC timestamps and UUIDv7 identifiers.

use chrono::{SecondsFormat, Utc};

/// The current time as an RFC 3339 UTC string with millisecond precision, e.g.
/// `2026-11-22T09:30:00.123Z`. Strings of this form sort chronologically.
pub fn now_utc() -> String {
    format_utc(Utc::now())
}

pub fn format_utc(instant: chrono::DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

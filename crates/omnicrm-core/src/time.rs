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

/// Seconds since 1970 (a Unix time) as [`format_utc`] text; `None` out of range.
pub fn utc_from_unix_seconds(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0).map(format_utc)
}

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Reads an RFC 3339 date-time with any offset, as UTC.
pub fn parse_utc(text: &str) -> Option<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|instant| instant.with_timezone(&Utc))
}

/// Reads a calendar date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

//! The one error type for files that cannot be read at all, and where in a file things are.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A place in a contact file.
///
/// vCard files are located by **line** (1-based physical line of the file; for a record it is
/// the line of its `BEGIN:VCARD`). CSV files are located by **row**: 1-based record number
/// where the header is row 1, so the first data row is row 2. A quoted cell spanning several
/// physical lines still counts as one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A 1-based line number.
    Line { line: usize },
    /// A 1-based CSV row number (the header is row 1).
    Row { row: usize },
}

impl Location {
    /// The location of a 1-based line.
    pub fn line(line: usize) -> Self {
        Location::Line { line }
    }

    /// The location of a 1-based CSV row (header = row 1).
    pub fn row(row: usize) -> Self {
        Location::Row { row }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line { line } => write!(formatter, "line {line}"),
            Location::Row { row } => write!(formatter, "row {row}"),
        }
    }
}

/// What kind of whole-file failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatErrorKind {
    /// Binary data, NUL bytes, or bytes that are not UTF-8 / UTF-16 text.
    NotText,
    /// The file is larger than [`crate::MAX_FILE_BYTES`].
    TooLarge,
    /// One line is longer than [`crate::MAX_LINE_BYTES`].
    LineTooLong,
    /// A vCard has a `BEGIN:VCARD` without a matching `END:VCARD`.
    Truncated,
    /// The file has no content.
    Empty,
    /// The file is neither vCard nor CSV.
    UnknownFormat,
    /// The CSV header row is missing or unusable.
    BadHeader,
    /// A column mapping names a column the file does not have.
    Mapping,
}

/// A file that could not be read at all. `message` is a plain sentence for people and, when
/// the failure has a place, starts with it ("line 14: vCard started here has no END:VCARD").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct FormatError {
    pub kind: FormatErrorKind,
    pub location: Option<Location>,
    pub message: String,
}

impl FormatError {
    /// An error without a place in the file.
    pub fn new(kind: FormatErrorKind, message: impl Into<String>) -> Self {
        FormatError {
            kind,
            location: None,
            message: message.into(),
        }
    }

    /// An error at a place; the message is prefixed with the place.
    pub fn at(kind: FormatErrorKind, location: Location, detail: impl fmt::Display) -> Self {
        FormatError {
            kind,
            location: Some(location),
            message: format!("{location}: {detail}"),
        }
    }
}

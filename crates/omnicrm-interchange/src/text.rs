//! Turning file bytes into text, guarding against binary and oversized input, and telling
//! the formats apart.

use std::borrow::Cow;

use crate::error::{FormatError, FormatErrorKind, Location};
use crate::record::Format;
use crate::table;

/// The largest file accepted: 512 MiB.
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

/// The longest line accepted: 1 MiB. Longer lines are rejected before any parsing.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Decodes a contact file to text.
///
/// UTF-8 (a byte order mark is dropped) and UTF-16 LE/BE with a byte order mark (as Outlook
/// and Excel write) are accepted. Binary data (NUL bytes), bytes that are not UTF-8 (for
/// example Latin-1 exports) and lines over [`MAX_LINE_BYTES`] fail with the line number.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, FormatError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FormatError::new(
            FormatErrorKind::TooLarge,
            format!(
                "the file is {} MiB; the largest contact file accepted is {} MiB",
                bytes.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        Cow::Owned(decode_utf16(rest, encoding_rs::UTF_16LE)?)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        Cow::Owned(decode_utf16(rest, encoding_rs::UTF_16BE)?)
    } else if let Some(encoding) = utf16_without_byte_order_mark(bytes) {
        Cow::Owned(decode_utf16(bytes, encoding)?)
    } else {
        let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        if !looks_like_json(bytes) {
            check_line_lengths(bytes)?;
        }
        check_no_nul(bytes)?;
        match std::str::from_utf8(bytes) {
            // Borrowed: a large file is not held twice.
            Ok(text) => Cow::Borrowed(text),
            Err(error) => {
                let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
                let bad_byte = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
                return Err(FormatError::at(
                    FormatErrorKind::NotText,
                    Location::line(line_number_at(valid)),
                    format!(
                        "byte 0x{bad_byte:02X} is not UTF-8 text; save the file as UTF-8 (or UTF-16) and try again"
                    ),
                ));
            }
        }
    };
    check_not_empty(&text)?;
    Ok(text)
}

fn decode_utf16(
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
) -> Result<String, FormatError> {
    let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) else {
        return Err(FormatError::new(
            FormatErrorKind::NotText,
            "the file looks like UTF-16 text but is not valid UTF-16",
        ));
    };
    if !looks_like_json(text.as_bytes()) {
        check_line_lengths(text.as_bytes())?;
    }
    check_no_nul(text.as_bytes())?;
    Ok(text.into_owned())
}

/// Whether the text starts like a JSON document. The line-length guard protects the
/// line-based parsers (CSV, vCard); a JSON export is parsed as a whole, and a minified one is
/// a single line of any length.
fn looks_like_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|first| *first == b'{' || *first == b'[')
}

/// UTF-16 saved without a byte-order mark: text in Latin script has a NUL byte beside every
/// character, on the even bytes (big-endian) or the odd ones (little-endian). Judged from the
/// first 512 bytes: most bytes on one side NUL and almost none on the other.
fn utf16_without_byte_order_mark(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = bytes.get(..bytes.len().min(512))?;
    let pairs = sample.len() / 2;
    if pairs < 4 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        if let [even, odd] = pair {
            even_nul += usize::from(*even == 0);
            odd_nul += usize::from(*odd == 0);
        }
    }
    let most = pairs * 7 / 10;
    let few = pairs / 20;
    if odd_nul >= most && even_nul <= few {
        Some(encoding_rs::UTF_16LE)
    } else if even_nul >= most && odd_nul <= few {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// The 1-based line number of the position just after `before`.
fn line_number_at(before: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', before).count() + 1
}

fn check_no_nul(bytes: &[u8]) -> Result<(), FormatError> {
    match memchr::memchr(0, bytes) {
        Some(position) => Err(FormatError::at(
            FormatErrorKind::NotText,
            Location::line(line_number_at(bytes.get(..position).unwrap_or_default())),
            "the file contains NUL bytes; it looks like binary data, not a contact file",
        )),
        None => Ok(()),
    }
}

pub(crate) fn check_not_empty(text: &str) -> Result<(), FormatError> {
    if text.trim().is_empty() {
        Err(FormatError::new(
            FormatErrorKind::Empty,
            "the file is empty",
        ))
    } else {
        Ok(())
    }
}

/// Fails on the first line longer than [`MAX_LINE_BYTES`], naming it. Scans without copying.
pub(crate) fn check_line_lengths(bytes: &[u8]) -> Result<(), FormatError> {
    let mut line_start = 0;
    let line_ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    for (line, newline) in (1..).zip(line_ends) {
        if newline - line_start > MAX_LINE_BYTES {
            return Err(FormatError::at(
                FormatErrorKind::LineTooLong,
                Location::line(line),
                format!(
                    "the line is longer than {} MiB; this is not a contact file this program can read",
                    MAX_LINE_BYTES / (1024 * 1024)
                ),
            ));
        }
        line_start = newline + 1;
    }
    Ok(())
}

/// The checks every parser runs on text it is handed directly.
pub(crate) fn check_text(text: &str) -> Result<(), FormatError> {
    check_line_lengths(text.as_bytes())?;
    check_no_nul(text.as_bytes())?;
    check_not_empty(text)
}

/// Tells which format a decoded file is in.
///
/// A `BEGIN:VCARD` line makes it a vCard. Otherwise the first line is read as a CSV header:
/// Google's numbered columns ("E-mail 1 - Value", "Phone 1 - Label", "Group Membership",
/// "Labels") make it [`Format::GoogleCsv`], Outlook's columns ("E-mail Address", "E-mail
/// Display Name", "Mobile Phone" with "Business Phone") make it [`Format::OutlookCsv`], and any
/// other header with at least two columns (or a single column in a file named `.csv`/`.tsv`)
/// is [`Format::Csv`].
pub fn detect_format(text: &str, file_name: Option<&str>) -> Result<Format, FormatError> {
    check_text(text)?;
    let first_lines = text.lines().filter(|line| !line.trim().is_empty()).take(5);
    for line in first_lines {
        if line.trim().eq_ignore_ascii_case("BEGIN:VCARD") {
            return Ok(Format::Vcard);
        }
    }
    let extension = file_name
        .and_then(|name| name.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase());
    if extension.as_deref() == Some("vcf") || extension.as_deref() == Some("vcard") {
        return Err(FormatError::new(
            FormatErrorKind::UnknownFormat,
            "the file is named like a vCard but has no BEGIN:VCARD line",
        ));
    }
    let headers = table::read_headers(text)?;
    let has = |name: &str| headers.iter().any(|header| header == name);
    let google = headers.iter().any(|header| {
        (header.starts_with("E-mail ") || header.starts_with("Phone "))
            && (header.ends_with(" - Value")
                || header.ends_with(" - Label")
                || header.ends_with(" - Type"))
    }) || has("Group Membership")
        || (has("Labels") && has("First Name"));
    if google {
        return Ok(Format::GoogleCsv);
    }
    let outlook = has("E-mail Address")
        || has("E-mail Display Name")
        || (has("Mobile Phone") && has("Business Phone"));
    if outlook {
        return Ok(Format::OutlookCsv);
    }
    let named_csv = matches!(extension.as_deref(), Some("csv") | Some("tsv"));
    if headers.len() >= 2 || named_csv {
        return Ok(Format::Csv);
    }
    Err(FormatError::new(
        FormatErrorKind::UnknownFormat,
        "the file is neither a vCard (no BEGIN:VCARD line) nor a CSV file (the first line has no columns)",
    ))
}

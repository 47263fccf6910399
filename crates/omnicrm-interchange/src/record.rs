//! The format-neutral contact record that every reader produces and every writer consumes.

use crate::error::Location;
use serde::{Deserialize, Serialize};

/// One contact as read from (or to be written to) a file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactRecord {
    /// FN, or built from the name parts, the organization, the first email or the first phone
    /// when the file has no display name.
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub organization: Option<String>,
    pub title: Option<String>,
    pub emails: Vec<LabeledValue>,
    /// Phone numbers exactly as written in the file; the caller normalizes them.
    pub phones: Vec<LabeledValue>,
    pub addresses: Vec<PostalAddress>,
    /// `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.
    pub birthday: Option<String>,
    pub note: Option<String>,
    pub photo: Option<Photo>,
    pub categories: Vec<String>,
    pub urls: Vec<String>,
}

/// An email address or phone number with its label ("home", "work", "mobile", or a custom
/// label such as "Gym") and whether the file marks it as preferred.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LabeledValue {
    pub value: String,
    pub label: Option<String>,
    pub preferred: bool,
}

impl LabeledValue {
    /// A value with an optional label, not preferred.
    pub fn new(value: impl Into<String>, label: Option<&str>) -> Self {
        LabeledValue {
            value: value.into(),
            label: label.map(str::to_string),
            preferred: false,
        }
    }
}

/// A postal address. `street` may hold several lines separated by `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PostalAddress {
    pub label: Option<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl PostalAddress {
    /// True when no part of the address (the label aside) has content.
    pub fn is_empty(&self) -> bool {
        [
            &self.street,
            &self.city,
            &self.region,
            &self.postal_code,
            &self.country,
        ]
        .iter()
        .all(|part| part.is_none())
    }
}

/// An embedded photo. `data` serializes as a standard base64 string.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Photo {
    /// A media type such as `image/jpeg`.
    pub media_type: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// A value together with where in the file it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Located<T> {
    pub location: Location,
    pub value: T,
}

/// A record that could not be read; the other records of the file still parse.
/// `message` starts with the location ("row 7: no name, email or phone").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProblem {
    pub location: Location,
    pub message: String,
}

impl RecordProblem {
    /// A problem at a place; the message is prefixed with the place.
    pub fn new(location: Location, detail: impl std::fmt::Display) -> Self {
        RecordProblem {
            location,
            message: format!("{location}: {detail}"),
        }
    }
}

/// Everything read from one file: the records, and the records that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ParsedContacts {
    pub records: Vec<Located<ContactRecord>>,
    pub problems: Vec<RecordProblem>,
}

impl ParsedContacts {
    /// Every item of a reader, or the error that fails the file.
    pub fn read_all(reader: crate::ContactReader<'_>) -> Result<Self, crate::FormatError> {
        let mut parsed = Self::default();
        for item in reader {
            match item? {
                crate::ReadItem::Record(record) => parsed.records.push(record),
                crate::ReadItem::Problem(problem) => parsed.problems.push(problem),
            }
        }
        Ok(parsed)
    }
}

/// The supported file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Format {
    /// vCard 2.1, 3.0 or 4.0.
    Vcard,
    /// A Google Contacts CSV export (current or older header style).
    GoogleCsv,
    /// An Outlook CSV export.
    OutlookCsv,
    /// Any other CSV; needs a [`crate::ColumnMapping`].
    Csv,
}

/// The display name a reader builds when the file has none: given, middle and family name,
/// else the organization, else the first email, else the first phone; empty when none exist.
pub(crate) fn fallback_display_name(record: &ContactRecord, middle_name: Option<&str>) -> String {
    let name = [
        record.given_name.as_deref(),
        middle_name,
        record.family_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    if !name.is_empty() {
        return name;
    }
    record
        .organization
        .as_deref()
        .or_else(|| record.emails.first().map(|email| email.value.as_str()))
        .or_else(|| record.phones.first().map(|phone| phone.value.as_str()))
        .map(str::trim)
        .unwrap_or_default()
        .to_string()
}

/// `Some(trimmed)` for a non-empty value, `None` otherwise.
pub(crate) fn non_empty(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Normalizes a birthday to `YYYY-MM-DD` or `--MM-DD`.
///
/// Accepts `YYYY-MM-DD`, `YYYYMMDD`, `--MMDD`, `--MM-DD`, a date-time (the time is dropped),
/// `D.M.YYYY` and the US `M/D/YYYY` that Outlook writes. Returns `None` for anything else,
/// including Outlook's "0/0/00" for no date.
pub(crate) fn normalize_birthday(value: &str) -> Option<String> {
    let value = value.trim();
    let date = value.split(['T', 't', ' ']).next().unwrap_or_default();
    let digits_only = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let (year, month, day) = if let Some(rest) = date.strip_prefix("--") {
        let rest = rest.replace('-', "");
        if rest.len() != 4 || !digits_only(&rest) {
            return None;
        }
        (
            None,
            rest.get(0..2)?.to_string(),
            rest.get(2..4)?.to_string(),
        )
    } else if date.contains('/') || date.contains('.') {
        let parts: Vec<&str> = date.split(['/', '.']).collect();
        let [first, second, year] = parts.as_slice() else {
            return None;
        };
        let (month, day) = if date.contains('/') {
            (first, second)
        } else {
            (second, first)
        };
        if year.len() != 4 || ![month, day, year].iter().all(|part| digits_only(part)) {
            return None;
        }
        (
            Some(year.to_string()),
            format!("{:0>2}", month),
            format!("{:0>2}", day),
        )
    } else {
        let compact = date.replace('-', "");
        if compact.len() != 8 || !digits_only(&compact) {
            return None;
        }
        (
            Some(compact.get(0..4)?.to_string()),
            compact.get(4..6)?.to_string(),
            compact.get(6..8)?.to_string(),
        )
    };
    let month_number: u32 = month.parse().ok()?;
    let day_number: u32 = day.parse().ok()?;
    if !(1..=12).contains(&month_number) || !(1..=31).contains(&day_number) {
        return None;
    }
    match year {
        Some(year) if year != "0000" => Some(format!("{year}-{month}-{day}")),
        _ => Some(format!("--{month}-{day}")),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_birthday;

    #[test]
    fn birthdays_normalize() {
        assert_eq!(
            normalize_birthday("19850412").as_deref(),
            Some("1985-04-12")
        );
        assert_eq!(
            normalize_birthday("1985-04-12").as_deref(),
            Some("1985-04-12")
        );
        assert_eq!(normalize_birthday("--0412").as_deref(), Some("--04-12"));
        assert_eq!(normalize_birthday("--04-12").as_deref(), Some("--04-12"));
        assert_eq!(
            normalize_birthday("4/12/1985").as_deref(),
            Some("1985-04-12")
        );
        assert_eq!(
            normalize_birthday("12.04.1985").as_deref(),
            Some("1985-04-12")
        );
        assert_eq!(
            normalize_birthday("1985-04-12T00:00:00Z").as_deref(),
            Some("1985-04-12")
        );
        assert_eq!(normalize_birthday("0/0/00"), None);
        assert_eq!(normalize_birthday("1985-13-01"), None);
        assert_eq!(normalize_birthday("soon"), None);
    }
}

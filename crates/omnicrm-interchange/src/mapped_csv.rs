//! Any other CSV, read through a [`ColumnMapping`] that says which column holds what.

use crate::error::{FormatError, FormatErrorKind, Location};
use crate::record::{
    fallback_display_name, non_empty, normalize_birthday, ContactRecord, LabeledValue,
    ParsedContacts, PostalAddress,
};
use crate::table::{sniff_delimiter, TableReader, TableRow};
use serde::{Deserialize, Serialize};

/// What a CSV column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Field {
    DisplayName,
    GivenName,
    FamilyName,
    Organization,
    Title,
    Email,
    Phone,
    Street,
    City,
    Region,
    PostalCode,
    Country,
    Birthday,
    Note,
    /// Several categories in one cell, separated by `,` or `;`.
    Categories,
    Url,
    Ignore,
}

/// One column (by its header name) and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnTarget {
    pub header: String,
    pub field: Field,
}

/// Which column holds which field. Columns the mapping does not name are ignored. Several
/// columns may map to Email or Phone (each adds a value) and to Note (joined by lines); for the
/// other fields the first non-empty column wins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ColumnMapping {
    pub columns: Vec<ColumnTarget>,
}

/// The first rows of a CSV file, for a person to check a mapping against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CsvPreview {
    pub headers: Vec<String>,
    pub sample_rows: Vec<Vec<String>>,
    /// A mapping guessed from the header names; every header is in it (unknown ones as
    /// [`Field::Ignore`]).
    pub suggested_mapping: ColumnMapping,
    /// The delimiter found: `,`, `;` or tab.
    pub delimiter: char,
}

/// Reads the header and up to `max_rows` data rows (only those: a large file is not read
/// through), and guesses a mapping.
pub fn csv_preview(text: &str, max_rows: usize) -> Result<CsvPreview, FormatError> {
    let mut table = TableReader::open(text)?;
    let mut sample_rows = Vec::new();
    while sample_rows.len() < max_rows {
        match table.next_row() {
            None => break,
            Some(item) => {
                if let Ok(row) = item? {
                    sample_rows.push(row.cells);
                }
            }
        }
    }
    let suggested_mapping = ColumnMapping {
        columns: table
            .headers
            .iter()
            .map(|header| ColumnTarget {
                header: header.clone(),
                field: guess_field(header),
            })
            .collect(),
    };
    Ok(CsvPreview {
        sample_rows,
        headers: table.headers,
        suggested_mapping,
        delimiter: char::from(sniff_delimiter(text)),
    })
}

/// Guesses what a column holds from its header name.
pub fn guess_field(header: &str) -> Field {
    let name: String = header
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = name.split_whitespace().collect();
    let compact = words.concat();
    let has = |fragments: &[&str]| fragments.iter().any(|fragment| compact.contains(fragment));
    let word = |candidates: &[&str]| words.iter().any(|w| candidates.contains(w));
    if has(&["mail"]) {
        Field::Email
    } else if has(&["phone", "mobile", "cell", "handy", "telef"]) || word(&["tel", "fon"]) {
        Field::Phone
    } else if has(&[
        "firstname",
        "givenname",
        "forename",
        "vorname",
        "prenom",
        "prénom",
    ]) {
        Field::GivenName
    } else if has(&["lastname", "familyname", "surname", "nachname"]) {
        Field::FamilyName
    } else if has(&[
        "company",
        "organization",
        "organisation",
        "employer",
        "firma",
    ]) || word(&["org"])
    {
        Field::Organization
    } else if has(&["jobtitle", "position", "role"]) || word(&["title", "job"]) {
        Field::Title
    } else if has(&["zip", "postal", "postcode", "plz"]) {
        Field::PostalCode
    } else if has(&["street", "address", "strasse", "straße"]) {
        Field::Street
    } else if has(&["city", "town", "stadt"]) || word(&["ort"]) {
        Field::City
    } else if has(&["state", "region", "province", "county"]) {
        Field::Region
    } else if has(&["country"]) || word(&["land"]) {
        Field::Country
    } else if has(&["birth", "geburt", "dob"]) {
        Field::Birthday
    } else if has(&["note", "comment", "remark", "notiz", "description"]) {
        Field::Note
    } else if has(&["tag", "categor", "label", "group"]) {
        Field::Categories
    } else if has(&["website", "url", "homepage", "web"]) || word(&["site"]) {
        Field::Url
    } else if has(&["name", "contact", "person"]) {
        Field::DisplayName
    } else {
        Field::Ignore
    }
}

/// Parses a CSV file through a mapping. The delimiter (`,`, `;` or tab) is found from the
/// header line. A mapping that names a column the header does not have fails with
/// [`FormatErrorKind::Mapping`]. Rows are located by CSV row, the header being row 1.
pub fn parse_mapped_csv(
    text: &str,
    mapping: &ColumnMapping,
) -> Result<ParsedContacts, FormatError> {
    ParsedContacts::read_all(crate::reader::ContactReader::mapped_csv(text, mapping)?)
}

/// The columns a mapping reads, by position in the header.
pub(crate) struct MappedColumns {
    targets: Vec<(usize, Field)>,
}

impl MappedColumns {
    pub fn new(headers: &[String], mapping: &ColumnMapping) -> Result<Self, FormatError> {
        let mut targets = Vec::new();
        for target in &mapping.columns {
            if target.field == Field::Ignore {
                continue;
            }
            let index = headers
                .iter()
                .position(|header| header == target.header.trim())
                .ok_or_else(|| {
                    FormatError::at(
                        FormatErrorKind::Mapping,
                        Location::row(1),
                        format!(
                            "the mapping uses the column \"{}\", but the header row has no such column",
                            target.header
                        ),
                    )
                })?;
            targets.push((index, target.field));
        }
        Ok(Self { targets })
    }

    pub fn record(&self, row: &TableRow) -> ContactRecord {
        let mut record = ContactRecord::default();
        let mut address = PostalAddress::default();
        for (index, field) in &self.targets {
            let Some(value) = non_empty(row.cell(Some(*index))) else {
                continue;
            };
            let set_first = |slot: &mut Option<String>| {
                if slot.is_none() {
                    *slot = Some(value.clone());
                }
            };
            match field {
                Field::DisplayName => {
                    if record.display_name.is_empty() {
                        record.display_name = value;
                    }
                }
                Field::GivenName => set_first(&mut record.given_name),
                Field::FamilyName => set_first(&mut record.family_name),
                Field::Organization => set_first(&mut record.organization),
                Field::Title => set_first(&mut record.title),
                Field::Email => record.emails.push(LabeledValue::new(value, None)),
                Field::Phone => record.phones.push(LabeledValue::new(value, None)),
                Field::Street => set_first(&mut address.street),
                Field::City => set_first(&mut address.city),
                Field::Region => set_first(&mut address.region),
                Field::PostalCode => set_first(&mut address.postal_code),
                Field::Country => set_first(&mut address.country),
                Field::Birthday => {
                    if record.birthday.is_none() {
                        record.birthday = normalize_birthday(&value);
                    }
                }
                Field::Note => {
                    record.note = Some(match record.note.take() {
                        Some(earlier) => format!("{earlier}\n{value}"),
                        None => value,
                    });
                }
                Field::Categories => record
                    .categories
                    .extend(value.split([',', ';']).filter_map(non_empty)),
                Field::Url => record.urls.push(value),
                Field::Ignore => {}
            }
        }
        if !address.is_empty() {
            record.addresses.push(address);
        }
        if record.display_name.is_empty() {
            record.display_name = fallback_display_name(&record, None);
        }
        record
    }
}

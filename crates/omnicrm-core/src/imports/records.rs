//! Turns a file into import candidates: contact input plus the note that carries what the
//! contact fields cannot (job title, further addresses, web sites, a birthday without a year).

use std::collections::{HashMap, HashSet};

use base64::Engine;
use std::borrow::Cow;

use omnicrm_interchange::{ContactReader, ContactRecord, Format, FormatError, Location, ReadItem};

use super::{ImportFormat, ImportOptions};
use crate::contacts::{Address, ContactInput, ContactSource, EmailEntry, PhoneEntry};
use crate::error::{Error, Result};
use crate::export::{JsonExport, JSON_EXPORT_FORMAT, JSON_EXPORT_VERSION};
use crate::notes::{NoteInput, NoteSource};

/// Where a record is in its file: `line 12` (vCard), `row 7` (CSV), `contact 3` (an
/// OmniCRM export). Eight bytes, where its text would take forty: the plan keeps one per
/// record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordAt {
    Line(u32),
    Row(u32),
    Contact(u32),
}

impl RecordAt {
    fn from_location(location: &Location) -> Self {
        let number = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        match location {
            Location::Line { line } => Self::Line(number(*line)),
            Location::Row { row } => Self::Row(number(*row)),
        }
    }
}

impl std::fmt::Display for RecordAt {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Line(line) => write!(formatter, "line {line}"),
            Self::Row(row) => write!(formatter, "row {row}"),
            Self::Contact(number) => write!(formatter, "contact {number}"),
        }
    }
}

/// One record of the file, ready to be planned.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub location: RecordAt,
    pub input: ContactInput,
    pub notes: Vec<NoteInput>,
    /// The id the contact had in an OmniCRM export; kept when no contact has it yet.
    pub original_id: Option<String>,
    pub created_at: Option<String>,
}

/// A record that could not be read at all.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub location: String,
    pub message: String,
}

pub(crate) struct Parsed<'a> {
    pub format: ImportFormat,
    pub records: Records<'a>,
    /// Everything else an OmniCRM JSON export holds (tasks, interactions, ...).
    pub rest: Option<JsonExport>,
}

/// The records of a file in file order, each a candidate or the problem with it. A contact
/// file is read as it is planned, one record at a time, so it is never held as records all at
/// once; an OmniCRM export is read whole (its other records come with it).
pub(crate) enum Records<'a> {
    File(Box<ContactReader<'a>>),
    Listed(std::vec::IntoIter<std::result::Result<Candidate, Problem>>),
}

impl Iterator for Records<'_> {
    type Item = Result<std::result::Result<Candidate, Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::File(reader) => Some(match reader.next()? {
                Ok(ReadItem::Record(located)) => Ok(Ok(candidate(
                    RecordAt::from_location(&located.location),
                    located.value,
                ))),
                Ok(ReadItem::Problem(problem)) => Ok(Err(Problem {
                    location: location_text(&problem.location),
                    message: problem.message,
                })),
                Err(error) => Err(format_error(error)),
            }),
            Self::Listed(items) => items.next().map(Ok),
        }
    }
}

/// The file's text: borrowed from its bytes when they are UTF-8, so a large file is not held
/// twice.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>> {
    omnicrm_interchange::decode_text(bytes).map_err(format_error)
}

/// A whole-file failure as a validation error on `file`, naming the line or row.
pub(crate) fn format_error(error: FormatError) -> Error {
    Error::invalid_field("file", error.to_string())
}

fn location_text(location: &Location) -> String {
    location.to_string()
}

/// The format of a file, from its content and name.
pub(crate) fn detect(text: &str, file_name: Option<&str>) -> Result<ImportFormat> {
    if looks_like_json(text, file_name) {
        return Ok(ImportFormat::Json);
    }
    Ok(
        match omnicrm_interchange::detect_format(text, file_name).map_err(format_error)? {
            Format::Vcard => ImportFormat::Vcard,
            Format::GoogleCsv => ImportFormat::GoogleCsv,
            Format::OutlookCsv => ImportFormat::OutlookCsv,
            Format::Csv => ImportFormat::Csv,
        },
    )
}

pub(crate) fn read<'a>(text: &'a str, options: &ImportOptions) -> Result<Parsed<'a>> {
    let format = match options.format {
        Some(format) => format,
        None => detect(text, options.file_name.as_deref())?,
    };
    let reader = match format {
        ImportFormat::Json => return read_json(text),
        ImportFormat::Vcard => ContactReader::vcard(text),
        ImportFormat::GoogleCsv => ContactReader::google_csv(text),
        ImportFormat::OutlookCsv => ContactReader::outlook_csv(text),
        ImportFormat::Csv => {
            let mapping = options.mapping.as_ref().ok_or_else(|| {
                Error::invalid_field(
                    "mapping",
                    "is required for this CSV file: say which column holds what",
                )
            })?;
            ContactReader::mapped_csv(text, mapping)
        }
    }
    .map_err(format_error)?;
    Ok(Parsed {
        format,
        records: Records::File(Box::new(reader)),
        rest: None,
    })
}

fn looks_like_json(text: &str, file_name: Option<&str>) -> bool {
    file_name.is_some_and(|name| name.to_ascii_lowercase().ends_with(".json"))
        || text.trim_start().starts_with('{')
}

fn read_json<'a>(text: &str) -> Result<Parsed<'a>> {
    let mut export: JsonExport = serde_json::from_str(text).map_err(|error| {
        Error::invalid_field(
            "file",
            format!(
                "line {}: this is not an OmniCRM JSON export ({error})",
                error.line()
            ),
        )
    })?;
    if export.format != JSON_EXPORT_FORMAT {
        return Err(Error::invalid_field(
            "file",
            format!(
                "is a '{}' file, not an OmniCRM export ('{JSON_EXPORT_FORMAT}')",
                export.format
            ),
        ));
    }
    if export.version > JSON_EXPORT_VERSION {
        return Err(Error::invalid_field(
            "version",
            format!(
                "is {}: the file was made by a newer OmniCRM (this one reads exports up to \
                 version {JSON_EXPORT_VERSION}); update OmniCRM to import it",
                export.version
            ),
        ));
    }
    let mut problems = Vec::new();
    let contacts = std::mem::take(&mut export.contacts);
    let mut first_of_id: HashMap<String, usize> = HashMap::new();
    let mut candidates = Vec::with_capacity(contacts.len());
    for (index, contact) in contacts.into_iter().enumerate() {
        let location = RecordAt::Contact(u32::try_from(index + 1).unwrap_or(u32::MAX));
        if let Some(message) = json_contact_problem(&contact, index, &mut first_of_id) {
            problems.push(Problem {
                location: location.to_string(),
                message,
            });
            continue;
        }
        if contact.deleted_at.is_some() {
            continue;
        }
        candidates.push(Candidate {
            location,
            // Notes keep their ids: they are imported with the rest of the export.
            notes: Vec::new(),
            original_id: Some(contact.id.clone()),
            // Checked above; stored in UTC like every time OmniCRM writes.
            created_at: crate::time::parse_utc(&contact.created_at).map(crate::time::format_utc),
            input: crate::contacts::input_of(contact),
        });
    }
    let importable: HashSet<&str> = candidates
        .iter()
        .filter_map(|candidate| candidate.original_id.as_deref())
        .collect();
    let mut note_ids = HashSet::new();
    let mut notes = Vec::with_capacity(export.notes.len());
    for (index, note) in std::mem::take(&mut export.notes).into_iter().enumerate() {
        let problem = if note.id.trim().is_empty() {
            Some("id is empty".to_owned())
        } else if !note_ids.insert(note.id.clone()) {
            Some(format!("id {} appears more than once in the file", note.id))
        } else if crate::time::parse_utc(&note.created_at).is_none() {
            Some(format!(
                "created_at is not a date and time (like 2026-05-01T09:30:00Z): {:?}",
                note.created_at
            ))
        } else if !importable.contains(note.contact_id.as_str()) {
            Some(format!(
                "its contact {} is not among the file's contacts, so the note cannot be imported",
                note.contact_id
            ))
        } else {
            None
        };
        match problem {
            Some(message) => problems.push(Problem {
                location: format!("note {}", index + 1),
                message,
            }),
            None => notes.push(note),
        }
    }
    export.notes = notes;
    let items: Vec<std::result::Result<Candidate, Problem>> = problems
        .into_iter()
        .map(Err)
        .chain(candidates.into_iter().map(Ok))
        .collect();
    Ok(Parsed {
        format: ImportFormat::Json,
        records: Records::Listed(items.into_iter()),
        rest: Some(export),
    })
}

/// What is wrong with contact `index` of a JSON export, if anything: an empty or repeated id,
/// or a time that is not one.
fn json_contact_problem(
    contact: &crate::contacts::Contact,
    index: usize,
    first_of_id: &mut HashMap<String, usize>,
) -> Option<String> {
    if contact.id.trim().is_empty() {
        return Some("id is empty".to_owned());
    }
    if let Some(first) = first_of_id.get(&contact.id) {
        return Some(format!(
            "id {} is also the id of contact {}; ids must be unique",
            contact.id,
            first + 1
        ));
    }
    first_of_id.insert(contact.id.clone(), index);
    let times = [
        ("created_at", Some(&contact.created_at)),
        ("updated_at", Some(&contact.updated_at)),
        ("deleted_at", contact.deleted_at.as_ref()),
    ];
    times.into_iter().find_map(|(field, value)| {
        let value = value?;
        crate::time::parse_utc(value).is_none().then(|| {
            format!("{field} is not a date and time (like 2026-05-01T09:30:00Z): {value:?}")
        })
    })
}

fn candidate(location: RecordAt, record: ContactRecord) -> Candidate {
    let mut extra = Vec::new();
    if let Some(title) = &record.title {
        extra.push(format!("Title: {title}"));
    }
    let date_of_birth = match record.birthday.as_deref() {
        Some(day) if crate::time::parse_date(day).is_some() => Some(day.to_owned()),
        Some(day) => {
            extra.push(format!("Birthday: {}", day.trim_start_matches('-')));
            None
        }
        None => None,
    };
    let mut addresses = record.addresses.into_iter();
    let address = addresses.next().map(|address| Address {
        street: address.street,
        city: address.city,
        region: address.region,
        postal_code: address.postal_code,
        country: address.country,
    });
    for other in addresses {
        let parts: Vec<String> = [
            other.street,
            other.city,
            other.region,
            other.postal_code,
            other.country,
        ]
        .into_iter()
        .flatten()
        .collect();
        let label = other.label.unwrap_or_else(|| "other".to_owned());
        extra.push(format!("Address ({label}): {}", parts.join(", ")));
    }
    for url in &record.urls {
        extra.push(format!("Web: {url}"));
    }
    let photo = record.photo.and_then(|photo| {
        if photo.data.len() > crate::contacts::MAX_PHOTO_BYTES {
            extra.push("Photo: left out (larger than 1 MB)".to_owned());
            return None;
        }
        Some(format!(
            "data:{};base64,{}",
            photo.media_type,
            base64::engine::general_purpose::STANDARD.encode(&photo.data)
        ))
    });
    let emails = primary_first(record.emails.into_iter().map(|email| {
        (
            EmailEntry {
                address: email.value,
                label: email.label,
                is_primary: false,
            },
            email.preferred,
        )
    }));
    let phones = primary_first(record.phones.into_iter().map(|phone| {
        (
            PhoneEntry {
                number: phone.value,
                label: phone.label,
                is_primary: false,
            },
            phone.preferred,
        )
    }));
    let mut notes = Vec::new();
    let mut note_text = record.note.unwrap_or_default();
    if !extra.is_empty() {
        if !note_text.is_empty() {
            note_text.push_str("\n\n");
        }
        note_text.push_str(&extra.join("\n"));
    }
    if !note_text.trim().is_empty() {
        notes.push(NoteInput {
            body: Some(note_text),
            body_html: None,
            source_type: Some(NoteSource::Upload),
            is_private: false,
        });
    }
    Candidate {
        location,
        input: ContactInput {
            display_name: record.display_name,
            organization: record.organization,
            emails,
            phones,
            address,
            date_of_birth,
            photo,
            source: Some(ContactSource::Upload),
            tags: record.categories,
            ..ContactInput::default()
        },
        notes,
        original_id: None,
        created_at: None,
    }
}

/// Entries with the preferred one first and marked primary.
fn primary_first<T: HasPrimary>(entries: impl Iterator<Item = (T, bool)>) -> Vec<T> {
    let mut entries: Vec<(T, bool)> = entries.collect();
    if let Some(position) = entries.iter().position(|(_, preferred)| *preferred) {
        let preferred = entries.remove(position);
        entries.insert(0, preferred);
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(index, (mut entry, _))| {
            entry.set_primary(index == 0);
            entry
        })
        .collect()
}

trait HasPrimary {
    fn set_primary(&mut self, primary: bool);
}

impl HasPrimary for EmailEntry {
    fn set_primary(&mut self, primary: bool) {
        self.is_primary = primary;
    }
}

impl HasPrimary for PhoneEntry {
    fn set_primary(&mut self, primary: bool) {
        self.is_primary = primary;
    }
}

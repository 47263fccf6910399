//! Notes about a contact. Each note is stored twice: as sanitized rich text (HTML from the editor)
//! and as plain text for search. A detector flags notes holding personal data, and a private
//! note never leaves this device when sync arrives.

use std::sync::LazyLock;

use regex::Regex;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::{ChangeReceipt, Operation};
use crate::error::{Error, Result};
use crate::pii::{self, PiiKind};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "note";
pub const MAX_NOTE_CHARS: usize = 100_000;

/// Where a note came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum NoteSource {
    #[default]
    Typed,
    Voice,
    Upload,
}

impl NoteSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Typed => "typed",
            Self::Voice => "voice",
            Self::Upload => "upload",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "voice" => Self::Voice,
            "upload" => Self::Upload,
            _ => Self::Typed,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    /// Plain text, for search and for places that cannot show rich text.
    pub body: String,
    /// Sanitized HTML from the editor; `None` for notes written as plain text.
    #[serde(default)]
    pub body_html: Option<String>,
    #[serde(default)]
    pub source_type: NoteSource,
    /// The kinds of personal data found in the note; empty when none was found.
    #[serde(default)]
    pub pii_kinds: Vec<PiiKind>,
    /// Private notes stay on this device.
    #[serde(default)]
    pub is_private: bool,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// What a caller sends to write a note: rich text, plain text, or both (rich text wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NoteInput {
    pub body: Option<String>,
    pub body_html: Option<String>,
    pub source_type: Option<NoteSource>,
    pub is_private: bool,
}

impl NoteInput {
    pub fn plain(body: &str) -> Self {
        Self {
            body: Some(body.to_owned()),
            ..Self::default()
        }
    }
}

impl Record for Note {
    const ENTITY: &'static str = ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!("SELECT {NOTE_COLUMNS} FROM notes WHERE id = ?1"))?
            .query_row([id], note_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO notes (id, contact_id, body, body_html, source_type, pii_kinds_json,
                                    is_private, created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET
                     contact_id = excluded.contact_id, body = excluded.body,
                     body_html = excluded.body_html, source_type = excluded.source_type,
                     pii_kinds_json = excluded.pii_kinds_json, is_private = excluded.is_private,
                     created_at = excluded.created_at, updated_at = excluded.updated_at,
                     deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.contact_id,
                self.body,
                self.body_html,
                self.source_type.as_str(),
                serde_json::to_string(&self.pii_kinds)?,
                self.is_private,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const NOTE_COLUMNS: &str = "id, contact_id, body, body_html, source_type, pii_kinds_json, \
                            is_private, created_at, updated_at, deleted_at";

#[derive(Debug, Clone)]
pub struct NoteService {
    database: Database,
}

impl NoteService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn create(&self, contact_id: &str, input: NoteInput) -> Result<Note> {
        self.database
            .write(|transaction| insert(transaction, contact_id, input, None, None))
    }

    pub fn update(&self, id: &str, input: NoteInput) -> Result<Note> {
        self.database.write(|transaction| {
            let before = Note::load_live(transaction, id)?;
            let content = NoteContent::from_input(input)?;
            let after = Note {
                body: content.body,
                body_html: content.body_html,
                pii_kinds: content.pii_kinds,
                source_type: content.source_type.unwrap_or(before.source_type),
                is_private: content.is_private,
                ..before.clone()
            };
            records::update(transaction, &before, after, None)
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Note>(transaction, id, None))
    }

    /// A live note (the assistant's citations link to its contact through it).
    pub fn get(&self, id: &str) -> Result<Note> {
        self.database
            .read(|connection| Note::load_live(connection, id))
    }

    /// Live notes of a live contact, newest first.
    pub fn list_for_contact(&self, contact_id: &str) -> Result<Vec<Note>> {
        self.database.read(|connection| {
            crate::contacts::ensure_live(connection, contact_id)?;
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {NOTE_COLUMNS} FROM notes
                 WHERE contact_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC"
            ))?;
            let notes = statement
                .query_map([contact_id], note_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(notes)
        })
    }
}

/// Whether a note is short enough to be written: an import checks every note of a file while
/// planning, so one over-long note makes its record invalid (named, and skipped with "import
/// only the valid records") instead of failing the whole file as it is written.
pub(crate) fn check_length(input: &NoteInput) -> Result<()> {
    let html_chars = input
        .body_html
        .as_deref()
        .map_or(0, |html| html.chars().count());
    let body_chars = input
        .body
        .as_deref()
        .map_or(0, |body| body.trim().chars().count());
    if html_chars > MAX_NOTE_CHARS * 4 || body_chars > MAX_NOTE_CHARS {
        return Err(Error::invalid_field(
            "note",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The validated text of a note.
struct NoteContent {
    body: String,
    body_html: Option<String>,
    pii_kinds: Vec<PiiKind>,
    source_type: Option<NoteSource>,
    is_private: bool,
}

impl NoteContent {
    fn from_input(input: NoteInput) -> Result<Self> {
        let (body, body_html) = match input.body_html.filter(|html| !html.trim().is_empty()) {
            Some(html) => {
                if html.chars().count() > MAX_NOTE_CHARS * 4 {
                    return Err(Error::invalid_field(
                        "body_html",
                        format!("is longer than {} characters", MAX_NOTE_CHARS * 4),
                    ));
                }
                let clean = sanitize_html(&html);
                (html_to_text(&clean), Some(clean))
            }
            None => (input.body.unwrap_or_default(), None),
        };
        let body = body.trim().to_owned();
        if body.is_empty() {
            return Err(Error::invalid_field("body", "is required"));
        }
        if body.chars().count() > MAX_NOTE_CHARS {
            return Err(Error::invalid_field(
                "body",
                format!("is longer than {MAX_NOTE_CHARS} characters"),
            ));
        }
        Ok(Self {
            pii_kinds: pii::detect(&body),
            body,
            body_html,
            source_type: input.source_type,
            is_private: input.is_private,
        })
    }
}

/// Inserts a note inside a caller's transaction (demo data, imports, merges).
pub(crate) fn insert(
    connection: &Connection,
    contact_id: &str,
    input: NoteInput,
    created_at: Option<&str>,
    batch_id: Option<&str>,
) -> Result<Note> {
    let content = NoteContent::from_input(input)?;
    crate::contacts::ensure_live(connection, contact_id)?;
    let now = now_utc();
    let created_at = created_at.map_or_else(|| now.clone(), str::to_owned);
    let note = Note {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        body: content.body,
        body_html: content.body_html,
        source_type: content.source_type.unwrap_or_default(),
        pii_kinds: content.pii_kinds,
        is_private: content.is_private,
        updated_at: created_at.clone().max(now),
        created_at,
        deleted_at: None,
    };
    records::create(connection, &note, batch_id)?;
    Ok(note)
}

/// Makes note `id` match a record from the team's server, recording the change under
/// `batch_id` (see `remote_changes`). The contact must exist here (in any state).
pub(crate) fn apply_remote(
    connection: &Connection,
    id: &str,
    contact_id: &str,
    input: NoteInput,
    deleted: bool,
    batch_id: &str,
) -> Result<crate::remote_changes::RemoteApplied> {
    use crate::remote_changes::{differs, RemoteApplied};
    let content = NoteContent::from_input(input)?;
    let before = match Note::load(connection, id) {
        Ok(before) => before,
        Err(error) if error.code == crate::error::ErrorCode::NotFound => {
            if deleted {
                return Ok(RemoteApplied::Unchanged);
            }
            crate::contacts::require_stored(connection, contact_id)?;
            let now = now_utc();
            let note = Note {
                id: id.to_owned(),
                contact_id: contact_id.to_owned(),
                body: content.body,
                body_html: content.body_html,
                source_type: content.source_type.unwrap_or_default(),
                pii_kinds: content.pii_kinds,
                is_private: false,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(connection, &note, Some(batch_id))?;
            return Ok(RemoteApplied::Created);
        }
        Err(error) => return Err(error),
    };
    let now = records::later_than(&before.updated_at);
    let after = Note {
        contact_id: contact_id.to_owned(),
        body: content.body,
        body_html: content.body_html,
        pii_kinds: content.pii_kinds,
        source_type: content.source_type.unwrap_or(before.source_type),
        updated_at: now.clone(),
        deleted_at: match (deleted, &before.deleted_at) {
            (true, Some(at)) => Some(at.clone()),
            (true, None) => Some(now),
            (false, _) => None,
        },
        ..before.clone()
    };
    let was_deleted = before.deleted_at.is_some();
    if was_deleted == deleted && !differs(&before, &after)? {
        return Ok(RemoteApplied::Unchanged);
    }
    after.save(connection)?;
    let (operation, applied) = match (was_deleted, deleted) {
        (false, true) => (Operation::Delete, RemoteApplied::Deleted),
        (true, false) => (Operation::Restore, RemoteApplied::Restored),
        _ => (Operation::Update, RemoteApplied::Updated),
    };
    let mut change = crate::changes::NewChange::new(ENTITY, id, operation)
        .before(&before)?
        .after(&after)?;
    change.batch_id = Some(batch_id.to_owned());
    crate::changes::record(connection, &change)?;
    Ok(applied)
}

/// The live notes of a contact (used when merging contacts).
pub(crate) fn ids_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT id FROM notes WHERE contact_id = ?1 AND deleted_at IS NULL ORDER BY created_at",
    )?;
    let ids = statement
        .query_map([contact_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

fn note_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let source: String = row.get(4)?;
    let pii_json: String = row.get(5)?;
    Ok(Note {
        id: row.get(0)?,
        contact_id: row.get(1)?,
        body: row.get(2)?,
        body_html: row.get(3)?,
        source_type: NoteSource::parse(&source),
        pii_kinds: serde_json::from_str(&pii_json).unwrap_or_default(),
        is_private: row.get(6)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
        deleted_at: row.get(9)?,
    })
}

/// Keeps the formatting an editor produces (paragraphs, emphasis, lists, headings, quotes,
/// code, links) and drops everything else, including scripts, styles and event handlers.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .tags(
            [
                "p",
                "br",
                "strong",
                "b",
                "em",
                "i",
                "u",
                "s",
                "ul",
                "ol",
                "li",
                "h1",
                "h2",
                "h3",
                "blockquote",
                "code",
                "pre",
                "a",
                "hr",
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
}

static BLOCK_END: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)</(?:p|li|h[1-6]|blockquote|pre|div)\s*>|<br\s*/?>|<hr\s*/?>").ok()
});

/// The text of sanitized HTML, one line per block.
pub fn html_to_text(html: &str) -> String {
    let with_breaks = match BLOCK_END.as_ref() {
        Some(regex) => regex.replace_all(html, "\n").into_owned(),
        None => html.to_owned(),
    };
    let stripped = ammonia::Builder::empty().clean(&with_breaks).to_string();
    let text = html_escape::decode_html_entities(&stripped);
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_formatting_and_drops_scripts() {
        let clean = sanitize_html(
            r#"<p onclick="x()">Hi <strong>there</strong><script>alert(1)</script></p><a href="javascript:x">bad</a>"#,
        );
        assert_eq!(
            clean,
            "<p>Hi <strong>there</strong></p><a rel=\"noopener noreferrer\">bad</a>"
        );
    }

    #[test]
    fn html_to_text_keeps_one_line_per_block() {
        assert_eq!(
            html_to_text("<p>Back &amp; neck</p><ul><li>stretch</li><li>rest</li></ul>"),
            "Back & neck\nstretch\nrest"
        );
    }
}

//! Interactions: emails, calls, meetings, notes, web visits and calendar events with one or more
//! contacts. Logged by hand or brought in by integrations, which give each a `(source,
//! source_id)` pair that is unique, so fetching the same message twice stores it once.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::ChangeReceipt;
use crate::error::{Error, Result};
use crate::records::{self, trimmed, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "interaction";
pub const MAX_SUBJECT_CHARS: usize = 500;
pub const MAX_BODY_CHARS: usize = 1_000_000;
/// The source of interactions the user logs by hand.
pub const MANUAL_SOURCE: &str = "manual";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Email,
    Call,
    Meeting,
    Note,
    Web,
    CalendarEvent,
}

impl InteractionKind {
    pub const ALL: [InteractionKind; 6] = [
        Self::Email,
        Self::Call,
        Self::Meeting,
        Self::Note,
        Self::Web,
        Self::CalendarEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Call => "call",
            Self::Meeting => "meeting",
            Self::Note => "note",
            Self::Web => "web",
            Self::CalendarEvent => "calendar_event",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Interaction {
    pub id: String,
    pub kind: InteractionKind,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// UTC RFC 3339.
    pub occurred_at: String,
    pub duration_minutes: Option<u32>,
    /// `manual`, `gmail`, `google_calendar`, `import`, ...
    pub source: String,
    pub source_id: Option<String>,
    /// Whatever the source knows beyond the common fields (thread id, direction, attendees...).
    pub source_metadata: serde_json::Value,
    /// The contacts who took part.
    pub contact_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InteractionInput {
    pub kind: Option<InteractionKind>,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// UTC RFC 3339 (`2026-11-22T10:30:00Z`); now when absent.
    pub occurred_at: Option<String>,
    pub duration_minutes: Option<u32>,
    pub contact_ids: Vec<String>,
    /// Absent for interactions logged by hand.
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub source_metadata: serde_json::Value,
}

impl Record for Interaction {
    const ENTITY: &'static str = ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        let interaction = connection
            .prepare_cached(&format!(
                "SELECT {INTERACTION_COLUMNS} FROM interactions WHERE id = ?1"
            ))?
            .query_row([id], interaction_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))?;
        with_contacts(connection, interaction)
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO interactions (id, kind, subject, body, occurred_at, duration_minutes,
                     source, source_id, source_metadata_json, created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (id) DO UPDATE SET
                     kind = excluded.kind, subject = excluded.subject, body = excluded.body,
                     occurred_at = excluded.occurred_at,
                     duration_minutes = excluded.duration_minutes, source = excluded.source,
                     source_id = excluded.source_id,
                     source_metadata_json = excluded.source_metadata_json,
                     created_at = excluded.created_at, updated_at = excluded.updated_at,
                     deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.kind.as_str(),
                self.subject,
                self.body,
                self.occurred_at,
                self.duration_minutes,
                self.source,
                self.source_id,
                serde_json::to_string(&self.source_metadata)?,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        connection
            .prepare_cached("DELETE FROM interaction_contacts WHERE interaction_id = ?1")?
            .execute([&self.id])?;
        let mut link = connection.prepare_cached(
            "INSERT OR IGNORE INTO interaction_contacts (interaction_id, contact_id, occurred_at)
             VALUES (?1, ?2, ?3)",
        )?;
        for contact_id in &self.contact_ids {
            link.execute(params![self.id, contact_id, self.occurred_at])?;
        }
        Ok(())
    }
}

const INTERACTION_COLUMNS: &str =
    "id, kind, subject, body, occurred_at, duration_minutes, source, \
     source_id, source_metadata_json, created_at, updated_at, deleted_at";

fn interaction_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Interaction> {
    let kind: String = row.get(1)?;
    let metadata: String = row.get(8)?;
    Ok(Interaction {
        id: row.get(0)?,
        kind: InteractionKind::parse(&kind).unwrap_or(InteractionKind::Note),
        subject: row.get(2)?,
        body: row.get(3)?,
        occurred_at: row.get(4)?,
        duration_minutes: row.get(5)?,
        source: row.get(6)?,
        source_id: row.get(7)?,
        source_metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
        contact_ids: Vec::new(),
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
        deleted_at: row.get(11)?,
    })
}

fn with_contacts(connection: &Connection, mut interaction: Interaction) -> Result<Interaction> {
    let mut statement = connection.prepare_cached(
        "SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?1 ORDER BY contact_id",
    )?;
    interaction.contact_ids = statement
        .query_map([&interaction.id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(interaction)
}

#[derive(Debug, Clone)]
pub struct InteractionService {
    database: Database,
}

impl InteractionService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Logs an interaction. With a `(source, source_id)` already stored, returns the stored one
    /// unchanged instead of making a copy.
    pub fn create(&self, input: InteractionInput) -> Result<Interaction> {
        self.database
            .write(|transaction| insert(transaction, input, None))
    }

    pub fn update(&self, id: &str, input: InteractionInput) -> Result<Interaction> {
        self.database.write(|transaction| {
            let before = Interaction::load_live(transaction, id)?;
            let valid = validate(transaction, input)?;
            let after = Interaction {
                kind: valid.kind,
                subject: valid.subject,
                body: valid.body,
                occurred_at: valid.occurred_at,
                duration_minutes: valid.duration_minutes,
                contact_ids: valid.contact_ids,
                source_metadata: valid.source_metadata,
                ..before.clone()
            };
            records::update(transaction, &before, after, None)
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Interaction>(transaction, id, None))
    }

    pub fn get(&self, id: &str) -> Result<Interaction> {
        self.database
            .read(|connection| Interaction::load_live(connection, id))
    }

    /// The interaction stored for a source message or event, if any, live or tombstoned
    /// (`deleted_at` says which).
    pub fn find_by_source(&self, source: &str, source_id: &str) -> Result<Option<Interaction>> {
        self.database
            .read(|connection| find_by_source(connection, source, source_id))
    }
}

/// Inserts an interaction inside a caller's transaction (imports, integrations); an existing
/// `(source, source_id)` is returned as it is.
pub(crate) fn insert(
    connection: &Connection,
    input: InteractionInput,
    batch_id: Option<&str>,
) -> Result<Interaction> {
    let valid = validate(connection, input)?;
    if let Some(source_id) = &valid.source_id {
        if let Some(existing) = find_by_source(connection, &valid.source, source_id)? {
            return Ok(existing);
        }
    }
    create_valid(connection, valid, batch_id)
}

/// Interaction `id` as a remote record describes it (validated like one logged here, so its
/// source is `manual`), keeping the local interaction's creation time.
pub(crate) fn remote_interaction(
    connection: &Connection,
    id: &str,
    input: InteractionInput,
    before: Option<&Interaction>,
) -> Result<Interaction> {
    let mut valid = validate(
        connection,
        InteractionInput {
            source: None,
            source_id: None,
            ..input
        },
    )?;
    valid.contact_ids.sort();
    Ok(from_valid(id, valid, before))
}

/// Interaction `id` from validated values, created now unless `before` says when.
fn from_valid(id: &str, valid: ValidInteraction, before: Option<&Interaction>) -> Interaction {
    let now = now_utc();
    Interaction {
        id: id.to_owned(),
        kind: valid.kind,
        subject: valid.subject,
        body: valid.body,
        occurred_at: valid.occurred_at,
        duration_minutes: valid.duration_minutes,
        source: valid.source,
        source_id: valid.source_id,
        source_metadata: valid.source_metadata,
        contact_ids: valid.contact_ids,
        created_at: before
            .map_or_else(|| now.clone(), |interaction| interaction.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    }
}

/// Stores a validated interaction as a new record under `batch_id`.
fn create_valid(
    connection: &Connection,
    valid: ValidInteraction,
    batch_id: Option<&str>,
) -> Result<Interaction> {
    let interaction = from_valid(&new_id(), valid, None);
    records::create(connection, &interaction, batch_id)?;
    Ok(interaction)
}

/// Inserts an interaction for an integration; an existing live `(source, source_id)` is
/// returned as it is, and one an undone sync tombstoned comes back with the new content (a
/// `restore` change in `batch_id`), because the unique index keeps tombstones too.
pub(crate) fn insert_or_revive(
    connection: &Connection,
    input: InteractionInput,
    batch_id: Option<&str>,
) -> Result<Interaction> {
    let valid = validate(connection, input)?;
    let existing = match &valid.source_id {
        Some(source_id) => find_by_source(connection, &valid.source, source_id)?,
        None => None,
    };
    let Some(before) = existing else {
        return create_valid(connection, valid, batch_id);
    };
    if before.deleted_at.is_none() {
        return Ok(before);
    }
    let revived = Interaction {
        kind: valid.kind,
        subject: valid.subject,
        body: valid.body,
        occurred_at: valid.occurred_at,
        duration_minutes: valid.duration_minutes,
        source_metadata: valid.source_metadata,
        contact_ids: valid.contact_ids,
        updated_at: records::later_than(&before.updated_at),
        deleted_at: None,
        ..before.clone()
    };
    revived.save(connection)?;
    let mut change =
        crate::changes::NewChange::new(ENTITY, &revived.id, crate::changes::Operation::Restore)
            .before(&before)?
            .after(&revived)?;
    change.batch_id = batch_id.map(str::to_owned);
    crate::changes::record(connection, &change)?;
    Ok(revived)
}

/// The interaction stored for a source message or event, live or tombstoned.
pub(crate) fn find_by_source(
    connection: &Connection,
    source: &str,
    source_id: &str,
) -> Result<Option<Interaction>> {
    let found = connection
        .prepare_cached(&format!(
            "SELECT {INTERACTION_COLUMNS} FROM interactions WHERE source = ?1 AND source_id = ?2"
        ))?
        .query_row([source, source_id], interaction_from_row)
        .optional()?;
    found
        .map(|found| with_contacts(connection, found))
        .transpose()
}

/// The live interactions a contact took part in (used when merging contacts).
pub(crate) fn ids_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT ic.interaction_id FROM interaction_contacts ic
         JOIN interactions i ON i.id = ic.interaction_id
         WHERE ic.contact_id = ?1 AND i.deleted_at IS NULL",
    )?;
    let ids = statement
        .query_map([contact_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

struct ValidInteraction {
    kind: InteractionKind,
    subject: Option<String>,
    body: Option<String>,
    occurred_at: String,
    duration_minutes: Option<u32>,
    source: String,
    source_id: Option<String>,
    source_metadata: serde_json::Value,
    contact_ids: Vec<String>,
}

fn validate(connection: &Connection, input: InteractionInput) -> Result<ValidInteraction> {
    let mut errors = Vec::new();
    let kind = input.kind.unwrap_or(InteractionKind::Note);
    let subject = trimmed(input.subject);
    let body = trimmed(input.body);
    if subject
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUBJECT_CHARS)
    {
        errors.push(crate::FieldError::new(
            "subject",
            format!("is longer than {MAX_SUBJECT_CHARS} characters"),
        ));
    }
    if body
        .as_ref()
        .is_some_and(|b| b.chars().count() > MAX_BODY_CHARS)
    {
        errors.push(crate::FieldError::new(
            "body",
            format!("is longer than {MAX_BODY_CHARS} characters"),
        ));
    }
    if subject.is_none() && body.is_none() {
        errors.push(crate::FieldError::new(
            "subject",
            "is required when there is no body",
        ));
    }
    let occurred_at = match input.occurred_at {
        None => now_utc(),
        Some(text) => match crate::time::parse_utc(&text) {
            Some(instant) => crate::time::format_utc(instant),
            None => {
                errors.push(crate::FieldError::new(
                    "occurred_at",
                    "must be a date and time like 2026-11-22T10:30:00Z",
                ));
                String::new()
            }
        },
    };
    if input
        .duration_minutes
        .is_some_and(|minutes| minutes > 24 * 60)
    {
        errors.push(crate::FieldError::new(
            "duration_minutes",
            "must be at most 1440 (one day)",
        ));
    }
    let mut contact_ids = Vec::new();
    for (index, contact_id) in input.contact_ids.into_iter().enumerate() {
        if crate::contacts::ensure_live(connection, &contact_id).is_err() {
            errors.push(crate::FieldError::new(
                format!("contact_ids[{index}]"),
                "is not a contact",
            ));
        } else if !contact_ids.contains(&contact_id) {
            contact_ids.push(contact_id);
        }
    }
    if contact_ids.is_empty() && errors.is_empty() {
        errors.push(crate::FieldError::new(
            "contact_ids",
            "must name at least one contact",
        ));
    }
    let source = trimmed(input.source).unwrap_or_else(|| MANUAL_SOURCE.to_owned());
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    Ok(ValidInteraction {
        kind,
        subject,
        body,
        occurred_at,
        duration_minutes: input.duration_minutes,
        source,
        source_id: trimmed(input.source_id),
        source_metadata: input.source_metadata,
        contact_ids,
    })
}

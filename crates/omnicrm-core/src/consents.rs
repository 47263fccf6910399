//! Consents a client gives or withdraws: data processing, marketing, HIPAA and photography.
//! Every grant or revocation is kept with its time; the newest of a kind is the current state.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::ChangeReceipt;
use crate::contacts;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "consent";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    DataProcessing,
    Marketing,
    Hipaa,
    Photography,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 4] = [
        Self::DataProcessing,
        Self::Marketing,
        Self::Hipaa,
        Self::Photography,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DataProcessing => "data_processing",
            Self::Marketing => "marketing",
            Self::Hipaa => "hipaa",
            Self::Photography => "photography",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// One grant or revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Consent {
    pub id: String,
    pub contact_id: String,
    pub kind: ConsentKind,
    pub granted: bool,
    /// When the client gave or withdrew it (UTC RFC 3339).
    pub recorded_at: String,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// The current state of one kind of consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentState {
    pub kind: ConsentKind,
    /// `None` when the client was never asked.
    pub granted: Option<bool>,
    pub recorded_at: Option<String>,
}

/// A contact's consents: the current state of each kind and the full history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactConsents {
    pub current: Vec<ConsentState>,
    pub history: Vec<Consent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentInput {
    pub kind: ConsentKind,
    pub granted: bool,
    /// Now when absent.
    pub recorded_at: Option<String>,
    pub note: Option<String>,
}

impl Record for Consent {
    const ENTITY: &'static str = ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!(
                "SELECT {CONSENT_COLUMNS} FROM consents WHERE id = ?1"
            ))?
            .query_row([id], consent_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO consents (id, contact_id, kind, granted, recorded_at, note,
                                       created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET
                     contact_id = excluded.contact_id, kind = excluded.kind,
                     granted = excluded.granted, recorded_at = excluded.recorded_at,
                     note = excluded.note, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.contact_id,
                self.kind.as_str(),
                self.granted,
                self.recorded_at,
                self.note,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const CONSENT_COLUMNS: &str =
    "id, contact_id, kind, granted, recorded_at, note, created_at, updated_at, deleted_at";

fn consent_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Consent> {
    let kind: String = row.get(2)?;
    Ok(Consent {
        id: row.get(0)?,
        contact_id: row.get(1)?,
        kind: ConsentKind::parse(&kind).unwrap_or(ConsentKind::DataProcessing),
        granted: row.get(3)?,
        recorded_at: row.get(4)?,
        note: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        deleted_at: row.get(8)?,
    })
}

/// A consent entry `id` of live contact `contact_id`, validated; created now unless `before`
/// (the entry it replaces, for a remote record) says when.
pub(crate) fn build(
    connection: &Connection,
    id: &str,
    contact_id: &str,
    input: ConsentInput,
    before: Option<&Consent>,
) -> Result<Consent> {
    contacts::ensure_live(connection, contact_id)?;
    let recorded_at = match input.recorded_at {
        None => now_utc(),
        Some(text) => crate::time::parse_utc(&text)
            .map(crate::time::format_utc)
            .ok_or_else(|| {
                Error::invalid_field(
                    "recorded_at",
                    "must be a date and time like 2026-11-22T10:30:00Z",
                )
            })?,
    };
    let note = input
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    if note
        .as_ref()
        .is_some_and(|note| note.chars().count() > 2000)
    {
        return Err(Error::invalid_field(
            "note",
            "is longer than 2000 characters",
        ));
    }
    let now = now_utc();
    Ok(Consent {
        id: id.to_owned(),
        contact_id: contact_id.to_owned(),
        kind: input.kind,
        granted: input.granted,
        recorded_at,
        note,
        created_at: before.map_or_else(|| now.clone(), |consent| consent.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

#[derive(Debug, Clone)]
pub struct ConsentService {
    database: Database,
}

impl ConsentService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// A live consent entry.
    pub fn get(&self, id: &str) -> Result<Consent> {
        self.database
            .read(|connection| Consent::load_live(connection, id))
    }

    /// Records a grant or revocation.
    pub fn record(&self, contact_id: &str, input: ConsentInput) -> Result<Consent> {
        self.database.write(|transaction| {
            let consent = build(transaction, &new_id(), contact_id, input, None)?;
            records::create(transaction, &consent, None)?;
            Ok(consent)
        })
    }

    /// Removes an entry recorded by mistake.
    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Consent>(transaction, id, None))
    }

    pub fn list_for_contact(&self, contact_id: &str) -> Result<ContactConsents> {
        self.database.read(|connection| {
            contacts::ensure_live(connection, contact_id)?;
            let history = live_for_contact(connection, contact_id)?;
            let current = ConsentKind::ALL
                .into_iter()
                .map(|kind| {
                    let newest = history.iter().find(|consent| consent.kind == kind);
                    ConsentState {
                        kind,
                        granted: newest.map(|consent| consent.granted),
                        recorded_at: newest.map(|consent| consent.recorded_at.clone()),
                    }
                })
                .collect();
            Ok(ContactConsents { current, history })
        })
    }
}

/// Live consent entries of a contact, newest first.
pub(crate) fn live_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<Consent>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {CONSENT_COLUMNS} FROM consents WHERE contact_id = ?1 AND deleted_at IS NULL
         ORDER BY recorded_at DESC, id DESC"
    ))?;
    let consents = statement
        .query_map([contact_id], consent_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(consents)
}

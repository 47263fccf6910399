//! Notes about a contact, in plain text. (Rich text, PII flags and privacy come with the notes
//! feature; this is the storage the demo data and the contact page already use.)

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::{self, NewChange, Operation};
use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "note";
pub const MAX_NOTE_CHARS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Note {
    pub id: String,
    pub contact_id: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NoteService {
    database: Database,
}

impl NoteService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn create(&self, contact_id: &str, body: &str) -> Result<Note> {
        self.database
            .write(|transaction| insert(transaction, contact_id, body, None, None))
    }

    /// Live notes of a live contact, newest first.
    pub fn list_for_contact(&self, contact_id: &str) -> Result<Vec<Note>> {
        self.database.read(|connection| {
            crate::contacts::load_any(connection, contact_id).and_then(|contact| {
                if contact.deleted_at.is_some() {
                    Err(Error::not_found(crate::contacts::ENTITY, contact_id))
                } else {
                    Ok(())
                }
            })?;
            let mut statement = connection.prepare_cached(
                "SELECT id, contact_id, body, created_at, updated_at, deleted_at FROM notes
                 WHERE contact_id = ?1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC",
            )?;
            let notes = statement
                .query_map([contact_id], note_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(notes)
        })
    }
}

/// Inserts a note inside a caller's transaction (also used for demo data).
pub(crate) fn insert(
    connection: &Connection,
    contact_id: &str,
    body: &str,
    created_at: Option<&str>,
    batch_id: Option<&str>,
) -> Result<Note> {
    let body = body.trim();
    if body.is_empty() {
        return Err(Error::invalid_field("body", "is required"));
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid_field(
            "body",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    let live: Option<bool> = connection
        .prepare_cached("SELECT deleted_at IS NULL FROM contacts WHERE id = ?1")?
        .query_row([contact_id], |row| row.get(0))
        .optional()?;
    if live != Some(true) {
        return Err(Error::not_found(crate::contacts::ENTITY, contact_id));
    }
    let now = now_utc();
    let created_at = created_at.map_or_else(|| now.clone(), str::to_owned);
    let note = Note {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        body: body.to_owned(),
        updated_at: created_at.clone().max(now),
        created_at,
        deleted_at: None,
    };
    connection
        .prepare_cached(
            "INSERT INTO notes (id, contact_id, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            note.id,
            note.contact_id,
            note.body,
            note.created_at,
            note.updated_at
        ])?;
    let mut change = NewChange::new(ENTITY, &note.id, Operation::Create).after(&note)?;
    change.batch_id = batch_id.map(str::to_owned);
    changes::record(connection, &change)?;
    Ok(note)
}

/// Soft-deletes a note; returns it before and after.
pub(crate) fn tombstone(connection: &Connection, id: &str) -> Result<(Note, Note)> {
    let before = connection
        .prepare_cached(
            "SELECT id, contact_id, body, created_at, updated_at, deleted_at FROM notes
             WHERE id = ?1",
        )?
        .query_row([id], note_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, id))?;
    let mut after = before.clone();
    let now = now_utc().max(before.updated_at.clone());
    after.deleted_at = Some(now.clone());
    after.updated_at = now;
    connection
        .prepare_cached("UPDATE notes SET deleted_at = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, after.deleted_at, after.updated_at])?;
    Ok((before, after))
}

fn note_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: row.get(0)?,
        contact_id: row.get(1)?,
        body: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        deleted_at: row.get(5)?,
    })
}

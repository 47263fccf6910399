//! Fields two devices wrote at the same time, as this device last read them from the records'
//! documents. Automerge keeps one value on every device; the user sees which one and what it
//! was chosen over, and can settle the field on either (a document change that travels, so
//! every device ends the conflict the same way).

use omnicrm_core::time::new_id;
use omnicrm_core::{Error, Result};
use omnicrm_sync::conflicts::FieldConflict;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// One field of a synced record that two devices wrote at the same time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncConflict {
    pub id: String,
    pub record_id: String,
    /// `contact`, `task`...
    pub kind: String,
    /// What the record is called (a contact's name, a task's title).
    pub record_label: String,
    /// The document's field name.
    pub field: String,
    /// The field in plain words ("Organization").
    pub field_label: String,
    /// The value every device shows ("" for none).
    pub chosen: String,
    /// The value it was chosen over ("" for none).
    pub other: String,
    /// The teammate who wrote the other value, when their change says (changes from other
    /// clients, and from OmniCRM before 2026-12, do not).
    pub other_by: Option<String>,
    /// When the other value was written (UTC), when the change says.
    pub other_at: Option<String>,
    /// When this device found it (UTC).
    pub detected_at: String,
}

/// Which value a conflict is settled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// The value every device shows now.
    KeepChosen,
    /// The value it was chosen over.
    UseOther,
}

/// Brings the stored conflicts of `record_id` in line with `found`, those of its document.
pub(crate) fn store(
    connection: &Connection,
    record_id: &str,
    kind: &str,
    found: &[FieldConflict],
    now: &str,
) -> Result<()> {
    let mut current = Vec::new();
    for conflict in found {
        for other in &conflict.others {
            current.push((conflict.field.clone(), conflict.chosen.clone(), other));
        }
    }
    let stored: Vec<(String, String, String)> = {
        let mut statement = connection
            .prepare_cached("SELECT id, field, other FROM sync_conflicts WHERE record_id = ?1")?;
        let rows = statement
            .query_map([record_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    for (id, field, other) in &stored {
        let still = current.iter().any(|(current_field, _, current_other)| {
            current_field == field && &current_other.value == other
        });
        if !still {
            connection
                .prepare_cached("DELETE FROM sync_conflicts WHERE id = ?1")?
                .execute([id])?;
        }
    }
    for (field, chosen, other) in current {
        connection
            .prepare_cached(
                "INSERT INTO sync_conflicts (id, record_id, kind, field, chosen, other, detected_at,
                                             other_by, other_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (record_id, field, other) DO UPDATE SET
                     chosen = excluded.chosen, other_by = excluded.other_by,
                     other_at = excluded.other_at",
            )?
            .execute(params![
                new_id(),
                record_id,
                kind,
                field,
                chosen,
                other.value,
                now,
                other.author.name,
                other
                    .author
                    .time_seconds
                    .and_then(omnicrm_core::time::utc_from_unix_seconds),
            ])?;
    }
    Ok(())
}

/// Stored conflicts, newest first; only `record_id`'s when given.
pub(crate) fn list(connection: &Connection, record_id: Option<&str>) -> Result<Vec<SyncConflict>> {
    let mut statement = connection.prepare_cached(
        "SELECT id, record_id, kind, field, chosen, other, detected_at, other_by, other_at
         FROM sync_conflicts WHERE ?1 IS NULL OR record_id = ?1
         ORDER BY detected_at DESC, record_id, field",
    )?;
    let rows = statement
        .query_map([record_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut conflicts = Vec::with_capacity(rows.len());
    for mut conflict in rows {
        conflict.record_label = record_label(connection, &conflict.kind, &conflict.record_id)?;
        conflicts.push(conflict);
    }
    Ok(conflicts)
}

/// One stored conflict.
pub(crate) fn load(connection: &Connection, id: &str) -> Result<SyncConflict> {
    connection
        .prepare_cached(
            "SELECT id, record_id, kind, field, chosen, other, detected_at, other_by, other_at
             FROM sync_conflicts WHERE id = ?1",
        )?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("sync conflict", id))
}

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SyncConflict> {
    let field: String = row.get(3)?;
    Ok(SyncConflict {
        id: row.get(0)?,
        record_id: row.get(1)?,
        kind: row.get(2)?,
        record_label: String::new(),
        field_label: field_label(&field),
        field,
        chosen: row.get(4)?,
        other: row.get(5)?,
        detected_at: row.get(6)?,
        other_by: row.get(7)?,
        other_at: row.get(8)?,
    })
}

fn record_label(connection: &Connection, kind: &str, record_id: &str) -> Result<String> {
    let query = match kind {
        "contact" => "SELECT display_name FROM contacts WHERE id = ?1",
        "task" => "SELECT title FROM tasks WHERE id = ?1",
        "project" => "SELECT name FROM projects WHERE id = ?1",
        "goal" => "SELECT title FROM goals WHERE id = ?1",
        "zone" => "SELECT name FROM zones WHERE id = ?1",
        "interaction" => "SELECT COALESCE(subject, 'A logged session') FROM interactions WHERE id = ?1",
        "note" => "SELECT 'A note on ' || c.display_name FROM notes n JOIN contacts c ON c.id = n.contact_id WHERE n.id = ?1",
        _ => return Ok(format!("A {kind}")),
    };
    Ok(connection
        .query_row(query, [record_id], |row| row.get::<_, String>(0))
        .optional()?
        .unwrap_or_else(|| format!("A {kind}")))
}

/// A document field in plain words.
pub fn field_label(field: &str) -> String {
    let known = match field {
        "display_name" => "Name",
        "company" => "Organization",
        "date_of_birth" => "Birthday",
        "lifecycle_stage" => "Stage",
        "client_status" => "Client status",
        "referred_by" => "Referred by",
        "due_date" => "Due date",
        "target_date" => "Target date",
        "project_id" => "Project",
        "zone_id" => "Zone",
        "parent_task_id" => "Parent task",
        "occurred_at" => "Date",
        "duration_minutes" => "Duration",
        "recorded_at" => "Recorded on",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let words = field.replace('_', " ");
    let mut characters = words.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

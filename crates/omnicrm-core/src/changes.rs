//! The local change log. Every write appends one entry holding the record before and after the
//! change; sync replays the log and undo reverts an entry by writing a new one.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::{new_id, now_utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Create,
    Update,
    Delete,
    Restore,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Restore => "restore",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self> {
        match text {
            "create" => Ok(Self::Create),
            "update" => Ok(Self::Update),
            "delete" => Ok(Self::Delete),
            "restore" => Ok(Self::Restore),
            other => Err(Error::internal(format!(
                "unknown change operation '{other}'"
            ))),
        }
    }
}

/// Returned by a write that can be undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeReceipt {
    pub change_id: String,
}

/// What an undo did: `change_id` is the new change that reverted the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UndoOutcome {
    pub change_id: String,
    pub entity: String,
    pub entity_id: String,
}

/// A change about to be recorded.
#[derive(Debug, Clone)]
pub(crate) struct NewChange {
    pub entity: &'static str,
    pub entity_id: String,
    pub operation: Operation,
    pub before: Option<String>,
    pub after: Option<String>,
    pub batch_id: Option<String>,
    pub reverts_change_id: Option<String>,
}

impl NewChange {
    pub fn new(entity: &'static str, entity_id: &str, operation: Operation) -> Self {
        Self {
            entity,
            entity_id: entity_id.to_owned(),
            operation,
            before: None,
            after: None,
            batch_id: None,
            reverts_change_id: None,
        }
    }

    pub fn before(mut self, snapshot: &impl Serialize) -> Result<Self> {
        self.before = Some(serde_json::to_string(snapshot)?);
        Ok(self)
    }

    pub fn after(mut self, snapshot: &impl Serialize) -> Result<Self> {
        self.after = Some(serde_json::to_string(snapshot)?);
        Ok(self)
    }
}

/// Appends a change; returns its id.
pub(crate) fn record(connection: &Connection, change: &NewChange) -> Result<String> {
    let id = new_id();
    connection
        .prepare_cached(
            "INSERT INTO change_log (id, entity, entity_id, operation, before_json, after_json,
                                     batch_id, reverts_change_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id,
            change.entity,
            change.entity_id,
            change.operation.as_str(),
            change.before,
            change.after,
            change.batch_id,
            change.reverts_change_id,
            now_utc(),
        ])?;
    Ok(id)
}

/// Appends many changes with one statement, in order (bulk writes of new records). The same
/// rows as [`record`] once per change, each with its own id and the time of the call.
pub(crate) fn record_many(connection: &Connection, changes: &[NewChange]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let now = now_utc();
    let ids: Vec<String> = changes.iter().map(|_| new_id()).collect();
    let operations: Vec<&str> = changes
        .iter()
        .map(|change| change.operation.as_str())
        .collect();
    let rows: Vec<[&dyn rusqlite::ToSql; 9]> = changes
        .iter()
        .zip(&ids)
        .zip(&operations)
        .map(|((change, id), operation)| -> [&dyn rusqlite::ToSql; 9] {
            [
                id,
                &change.entity,
                &change.entity_id,
                operation,
                &change.before,
                &change.after,
                &change.batch_id,
                &change.reverts_change_id,
                &now,
            ]
        })
        .collect();
    crate::store::insert_rows(
        connection,
        "INSERT INTO change_log (id, entity, entity_id, operation, before_json, after_json,
                                 batch_id, reverts_change_id, created_at)",
        "",
        &rows,
        &mut |_| Ok(()),
    )
}

/// What undoing a batch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BatchUndoOutcome {
    pub batch_id: String,
    pub undone: u32,
}

/// Returned by a write of many records that can be undone together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BatchReceipt {
    pub batch_id: String,
    pub changed: u32,
}

/// A recorded change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeEntry {
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    pub operation: Operation,
    pub batch_id: Option<String>,
    pub reverts_change_id: Option<String>,
    pub undone_by_change_id: Option<String>,
    pub created_at: String,
}

/// Reads and reverts changes.
#[derive(Debug, Clone)]
pub struct ChangeService {
    database: Database,
}

impl ChangeService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// The changes of one record, oldest first.
    pub fn history(&self, entity: &str, entity_id: &str) -> Result<Vec<ChangeEntry>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, entity, entity_id, operation, batch_id, reverts_change_id,
                        undone_by_change_id, created_at
                 FROM change_log WHERE entity = ?1 AND entity_id = ?2 ORDER BY seq",
            )?;
            let rows = statement.query_map([entity, entity_id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, String>(7)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (id, entity, entity_id, operation, batch, reverts, undone_by, created_at) =
                    row?;
                entries.push(ChangeEntry {
                    id,
                    entity,
                    entity_id,
                    operation: Operation::parse(&operation)?,
                    batch_id: batch,
                    reverts_change_id: reverts,
                    undone_by_change_id: undone_by,
                    created_at,
                });
            }
            Ok(entries)
        })
    }
}

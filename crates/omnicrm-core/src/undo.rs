//! Undo: reverting a change of the log by recording its inverse, and reverting a whole batch.
//! It knows every kind of record (the dispatch below); the change log itself
//! ([`crate::changes`]) knows none, so the record services that write the log and this module
//! that reverts it do not import each other in a circle.

use rusqlite::{params, OptionalExtension, Transaction};

use crate::changes::{self, BatchUndoOutcome, NewChange, Operation, UndoOutcome};
use crate::contacts;
use crate::error::{Error, Result};
use crate::records;
use crate::store::Database;
use crate::{
    consents, duplicates, identities, interactions, keep_in_touch, notes, productivity, reminders,
    tags,
};

/// Reverts changes.
#[derive(Debug, Clone)]
pub struct UndoService {
    database: Database,
}

impl UndoService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Reverts every change of a batch (an import, a merge, a bulk edit), newest first, in one
    /// transaction: either the whole batch is undone or nothing is.
    pub fn batch(&self, batch_id: &str) -> Result<BatchUndoOutcome> {
        self.database
            .write(|transaction| undo_batch_in(transaction, batch_id))
    }

    /// Reverts one change by recording its inverse. Only the latest change of a record can be
    /// undone, so an undo never overwrites a later edit.
    pub fn change(&self, change_id: &str) -> Result<UndoOutcome> {
        self.database
            .write(|transaction| undo_in(transaction, change_id))
    }
}

struct StoredChange {
    seq: i64,
    entity: String,
    entity_id: String,
    operation: Operation,
    before: Option<String>,
    undone_by: Option<String>,
}

/// Undoes every change of a batch inside a caller's transaction, newest first.
pub(crate) fn undo_batch_in(
    transaction: &Transaction<'_>,
    batch_id: &str,
) -> Result<BatchUndoOutcome> {
    let change_ids = {
        let mut statement = transaction.prepare_cached(
            "SELECT id FROM change_log
             WHERE batch_id = ?1 AND undone_by_change_id IS NULL AND reverts_change_id IS NULL
             ORDER BY seq DESC",
        )?;
        let ids = statement
            .query_map([batch_id], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids
    };
    if change_ids.is_empty() {
        return Err(Error::undo_unavailable(
            "nothing in this batch is left to undo",
        ));
    }
    for change_id in &change_ids {
        undo_in(transaction, change_id)?;
    }
    Ok(BatchUndoOutcome {
        batch_id: batch_id.to_owned(),
        undone: u32::try_from(change_ids.len()).unwrap_or(u32::MAX),
    })
}

fn undo_in(transaction: &Transaction<'_>, change_id: &str) -> Result<UndoOutcome> {
    let stored = transaction
        .query_row(
            "SELECT seq, entity, entity_id, operation, before_json, undone_by_change_id
             FROM change_log WHERE id = ?1",
            [change_id],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::not_found("change", change_id))?;
    let stored = StoredChange {
        seq: stored.0,
        entity: stored.1,
        entity_id: stored.2,
        operation: Operation::parse(&stored.3)?,
        before: stored.4,
        undone_by: stored.5,
    };
    if stored.undone_by.is_some() {
        return Err(Error::undo_unavailable(
            "this change has already been undone",
        ));
    }
    let later: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM change_log
                         WHERE entity = ?1 AND entity_id = ?2 AND seq > ?3
                           AND undone_by_change_id IS NULL AND reverts_change_id IS NULL)",
        params![stored.entity, stored.entity_id, stored.seq],
        |row| row.get(0),
    )?;
    if later {
        return Err(Error::undo_unavailable(
            "the record has changed since; undo the later change first",
        ));
    }

    let inverse = match stored.entity.as_str() {
        contacts::ENTITY => revert_contact(transaction, &stored)?,
        other => revert_record(transaction, other, &stored)?,
    };
    let mut inverse = inverse;
    inverse.reverts_change_id = Some(change_id.to_owned());
    let new_change_id = changes::record(transaction, &inverse)?;
    transaction.execute(
        "UPDATE change_log SET undone_by_change_id = ?1 WHERE id = ?2",
        [&new_change_id, change_id],
    )?;
    Ok(UndoOutcome {
        change_id: new_change_id,
        entity: stored.entity,
        entity_id: stored.entity_id,
    })
}

fn revert_contact(transaction: &Transaction<'_>, stored: &StoredChange) -> Result<NewChange> {
    let current = contacts::load_any(transaction, &stored.entity_id)?;
    let (operation, after) = match stored.operation {
        Operation::Create | Operation::Restore => (
            Operation::Delete,
            contacts::tombstone(transaction, &stored.entity_id)?,
        ),
        Operation::Update | Operation::Delete => {
            let before = stored
                .before
                .as_deref()
                .ok_or_else(|| Error::internal("the change has no earlier state to go back to"))?;
            let snapshot: contacts::Contact = serde_json::from_str(before)?;
            let operation = if stored.operation == Operation::Delete {
                Operation::Restore
            } else {
                Operation::Update
            };
            (
                operation,
                contacts::restore_snapshot(transaction, &snapshot)?,
            )
        }
    };
    NewChange::new(contacts::ENTITY, &stored.entity_id, operation)
        .before(&current)?
        .after(&after)
}

/// Undo for the records that share the generic write path.
fn revert_record(
    transaction: &Transaction<'_>,
    entity: &str,
    stored: &StoredChange,
) -> Result<NewChange> {
    let id = stored.entity_id.as_str();
    let before = stored.before.as_deref();
    let operation = stored.operation;
    match entity {
        notes::ENTITY => records::revert::<notes::Note>(transaction, id, operation, before),
        interactions::ENTITY => {
            records::revert::<interactions::Interaction>(transaction, id, operation, before)
        }
        tags::ENTITY => records::revert::<tags::Tag>(transaction, id, operation, before),
        identities::ENTITY => {
            records::revert::<identities::Identity>(transaction, id, operation, before)
        }
        identities::IGNORED_ENTITY => {
            records::revert::<identities::IgnoredIdentifier>(transaction, id, operation, before)
        }
        consents::ENTITY => {
            records::revert::<consents::Consent>(transaction, id, operation, before)
        }
        productivity::ZONE_ENTITY => {
            records::revert::<productivity::Zone>(transaction, id, operation, before)
        }
        productivity::PROJECT_ENTITY => {
            records::revert::<productivity::Project>(transaction, id, operation, before)
        }
        productivity::TASK_ENTITY => {
            records::revert::<productivity::Task>(transaction, id, operation, before)
        }
        productivity::GOAL_ENTITY => {
            records::revert::<productivity::Goal>(transaction, id, operation, before)
        }
        duplicates::DISMISSAL_ENTITY => {
            records::revert::<duplicates::DuplicateDismissal>(transaction, id, operation, before)
        }
        keep_in_touch::ENTITY => {
            records::revert::<keep_in_touch::KeepInTouch>(transaction, id, operation, before)
        }
        keep_in_touch::DEFAULT_ENTITY => {
            records::revert::<keep_in_touch::KeepInTouchDefault>(transaction, id, operation, before)
        }
        reminders::ENTITY => {
            records::revert::<reminders::Reminder>(transaction, id, operation, before)
        }
        other => Err(Error::undo_unavailable(format!(
            "changes to {other} records cannot be undone"
        ))),
    }
}

//! Undoing a sync batch: everything it created goes, in one transaction.

use rusqlite::{params, Connection, Transaction};

use super::{batches, cursors, raw_events, suggestions, AuditAction, HookRemoval};
use super::{NewAuditEntry, SyncBatchStatus, SyncUndoOutcome};
use crate::error::{Error, Result};

/// Something derived from synced data that must go when its batch is undone: embeddings of
/// the interactions, insights drawn from them. Hooks run inside the undo's transaction, after
/// the batch's own rows are gone, so a failing hook undoes nothing at all.
pub trait SyncUndoHook: Send + Sync {
    /// A short name for the outcome and the audit, e.g. `embeddings`.
    fn name(&self) -> &'static str;

    /// Removes whatever was derived from `batch_id`; returns how many rows it removed.
    fn remove_batch(&self, connection: &Connection, batch_id: &str) -> Result<u32>;
}

pub(super) fn undo_batch(
    transaction: &Transaction<'_>,
    batch_id: &str,
    hooks: &[&dyn SyncUndoHook],
) -> Result<SyncUndoOutcome> {
    let batch = batches::load(transaction, batch_id)?;
    if batch.status == SyncBatchStatus::Undone {
        return Err(Error::undo_unavailable("this sync was already undone"));
    }
    let (interactions_removed, contacts_removed, changes) = live_changes(transaction, batch_id)?;
    if changes > 0 {
        crate::changes::undo_batch_in(transaction, batch_id)?;
    }
    let raw_events_removed = raw_events::delete_batch(transaction, batch_id)?;
    let suggestions_removed = suggestions::delete_batch(transaction, batch_id)?;
    cursors::forget(transaction, &batch.account_id, &batch.providers)?;
    let mut removed_by_hooks = Vec::new();
    for hook in hooks {
        removed_by_hooks.push(HookRemoval {
            hook: hook.name().to_owned(),
            removed: hook.remove_batch(transaction, batch_id)?,
        });
    }
    batches::mark_undone(transaction, batch_id)?;
    let outcome = SyncUndoOutcome {
        batch_id: batch_id.to_owned(),
        interactions_removed,
        contacts_removed,
        raw_events_removed,
        suggestions_removed,
        removed_by_hooks,
    };
    batches::audit(
        transaction,
        &NewAuditEntry {
            batch_id: Some(batch_id.to_owned()),
            account_id: batch.account_id.clone(),
            provider: None,
            action: AuditAction::Undo,
            succeeded: true,
            details: serde_json::to_value(&outcome)?,
        },
    )?;
    Ok(outcome)
}

/// How many interactions and contacts the batch made that are still there, and how many
/// changes are left to revert.
fn live_changes(connection: &Connection, batch_id: &str) -> Result<(u32, u32, u32)> {
    let mut statement = connection.prepare_cached(
        "SELECT entity, operation, COUNT(*) FROM change_log
         WHERE batch_id = ?1 AND undone_by_change_id IS NULL AND reverts_change_id IS NULL
         GROUP BY entity, operation",
    )?;
    let rows = statement
        .query_map(params![batch_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, u32>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let (mut interactions, mut contacts, mut changes) = (0, 0, 0);
    for (entity, operation, count) in rows {
        changes += count;
        let made = operation == "create" || operation == "restore";
        if made && entity == crate::interactions::ENTITY {
            interactions += count;
        } else if made && entity == crate::contacts::ENTITY {
            contacts += count;
        }
    }
    Ok((interactions, contacts, changes))
}

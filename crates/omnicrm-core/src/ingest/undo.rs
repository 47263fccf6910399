//! Undoing a sync batch: everything it created goes, in one transaction, except the contacts
//! the user has made their own since (edited, tagged, noted, linked): those are kept and taken
//! out of the batch.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{params, Connection, Transaction};

use super::{batches, cursors, raw_events, suggestions, AuditAction, HookRemoval, KeptContact};
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
    let contacts_kept = keep_touched_contacts(transaction, batch_id)?;
    let (interactions_removed, contacts_removed, changes) = live_changes(transaction, batch_id)?;
    if changes > 0 {
        crate::undo::undo_batch_in(transaction, batch_id)?;
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
        contacts_kept,
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

/// A contact the batch created, with the change that created it.
struct CreatedContact {
    change_id: String,
    seq: i64,
    reasons: BTreeSet<&'static str>,
}

/// Finds the contacts the batch created that anything outside the batch has changed or
/// referred to since (the user edited or tagged them, wrote a note, linked a task, logged a
/// call; a later sync linked mail to them), and takes their creation out of the batch so the
/// undo leaves them. Returns them with the reasons, in plain words.
fn keep_touched_contacts(
    transaction: &Transaction<'_>,
    batch_id: &str,
) -> Result<Vec<KeptContact>> {
    let mut created: HashMap<String, CreatedContact> = HashMap::new();
    {
        let mut statement = transaction.prepare_cached(
            "SELECT id, seq, entity_id FROM change_log
             WHERE batch_id = ?1 AND entity = ?2 AND operation IN ('create', 'restore')
               AND undone_by_change_id IS NULL AND reverts_change_id IS NULL",
        )?;
        let rows = statement.query_map(params![batch_id, crate::contacts::ENTITY], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (change_id, seq, contact_id) = row?;
            created.insert(
                contact_id,
                CreatedContact {
                    change_id,
                    seq,
                    reasons: BTreeSet::new(),
                },
            );
        }
    }
    let Some(first_seq) = created.values().map(|contact| contact.seq).min() else {
        return Ok(Vec::new());
    };
    {
        // Every live change made outside the batch since its first contact: an undone change
        // and the change that undid it cancel out, so neither counts.
        let mut statement = transaction.prepare_cached(
            "SELECT seq, entity, entity_id, operation, before_json, after_json, batch_id
             FROM change_log
             WHERE seq > ?1 AND (batch_id IS NULL OR batch_id <> ?2)
               AND undone_by_change_id IS NULL AND reverts_change_id IS NULL
             ORDER BY seq",
        )?;
        let rows = statement.query_map(params![first_seq, batch_id], |row| {
            Ok(LaterChange {
                seq: row.get(0)?,
                entity: row.get(1)?,
                entity_id: row.get(2)?,
                operation: row.get(3)?,
                before: row.get(4)?,
                after: row.get(5)?,
                from_a_sync: row.get::<_, Option<String>>(6)?.is_some(),
            })
        })?;
        for row in rows {
            let change = row?;
            for (contact_id, contact) in created.iter_mut() {
                if change.seq <= contact.seq {
                    continue;
                }
                if let Some(reason) = change.reason_for(contact_id) {
                    contact.reasons.insert(reason);
                }
            }
        }
    }
    let mut kept = Vec::new();
    for (contact_id, contact) in created {
        if contact.reasons.is_empty() {
            continue;
        }
        transaction.execute(
            "UPDATE change_log SET batch_id = NULL WHERE id = ?1",
            params![contact.change_id],
        )?;
        let display_name = crate::contacts::load_any(transaction, &contact_id)?.display_name;
        kept.push(KeptContact {
            contact_id,
            display_name,
            reasons: contact.reasons.into_iter().map(str::to_owned).collect(),
        });
    }
    kept.sort_by(|left, right| {
        left.display_name
            .cmp(&right.display_name)
            .then_with(|| left.contact_id.cmp(&right.contact_id))
    });
    Ok(kept)
}

/// A change made outside the batch being undone, after it.
struct LaterChange {
    seq: i64,
    entity: String,
    entity_id: String,
    operation: String,
    before: Option<String>,
    after: Option<String>,
    from_a_sync: bool,
}

impl LaterChange {
    /// Why this change makes `contact_id` the user's own, if it does.
    fn reason_for(&self, contact_id: &str) -> Option<&'static str> {
        if self.entity == crate::contacts::ENTITY && self.entity_id == contact_id {
            return Some(match self.operation.as_str() {
                "delete" => "deleted or merged since",
                "restore" => "restored since",
                _ if self.only_tags_changed() => "tagged",
                _ => "edited",
            });
        }
        let mentions = |json: &Option<String>| {
            json.as_deref()
                .is_some_and(|text| text.contains(contact_id))
        };
        if !mentions(&self.after) && !mentions(&self.before) {
            return None;
        }
        Some(match self.entity.as_str() {
            crate::notes::ENTITY => "notes written since",
            crate::productivity::TASK_ENTITY => "linked to a task",
            crate::interactions::ENTITY if self.from_a_sync => "mail or events synced since",
            crate::interactions::ENTITY => "interactions logged since",
            crate::consents::ENTITY => "consent recorded",
            crate::identities::ENTITY => "email or phone added",
            crate::contacts::ENTITY => "merged with another contact",
            crate::duplicates::DISMISSAL_ENTITY => "marked as not a duplicate",
            _ => "linked since",
        })
    }

    /// Whether a contact update changed its tags and nothing else a user sees.
    fn only_tags_changed(&self) -> bool {
        let parse = |json: &Option<String>| {
            json.as_deref()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        };
        let (Some(mut before), Some(mut after)) = (parse(&self.before), parse(&self.after)) else {
            return false;
        };
        if before.get("tags") == after.get("tags") {
            return false;
        }
        for value in [&mut before, &mut after] {
            if let Some(object) = value.as_object_mut() {
                for key in ["tags", "updated_at", "search_text"] {
                    object.remove(key);
                }
            }
        }
        before == after
    }
}

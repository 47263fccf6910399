//! The rest of an OmniCRM JSON export: tags, zones, projects, tasks, goals, interactions,
//! consents, identities and ignore patterns. Each keeps its id; one that is already here (same
//! id, or the same tag name, ignore pattern or `(source, source_id)`) is left as it is, so
//! importing an export twice adds nothing. Contact ids are mapped to the contacts the import
//! created or matched; records about a contact that was not imported are skipped.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

use crate::error::{ErrorCode, Result};
use crate::export::JsonExport;
use crate::records::{self, Record};

/// Tags go in before the contacts, so contacts pick up the exported tags (with their ids,
/// categories and colours) instead of creating plain ones.
pub(crate) fn import_tags(
    transaction: &Connection,
    export: &mut JsonExport,
    batch_id: &str,
) -> Result<()> {
    for tag in std::mem::take(&mut export.tags) {
        if !exists(
            "SELECT 1 FROM tags WHERE name = ?1 OR id = ?2",
            transaction,
            &tag.name,
            &tag.id,
        )? {
            create_if_new(transaction, &tag, batch_id)?;
        }
    }
    Ok(())
}

pub(crate) fn import(
    transaction: &Connection,
    export: JsonExport,
    contact_ids: &HashMap<String, String>,
    batch_id: &str,
) -> Result<()> {
    let contact = |id: &String| contact_ids.get(id).cloned();

    for mut note in export.notes {
        let Some(mapped) = contact(&note.contact_id) else {
            continue;
        };
        note.contact_id = mapped;
        create_if_new(transaction, &note, batch_id)?;
    }
    for ignored in export.ignored_identifiers {
        let taken = exists(
            "SELECT 1 FROM ignored_identifiers WHERE (pattern = ?1 AND deleted_at IS NULL) OR id = ?2",
            transaction,
            &ignored.pattern,
            &ignored.id,
        )?;
        if !taken {
            create_if_new(transaction, &ignored, batch_id)?;
        }
    }
    for zone in export.zones {
        create_if_new(transaction, &zone, batch_id)?;
    }
    for mut project in export.projects {
        project.zone_id = if_live(transaction, "zones", project.zone_id)?;
        create_if_new(transaction, &project, batch_id)?;
    }
    // Parents before subtasks.
    let (parents, subtasks): (Vec<_>, Vec<_>) = export
        .tasks
        .into_iter()
        .partition(|task| task.parent_task_id.is_none());
    for mut task in parents.into_iter().chain(subtasks) {
        task.contact_ids = task.contact_ids.iter().filter_map(contact).collect();
        task.project_id = if_live(transaction, "projects", task.project_id)?;
        task.zone_id = if_live(transaction, "zones", task.zone_id)?;
        task.parent_task_id = if_live(transaction, "tasks", task.parent_task_id)?;
        create_if_new(transaction, &task, batch_id)?;
    }
    for mut goal in export.goals {
        match goal.contact_id.as_ref().map(contact) {
            Some(None) => continue,
            Some(Some(mapped)) => goal.contact_id = Some(mapped),
            None => {}
        }
        create_if_new(transaction, &goal, batch_id)?;
    }
    for mut interaction in export.interactions {
        interaction.contact_ids = interaction.contact_ids.iter().filter_map(contact).collect();
        if interaction.contact_ids.is_empty() {
            continue;
        }
        if let Some(source_id) = &interaction.source_id {
            if exists(
                "SELECT 1 FROM interactions WHERE source = ?1 AND source_id = ?2",
                transaction,
                &interaction.source,
                source_id,
            )? {
                continue;
            }
        }
        create_if_new(transaction, &interaction, batch_id)?;
    }
    for mut consent in export.consents {
        let Some(mapped) = contact(&consent.contact_id) else {
            continue;
        };
        consent.contact_id = mapped;
        create_if_new(transaction, &consent, batch_id)?;
    }
    for mut identity in export.identities {
        let Some(mapped) = contact(&identity.contact_id) else {
            continue;
        };
        identity.contact_id = mapped;
        create_if_new(transaction, &identity, batch_id)?;
    }
    Ok(())
}

/// Stores the record under its own id unless a record with that id exists.
fn create_if_new<R: Record>(transaction: &Connection, record: &R, batch_id: &str) -> Result<()> {
    match R::load(transaction, record.id()) {
        Ok(_) => Ok(()),
        Err(error) if error.code == ErrorCode::NotFound => {
            records::create(transaction, record, Some(batch_id)).map(|_| ())
        }
        Err(error) => Err(error),
    }
}

fn exists(sql: &str, transaction: &Connection, first: &str, second: &str) -> Result<bool> {
    Ok(transaction
        .prepare_cached(sql)?
        .query_row([first, second], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The reference, if it names a live row of `table`; `None` otherwise.
fn if_live(transaction: &Connection, table: &str, id: Option<String>) -> Result<Option<String>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let found = transaction
        .prepare_cached(&format!(
            "SELECT 1 FROM {table} WHERE id = ?1 AND deleted_at IS NULL"
        ))?
        .query_row([&id], |_| Ok(()))
        .optional()?;
    Ok(found.map(|()| id))
}

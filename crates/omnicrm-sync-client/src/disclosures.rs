//! What a sync handed to the team's server, in the access log: for each client whose data the
//! server now holds (their record, notes, consents, goals, sessions, tasks), one entry naming
//! what and which server.

use std::collections::BTreeMap;

use omnicrm_core::access_log::{AccessAction, Disclosure};
use omnicrm_core::{Core, Result};
use omnicrm_sync::DocumentId;
use rusqlite::{params, Connection, OptionalExtension};

/// Records in the access log the clients whose records among `documents` the server at
/// `server` now holds.
pub(crate) fn record_shared(core: &Core, documents: &[DocumentId], server: &str) -> Result<()> {
    if documents.is_empty() {
        return Ok(());
    }
    let per_client = core
        .database
        .read(|connection| shared_per_client(connection, documents))?;
    if per_client.is_empty() {
        return Ok(());
    }
    let host = reqwest::Url::parse(server)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| server.to_owned());
    let entries = per_client
        .into_iter()
        .map(|(contact_id, kinds)| {
            let what: Vec<String> = kinds
                .into_iter()
                .map(|(kind, count)| describe(kind, count))
                .collect();
            Disclosure::of_contact(
                &contact_id,
                AccessAction::SharedWithTeam,
                format!("{} sent to the team workspace at {host}", what.join(", ")),
            )
        })
        .collect();
    core.access_log.record_many(entries)?;
    Ok(())
}

/// For each client, how many of their records of each kind are among `documents`.
fn shared_per_client(
    connection: &Connection,
    documents: &[DocumentId],
) -> Result<BTreeMap<String, BTreeMap<&'static str, u32>>> {
    let mut per_client: BTreeMap<String, BTreeMap<&'static str, u32>> = BTreeMap::new();
    for document in documents {
        let stored: Option<(Option<String>, String)> = connection
            .query_row(
                "SELECT record_id, kind FROM sync_documents WHERE document_id = ?1",
                [document.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((Some(record_id), kind)) = stored else {
            continue;
        };
        let (kind, owners_sql): (&'static str, Option<&str>) = match kind.as_str() {
            "contact" => ("contact", None),
            "note" => ("note", Some("SELECT contact_id FROM notes WHERE id = ?1")),
            "consent" => (
                "consent",
                Some("SELECT contact_id FROM consents WHERE id = ?1"),
            ),
            "goal" => (
                "goal",
                Some("SELECT contact_id FROM goals WHERE id = ?1 AND contact_id IS NOT NULL"),
            ),
            "interaction" => (
                "interaction",
                Some("SELECT contact_id FROM interaction_contacts WHERE interaction_id = ?1"),
            ),
            "task" => (
                "task",
                Some("SELECT contact_id FROM task_contacts WHERE task_id = ?1"),
            ),
            // Projects, zones and tags are the practice's, not a client's.
            _ => continue,
        };
        let owners = match owners_sql {
            None => vec![record_id],
            Some(sql) => {
                let mut statement = connection.prepare_cached(sql)?;
                let owners = statement
                    .query_map(params![record_id], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                owners
            }
        };
        for owner in owners {
            *per_client
                .entry(owner)
                .or_default()
                .entry(kind)
                .or_default() += 1;
        }
    }
    Ok(per_client)
}

fn describe(kind: &str, count: u32) -> String {
    let (one, many) = match kind {
        "contact" => ("their record", "their record"),
        "note" => ("a note", "notes"),
        "consent" => ("a consent", "consents"),
        "goal" => ("a goal", "goals"),
        "interaction" => ("a session or call", "sessions and calls"),
        _ => ("a task", "tasks"),
    };
    if count == 1 || kind == "contact" {
        one.to_owned()
    } else {
        format!("{count} {many}")
    }
}

//! Raw events: fetched items stored as the provider sent them, once per (provider, source id,
//! version). Items that change (calendar events) keep every version; see `revisions`.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension};

use super::SyncProvider;
use super::{batches, revisions, RawEventCounts, RawEventInput, StoredPage, SyncBatch};
use crate::error::{Error, Result};
use crate::time::{format_utc, new_id, now_utc, parse_utc};

/// Raw payloads above this size are refused: no Gmail message (format=full, attachments left
/// out) or Calendar event comes near it.
const MAX_PAYLOAD_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn insert_page(
    connection: &Connection,
    batch: &SyncBatch,
    items: &[RawEventInput],
) -> Result<StoredPage> {
    let mut stored = StoredPage::default();
    let now = now_utc();
    let mut insert = connection.prepare_cached(
        "INSERT INTO raw_events (id, provider, source_id, account_id, batch_id, payload_json,
                                 normalized_json, status, status_reason, fetched_at, version,
                                 source_updated_at, removed, superseded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (provider, source_id, version) DO NOTHING",
    )?;
    let mut address = connection.prepare_cached(
        "INSERT OR IGNORE INTO raw_event_addresses (raw_event_id, email_normalized)
         VALUES (?1, ?2)",
    )?;
    for (index, item) in items.iter().enumerate() {
        let source_id = item.source_id.trim();
        if source_id.is_empty() {
            return Err(Error::invalid_field(
                format!("items[{index}].source_id"),
                "is required",
            ));
        }
        if item.payload_json.len() > MAX_PAYLOAD_BYTES {
            return Err(Error::invalid_field(
                format!("items[{index}].payload_json"),
                "is larger than 16 MiB",
            ));
        }
        let version = item.version.as_deref().map(str::trim).unwrap_or_default();
        let updated_at = match item.updated_at.as_deref() {
            None => None,
            Some(text) => Some(parse_utc(text).map(format_utc).ok_or_else(|| {
                Error::invalid_field(
                    format!("items[{index}].updated_at"),
                    "must be a date and time like 2026-11-22T10:30:00Z",
                )
            })?),
        };
        // Items without versions never change: the unique index alone keeps them once.
        let earlier = match version {
            "" => None,
            _ => revisions::newest_stored(connection, item.provider, source_id)?,
        };
        let outdated = earlier
            .as_ref()
            .filter(|earlier| revisions::is_outdated(updated_at.as_deref(), earlier))
            .map(|earlier| earlier.id.clone());
        let (status, reason) = match (&outdated, item.removed, &item.normalized, &item.skip_reason)
        {
            (Some(_), _, _, _) => ("skipped", Some(revisions::OUTDATED)),
            (None, true, _, _) | (None, false, Some(_), None) => ("pending", None),
            (None, false, _, Some(reason)) => ("skipped", Some(reason.as_str())),
            (None, false, None, None) => ("skipped", Some("not an interaction")),
        };
        let normalized_json = match (&item.normalized, status, item.removed) {
            (Some(normalized), "pending", false) => Some(serde_json::to_string(normalized)?),
            _ => None,
        };
        let id = new_id();
        let inserted = insert.execute(params![
            id,
            item.provider.as_str(),
            source_id,
            batch.account_id,
            batch.id,
            item.payload_json,
            normalized_json,
            status,
            reason,
            now,
            version,
            updated_at,
            item.removed,
            outdated,
        ])?;
        if inserted == 0 {
            stored.already_stored += 1;
            continue;
        }
        stored.inserted += 1;
        if outdated.is_some() {
            stored.outdated += 1;
        } else if earlier.is_some() {
            stored.revisions += 1;
        }
        if let Some(normalized) = item
            .normalized
            .as_ref()
            .filter(|_| normalized_json.is_some())
        {
            for participant in &normalized.participants {
                let email = participant.email.trim().to_lowercase();
                if !email.is_empty() {
                    address.execute(params![id, email])?;
                }
            }
        }
    }
    batches::count(connection, &batch.id, stored.inserted, 0, 0)?;
    Ok(stored)
}

pub(super) fn stored_ids(
    connection: &Connection,
    provider: SyncProvider,
    source_ids: &[String],
) -> Result<HashSet<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT source_id FROM raw_events
         WHERE provider = ?1 AND source_id IN (SELECT value FROM json_each(?2))",
    )?;
    let ids = statement
        .query_map(
            params![provider.as_str(), serde_json::to_string(source_ids)?],
            |row| row.get::<_, String>(0),
        )?
        .collect::<rusqlite::Result<HashSet<_>>>()?;
    Ok(ids)
}

pub(super) fn counts(connection: &Connection, batch_id: &str) -> Result<RawEventCounts> {
    let mut statement = connection.prepare_cached(
        "SELECT status, COUNT(*) FROM raw_events WHERE batch_id = ?1 GROUP BY status",
    )?;
    let rows = statement
        .query_map([batch_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut counts = RawEventCounts::default();
    for (status, count) in rows {
        match status.as_str() {
            "pending" => counts.pending = count,
            "normalized" => counts.normalized = count,
            "unlinked" => counts.unlinked = count,
            "skipped" => counts.skipped = count,
            _ => counts.failed += count,
        }
    }
    Ok(counts)
}

/// The payload of an item's current version: the one applied last, or a newer one waiting to
/// be; a version that arrived too late only when there is nothing else.
pub(super) fn payload(
    connection: &Connection,
    provider: SyncProvider,
    source_id: &str,
) -> Result<Option<String>> {
    let payload = connection
        .prepare_cached(
            "SELECT payload_json FROM raw_events WHERE provider = ?1 AND source_id = ?2
             ORDER BY superseded_by IS NOT NULL, status_reason IS ?3, fetched_at DESC, id DESC
             LIMIT 1",
        )?
        .query_row(
            params![provider.as_str(), source_id, revisions::OUTDATED],
            |row| row.get(0),
        )
        .optional()?;
    Ok(payload)
}

/// Deletes a batch's raw events (their addresses go with them); returns how many. The
/// versions they had superseded are current again.
pub(super) fn delete_batch(connection: &Connection, batch_id: &str) -> Result<u32> {
    connection.execute(
        "UPDATE raw_events SET superseded_by = NULL WHERE superseded_by IN
             (SELECT id FROM raw_events WHERE batch_id = ?1)",
        [batch_id],
    )?;
    connection.execute(
        "DELETE FROM raw_event_addresses WHERE raw_event_id IN
             (SELECT id FROM raw_events WHERE batch_id = ?1)",
        [batch_id],
    )?;
    let removed = connection.execute("DELETE FROM raw_events WHERE batch_id = ?1", [batch_id])?;
    Ok(u32::try_from(removed).unwrap_or(u32::MAX))
}

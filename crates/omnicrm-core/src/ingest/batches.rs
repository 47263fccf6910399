//! Sync batches and their audit trail.

use rusqlite::{params, Connection, OptionalExtension};

use super::{
    AuditAction, NewAuditEntry, NewSyncBatch, SyncAuditEntry, SyncBatch, SyncBatchStatus,
    SyncProvider,
};
use crate::error::{Error, ErrorCode, Result};
use crate::time::{new_id, now_utc};

const ENTITY: &str = "sync batch";
const COLUMNS: &str = "id, account_id, account_email, providers_json, finished_providers_json, \
     settings_json, status, fetched, normalized, suggested, last_error, created_at, updated_at, \
     completed_at, undone_at";

pub(super) fn create(connection: &Connection, batch: NewSyncBatch) -> Result<SyncBatch> {
    let account_id = batch.account_id.trim();
    if account_id.is_empty() {
        return Err(Error::invalid_field("account_id", "is required"));
    }
    let account_email =
        crate::identities::normalize(crate::identities::IdentityKind::Email, &batch.account_email)
            .map_err(|_| Error::invalid_field("account_email", "is not an email address"))?;
    let mut providers = batch.providers.clone();
    providers.dedup();
    if providers.is_empty() {
        return Err(Error::invalid_field(
            "providers",
            "must name Gmail, Google Calendar or both",
        ));
    }
    let id = new_id();
    let now = now_utc();
    connection.execute(
        "INSERT INTO sync_batches (id, account_id, account_email, providers_json,
             finished_providers_json, settings_json, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, '[]', ?5, 'approved', ?6, ?6)",
        params![
            id,
            account_id,
            account_email,
            serde_json::to_string(&providers)?,
            serde_json::to_string(&batch.settings)?,
            now,
        ],
    )?;
    audit(
        connection,
        &NewAuditEntry {
            batch_id: Some(id.clone()),
            account_id: account_id.to_owned(),
            provider: None,
            action: AuditAction::Approve,
            succeeded: true,
            details: serde_json::json!({ "providers": providers, "settings": batch.settings }),
        },
    )?;
    load(connection, &id)
}

pub(super) fn load(connection: &Connection, batch_id: &str) -> Result<SyncBatch> {
    connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM sync_batches WHERE id = ?1"))?
        .query_row([batch_id], batch_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found(ENTITY, batch_id))
}

/// A batch that may still write: `cancelled` once it has been undone.
pub(super) fn load_running(connection: &Connection, batch_id: &str) -> Result<SyncBatch> {
    let batch = load(connection, batch_id)?;
    if batch.status == SyncBatchStatus::Undone {
        return Err(Error::new(
            ErrorCode::Cancelled,
            format!("sync batch {batch_id} was undone; it writes nothing more"),
        ));
    }
    Ok(batch)
}

pub(super) fn list(
    connection: &Connection,
    account_id: Option<&str>,
    limit: u32,
) -> Result<Vec<SyncBatch>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sync_batches WHERE (?1 IS NULL OR account_id = ?1)
         ORDER BY created_at DESC, id DESC LIMIT ?2"
    ))?;
    let batches = statement
        .query_map(params![account_id, limit.max(1)], batch_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(batches)
}

pub(super) fn start(connection: &Connection, batch_id: &str) -> Result<SyncBatch> {
    let batch = load_running(connection, batch_id)?;
    if matches!(
        batch.status,
        SyncBatchStatus::Approved | SyncBatchStatus::Failed
    ) {
        connection.execute(
            "UPDATE sync_batches SET status = 'running', last_error = NULL, updated_at = ?2
             WHERE id = ?1",
            params![batch_id, now_utc()],
        )?;
    }
    load(connection, batch_id)
}

pub(super) fn finish_provider(
    connection: &Connection,
    batch_id: &str,
    provider: SyncProvider,
) -> Result<SyncBatch> {
    let batch = load_running(connection, batch_id)?;
    let mut finished = batch.finished_providers.clone();
    if !finished.contains(&provider) {
        finished.push(provider);
    }
    let complete = batch
        .providers
        .iter()
        .all(|wanted| finished.contains(wanted));
    let now = now_utc();
    connection.execute(
        "UPDATE sync_batches SET finished_providers_json = ?2, updated_at = ?3,
             status = CASE WHEN ?4 THEN 'completed' ELSE status END,
             completed_at = CASE WHEN ?4 THEN ?3 ELSE completed_at END
         WHERE id = ?1",
        params![batch_id, serde_json::to_string(&finished)?, now, complete],
    )?;
    load(connection, batch_id)
}

pub(super) fn fail(connection: &Connection, batch_id: &str, error: &str) -> Result<SyncBatch> {
    load_running(connection, batch_id)?;
    connection.execute(
        "UPDATE sync_batches SET status = 'failed', last_error = ?2, updated_at = ?3
         WHERE id = ?1",
        params![batch_id, error, now_utc()],
    )?;
    load(connection, batch_id)
}

/// Adds to a batch's counters.
pub(super) fn count(
    connection: &Connection,
    batch_id: &str,
    fetched: u32,
    normalized: u32,
    suggested: u32,
) -> Result<()> {
    connection
        .prepare_cached(
            "UPDATE sync_batches SET fetched = fetched + ?2, normalized = normalized + ?3,
                 suggested = suggested + ?4
             WHERE id = ?1",
        )?
        .execute(params![batch_id, fetched, normalized, suggested])?;
    Ok(())
}

pub(super) fn mark_undone(connection: &Connection, batch_id: &str) -> Result<()> {
    let now = now_utc();
    connection.execute(
        "UPDATE sync_batches SET status = 'undone', undone_at = ?2, updated_at = ?2 WHERE id = ?1",
        params![batch_id, now],
    )?;
    Ok(())
}

fn batch_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SyncBatch> {
    let providers: String = row.get(3)?;
    let finished: String = row.get(4)?;
    let settings: String = row.get(5)?;
    let status: String = row.get(6)?;
    Ok(SyncBatch {
        id: row.get(0)?,
        account_id: row.get(1)?,
        account_email: row.get(2)?,
        providers: serde_json::from_str(&providers).unwrap_or_default(),
        finished_providers: serde_json::from_str(&finished).unwrap_or_default(),
        settings: serde_json::from_str(&settings).unwrap_or(serde_json::Value::Null),
        status: SyncBatchStatus::parse(&status).unwrap_or(SyncBatchStatus::Failed),
        fetched: row.get(7)?,
        normalized: row.get(8)?,
        suggested: row.get(9)?,
        last_error: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        completed_at: row.get(13)?,
        undone_at: row.get(14)?,
    })
}

pub(super) fn audit(connection: &Connection, entry: &NewAuditEntry) -> Result<SyncAuditEntry> {
    if entry.account_id.trim().is_empty() {
        return Err(Error::invalid_field("account_id", "is required"));
    }
    let id = new_id();
    connection
        .prepare_cached(
            "INSERT INTO sync_audit (id, batch_id, account_id, provider, action, outcome,
                                     details_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            id,
            entry.batch_id,
            entry.account_id.trim(),
            entry.provider.map(SyncProvider::as_str),
            entry.action.as_str(),
            if entry.succeeded { "ok" } else { "failed" },
            serde_json::to_string(&entry.details)?,
            now_utc(),
        ])?;
    connection
        .prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM sync_audit WHERE id = ?1"
        ))?
        .query_row([&id], audit_from_row)
        .map_err(Error::from)
}

const AUDIT_COLUMNS: &str =
    "id, batch_id, account_id, provider, action, outcome, details_json, created_at";

pub(super) fn audit_of_batch(
    connection: &Connection,
    batch_id: &str,
) -> Result<Vec<SyncAuditEntry>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM sync_audit WHERE batch_id = ?1 ORDER BY created_at, id"
    ))?;
    let entries = statement
        .query_map([batch_id], audit_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

pub(super) fn audit_of_account(
    connection: &Connection,
    account_id: &str,
    limit: u32,
) -> Result<Vec<SyncAuditEntry>> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM sync_audit WHERE account_id = ?1
         ORDER BY created_at DESC, id DESC LIMIT ?2"
    ))?;
    let entries = statement
        .query_map(params![account_id, limit.max(1)], audit_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(entries)
}

fn audit_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SyncAuditEntry> {
    let provider: Option<String> = row.get(3)?;
    let action: String = row.get(4)?;
    let outcome: String = row.get(5)?;
    let details: String = row.get(6)?;
    Ok(SyncAuditEntry {
        id: row.get(0)?,
        batch_id: row.get(1)?,
        account_id: row.get(2)?,
        provider: provider.as_deref().and_then(SyncProvider::parse),
        action: AuditAction::parse(&action).unwrap_or(AuditAction::Run),
        succeeded: outcome == "ok",
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
        created_at: row.get(7)?,
    })
}

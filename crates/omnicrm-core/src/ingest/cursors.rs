//! Sync cursors: one row per (account, provider).

use rusqlite::{params, Connection, OptionalExtension};

use super::{CursorUpdate, SyncBatch, SyncCursor, SyncProvider};
use crate::error::Result;
use crate::time::now_utc;

pub(super) fn load(
    connection: &Connection,
    account_id: &str,
    provider: SyncProvider,
) -> Result<Option<SyncCursor>> {
    let cursor = connection
        .prepare_cached(
            "SELECT cursor, page_stream, page_token, batch_id, updated_at FROM sync_cursors
             WHERE account_id = ?1 AND provider = ?2",
        )?
        .query_row(params![account_id, provider.as_str()], |row| {
            Ok(SyncCursor {
                account_id: account_id.to_owned(),
                provider,
                cursor: row.get(0)?,
                page_stream: row.get(1)?,
                page_token: row.get(2)?,
                batch_id: row.get(3)?,
                updated_at: row.get(4)?,
            })
        })
        .optional()?;
    Ok(cursor)
}

pub(super) fn save(
    connection: &Connection,
    batch: &SyncBatch,
    provider: SyncProvider,
    update: &CursorUpdate,
) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO sync_cursors (account_id, provider, cursor, page_stream, page_token,
                                       batch_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (account_id, provider) DO UPDATE SET
                 cursor = excluded.cursor, page_stream = excluded.page_stream,
                 page_token = excluded.page_token, batch_id = excluded.batch_id,
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            batch.account_id,
            provider.as_str(),
            update.cursor,
            update.page_stream,
            update.page_token,
            batch.id,
            now_utc(),
        ])?;
    Ok(())
}

/// Forgets where the account's syncs of these providers stood, so the next sync of each
/// starts with a full one.
pub(super) fn forget(
    connection: &Connection,
    account_id: &str,
    providers: &[SyncProvider],
) -> Result<()> {
    for provider in providers {
        connection.execute(
            "DELETE FROM sync_cursors WHERE account_id = ?1 AND provider = ?2",
            params![account_id, provider.as_str()],
        )?;
    }
    Ok(())
}

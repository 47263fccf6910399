//! The sync client's device-local tables: the connection to the team's server and each synced
//! record's Automerge document (migration 0015). None of it syncs; the device token is kept in
//! the secret store, never here.

use std::collections::HashMap;

use automerge::{Automerge, ChangeHash};
use omnicrm_core::{Error, Result};
use omnicrm_sync::conflicts::{field_conflicts, FieldConflict};
use omnicrm_sync::DocumentId;
use rusqlite::{params, Connection, OptionalExtension};

/// The workspace this device is connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceConnection {
    pub server: String,
    pub workspace_id: String,
    pub workspace_name: String,
    pub root_document_id: DocumentId,
    pub token_account: String,
    pub share_health_details: bool,
    pub change_log_seq: i64,
    pub last_synced_at: Option<String>,
    pub last_error: Option<String>,
    /// The team member the device token belongs to, as the server names them: the name this
    /// device's document changes are signed with.
    pub member_name: Option<String>,
}

/// A stored document.
pub struct StoredDocument {
    pub document_id: DocumentId,
    pub record_id: Option<String>,
    pub document: Automerge,
    pub heads: String,
    pub sent_heads: String,
}

/// Heads as stored: hex hashes, sorted, comma-separated.
pub fn heads_text(document: &Automerge) -> String {
    let mut heads: Vec<String> = document
        .get_heads()
        .iter()
        .map(ChangeHash::to_string)
        .collect();
    heads.sort();
    heads.join(",")
}

pub fn load_connection(connection: &Connection) -> Result<Option<WorkspaceConnection>> {
    let row = connection
        .query_row(
            "SELECT server, workspace_id, workspace_name, root_document_id, share_health_details,
                    change_log_seq, last_synced_at, last_error, token_account, member_name
             FROM sync_connection WHERE id = 1",
            [],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, Option<String>>(6)?,
                    row.get::<_, Option<String>>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, Option<String>>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((
        server,
        workspace_id,
        workspace_name,
        root,
        share,
        seq,
        synced,
        error,
        token_account,
        member_name,
    )) = row
    else {
        return Ok(None);
    };
    let root_document_id = root.parse::<DocumentId>().map_err(|error| {
        Error::internal(format!(
            "the stored workspace root id is not valid: {error}"
        ))
    })?;
    Ok(Some(WorkspaceConnection {
        server,
        workspace_id,
        workspace_name,
        root_document_id,
        token_account,
        share_health_details: share,
        change_log_seq: seq,
        last_synced_at: synced,
        last_error: error,
        member_name,
    }))
}

pub fn save_connection(
    connection: &Connection,
    value: &WorkspaceConnection,
    now: &str,
) -> Result<()> {
    connection.execute(
        "INSERT INTO sync_connection (id, server, workspace_id, workspace_name, root_document_id,
                                      share_health_details, change_log_seq, connected_at,
                                      token_account, member_name)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
             server = excluded.server, workspace_id = excluded.workspace_id,
             workspace_name = excluded.workspace_name,
             root_document_id = excluded.root_document_id,
             share_health_details = excluded.share_health_details,
             change_log_seq = excluded.change_log_seq, connected_at = excluded.connected_at,
             token_account = excluded.token_account, member_name = excluded.member_name,
             last_synced_at = NULL, last_error = NULL",
        params![
            value.server,
            value.workspace_id,
            value.workspace_name,
            value.root_document_id.to_string(),
            value.share_health_details,
            value.change_log_seq,
            now,
            value.token_account,
            value.member_name,
        ],
    )?;
    Ok(())
}

pub fn set_change_log_seq(connection: &Connection, seq: i64) -> Result<()> {
    connection.execute(
        "UPDATE sync_connection SET change_log_seq = ?1 WHERE id = 1",
        [seq],
    )?;
    Ok(())
}

pub fn set_outcome(
    connection: &Connection,
    synced_at: Option<&str>,
    error: Option<&str>,
) -> Result<()> {
    match synced_at {
        Some(at) => connection.execute(
            "UPDATE sync_connection SET last_synced_at = ?1, last_error = NULL WHERE id = 1",
            [at],
        )?,
        None => connection.execute(
            "UPDATE sync_connection SET last_error = ?1 WHERE id = 1",
            [error],
        )?,
    };
    Ok(())
}

/// Forgets the connection and every document (the records stay).
pub fn forget_all(connection: &Connection) -> Result<()> {
    connection.execute("DELETE FROM sync_tag_aliases", [])?;
    connection.execute("DELETE FROM sync_conflicts", [])?;
    connection.execute("DELETE FROM sync_documents", [])?;
    connection.execute("DELETE FROM sync_connection", [])?;
    Ok(())
}

/// A `sync_documents` row as read: document id, record id, bytes, heads, sent heads.
type DocumentRow = (String, Option<String>, Vec<u8>, String, String);

fn document_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode(
    (document_id, record_id, bytes, heads, sent_heads): DocumentRow,
) -> Result<StoredDocument> {
    let document_id = document_id
        .parse::<DocumentId>()
        .map_err(|error| Error::internal(format!("a stored document id is not valid: {error}")))?;
    let document = Automerge::load(&bytes).map_err(|error| {
        Error::internal(format!(
            "stored document {document_id} does not load: {error}"
        ))
    })?;
    Ok(StoredDocument {
        document_id,
        record_id,
        document,
        heads,
        sent_heads,
    })
}

pub fn load_by_record(connection: &Connection, record_id: &str) -> Result<Option<StoredDocument>> {
    let row = connection
        .query_row(
            "SELECT document_id, record_id, bytes, heads, sent_heads FROM sync_documents
             WHERE record_id = ?1",
            [record_id],
            document_from_row,
        )
        .optional()?;
    row.map(decode).transpose()
}

pub fn load_by_id(
    connection: &Connection,
    document_id: &DocumentId,
) -> Result<Option<StoredDocument>> {
    let row = connection
        .prepare_cached(
            "SELECT document_id, record_id, bytes, heads, sent_heads FROM sync_documents
             WHERE document_id = ?1",
        )?
        .query_row([document_id.to_string()], document_from_row)
        .optional()?;
    row.map(decode).transpose()
}

/// Heads as [`heads_text`] writes them; `None` for text that is not heads (or no heads).
pub fn parse_heads(text: &str) -> Option<Vec<ChangeHash>> {
    let heads = text
        .split(',')
        .filter(|head| !head.is_empty())
        .map(|head| head.parse::<ChangeHash>().ok())
        .collect::<Option<Vec<_>>>()?;
    (!heads.is_empty()).then_some(heads)
}

/// What is stored of a document besides its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHeads {
    pub heads: String,
    pub sent_heads: String,
}

/// Every stored document's heads, without reading the documents, keyed by the document id
/// as stored (text).
pub fn list_heads(connection: &Connection) -> Result<HashMap<String, StoredHeads>> {
    let mut statement =
        connection.prepare_cached("SELECT document_id, heads, sent_heads FROM sync_documents")?;
    let listed = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                StoredHeads {
                    heads: row.get(1)?,
                    sent_heads: row.get(2)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(listed)
}

/// The stored documents among `ids` (as stored: text).
pub fn load_many(connection: &Connection, ids: &[String]) -> Result<Vec<StoredDocument>> {
    let mut statement = connection.prepare_cached(
        "SELECT document_id, record_id, bytes, heads, sent_heads FROM sync_documents
         WHERE document_id = ?1",
    )?;
    let mut loaded = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = statement.query_row([id], document_from_row).optional()? {
            loaded.push(decode(row)?);
        }
    }
    Ok(loaded)
}

pub fn load_all(connection: &Connection) -> Result<Vec<StoredDocument>> {
    let mut statement = connection.prepare_cached(
        "SELECT document_id, record_id, bytes, heads, sent_heads FROM sync_documents",
    )?;
    let rows = statement
        .query_map([], document_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

/// Stores a document (new or changed). `sent_heads` is kept unless given. `saved` is the
/// document's bytes when they are at hand already (as downloaded): saving again is skipped.
#[allow(clippy::too_many_arguments)]
pub fn save_document(
    connection: &Connection,
    document_id: &DocumentId,
    record_id: Option<&str>,
    kind: &str,
    document: &Automerge,
    saved: Option<&[u8]>,
    sent_heads: Option<&str>,
    now: &str,
) -> Result<()> {
    let bytes = match saved {
        Some(bytes) => std::borrow::Cow::Borrowed(bytes),
        None => std::borrow::Cow::Owned(document.save()),
    };
    let conflicts = match record_id {
        Some(_) => field_conflicts(document).map_err(|error| {
            Error::internal(format!(
                "could not read the conflicts of a document: {error}"
            ))
        })?,
        None => Vec::new(),
    };
    let stored = StoredParts {
        heads: &heads_text(document),
        bytes: &bytes,
        conflicts: &conflicts,
    };
    store_document(
        connection,
        document_id,
        record_id,
        kind,
        stored,
        sent_heads,
        now,
    )
}

/// What is stored of a document, worked out beforehand.
#[derive(Clone, Copy)]
pub struct StoredParts<'a> {
    pub heads: &'a str,
    pub bytes: &'a [u8],
    /// The document's conflicting fields (kept for its record).
    pub conflicts: &'a [FieldConflict],
}

/// Stores a document from parts worked out beforehand (see [`save_document`]).
pub fn store_document(
    connection: &Connection,
    document_id: &DocumentId,
    record_id: Option<&str>,
    kind: &str,
    stored: StoredParts<'_>,
    sent_heads: Option<&str>,
    now: &str,
) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO sync_documents (document_id, record_id, kind, bytes, heads, sent_heads,
                                         updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, COALESCE(?6, ''), ?7)
             ON CONFLICT (document_id) DO UPDATE SET
                 bytes = excluded.bytes, heads = excluded.heads,
                 sent_heads = COALESCE(?6, sync_documents.sent_heads),
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            document_id.to_string(),
            record_id,
            kind,
            stored.bytes,
            stored.heads,
            sent_heads,
            now
        ])?;
    if let Some(record_id) = record_id {
        crate::conflicts::store(connection, record_id, kind, stored.conflicts, now)?;
    }
    Ok(())
}

/// Records that the server holds the document at `heads`.
pub fn mark_sent(connection: &Connection, document_id: &DocumentId, heads: &str) -> Result<()> {
    connection.execute(
        "UPDATE sync_documents SET sent_heads = ?2 WHERE document_id = ?1",
        params![document_id.to_string(), heads],
    )?;
    Ok(())
}

/// Documents with changes the server is not known to hold.
pub fn unsent_count(connection: &Connection) -> Result<u32> {
    Ok(connection.query_row(
        "SELECT COUNT(*) FROM sync_documents WHERE heads <> sent_heads",
        [],
        |row| row.get(0),
    )?)
}

/// The kind of record (`contact`, `note`, …, or `root`) stored document `document_id` holds.
pub fn kind_of(connection: &Connection, document_id: DocumentId) -> Result<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT kind FROM sync_documents WHERE document_id = ?1")?
        .query_row([document_id.to_string()], |row| row.get(0))
        .optional()?)
}

/// The older team tag that tag `tag_id` of this device follows, if any (see
/// `sync_tag_aliases`).
pub fn followed_tag(connection: &Connection, tag_id: &str) -> Result<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT record_id FROM sync_tag_aliases WHERE tag_id = ?1")?
        .query_row([tag_id], |row| row.get(0))
        .optional()?)
}

/// From now on tag `tag_id` of this device follows team tag `record_id`.
pub fn follow_tag(connection: &Connection, tag_id: &str, record_id: &str) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO sync_tag_aliases (tag_id, record_id) VALUES (?1, ?2)
             ON CONFLICT (tag_id) DO UPDATE SET record_id = excluded.record_id",
        )?
        .execute(params![tag_id, record_id])?;
    Ok(())
}

/// The tag of this device that follows team tag `record_id`, if any.
pub fn tag_following(connection: &Connection, record_id: &str) -> Result<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT tag_id FROM sync_tag_aliases WHERE record_id = ?1")?
        .query_row([record_id], |row| row.get(0))
        .optional()?)
}

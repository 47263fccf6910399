//! Durable documents: incremental chunks plus compacted snapshots.
//!
//! Every merge that changes a document appends one chunk (the changes since the previous
//! heads) under the document row's lock, which also bumps `documents.seq`; so per-document
//! chunk order is commit order and other instances can catch up by "seq greater than mine".
//! Compaction takes the same lock, rebuilds the document from exactly the rows it read,
//! checks the snapshot reproduces the same heads, and only then replaces those rows: a change
//! can never be lost by compacting.

use automerge::Automerge;
use deadpool_postgres::{GenericClient, Pool};
use omnicrm_sync::DocumentId;
use uuid::Uuid;

use crate::error::ApiError;

/// The NOTIFY channel for stored changes; payload `<instance id> <document id>`.
pub const CHANGES_CHANNEL: &str = "omnicrm_sync_changes";

/// A document as stored.
pub struct StoredDocument {
    pub workspace_id: Uuid,
    pub document: Automerge,
    pub seq: i64,
    pub stored_bytes: i64,
}

/// Who wrote a chunk, for the audit log.
pub struct Author {
    pub token_id: Uuid,
    pub member_id: Option<Uuid>,
    pub connection_id: Uuid,
    pub instance_id: Uuid,
}

/// The workspace owning a document, if it exists.
pub async fn owner(pool: &Pool, id: DocumentId) -> Result<Option<Uuid>, ApiError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT workspace_id FROM documents WHERE id = $1",
            &[&id.to_string()],
        )
        .await?;
    Ok(row.map(|row| row.get(0)))
}

/// Creates the document for `workspace_id` unless it exists; returns its owner afterwards.
pub async fn claim(pool: &Pool, id: DocumentId, workspace_id: Uuid) -> Result<Uuid, ApiError> {
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO documents (id, workspace_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            &[&id.to_string(), &workspace_id],
        )
        .await?;
    let row = client
        .query_one(
            "SELECT workspace_id FROM documents WHERE id = $1",
            &[&id.to_string()],
        )
        .await?;
    Ok(row.get(0))
}

/// Loads a document from its chunks.
pub async fn load(pool: &Pool, id: DocumentId) -> Result<Option<StoredDocument>, ApiError> {
    let client = pool.get().await?;
    let Some(row) = client
        .query_opt(
            "SELECT workspace_id, seq, stored_bytes FROM documents WHERE id = $1",
            &[&id.to_string()],
        )
        .await?
    else {
        return Ok(None);
    };
    let (workspace_id, seq, stored_bytes): (Uuid, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let mut document = Automerge::new();
    let chunks = client
        .query(
            "SELECT data FROM document_chunks WHERE document_id = $1 AND seq <= $2 ORDER BY seq",
            &[&id.to_string(), &seq],
        )
        .await?;
    for chunk in chunks {
        let data: Vec<u8> = chunk.get(0);
        document.load_incremental(&data).map_err(|error| {
            ApiError::internal(format!("stored document {id} is unreadable: {error}"))
        })?;
    }
    Ok(Some(StoredDocument {
        workspace_id,
        document,
        seq,
        stored_bytes,
    }))
}

/// Chunks stored after `seq`, in order, with the newest seq.
pub async fn chunks_after(
    pool: &Pool,
    id: DocumentId,
    seq: i64,
) -> Result<(Vec<Vec<u8>>, i64), ApiError> {
    let client = pool.get().await?;
    let rows = client
        .query("SELECT seq, data FROM document_chunks WHERE document_id = $1 AND seq > $2 ORDER BY seq", &[&id.to_string(), &seq])
        .await?;
    let newest = rows.last().map(|row| row.get::<_, i64>(0)).unwrap_or(seq);
    Ok((rows.into_iter().map(|row| row.get(1)).collect(), newest))
}

/// Appends one incremental chunk with its audit entry and notifies other instances; returns
/// (the chunk's seq, how many incremental chunks the document has now).
pub async fn append(
    pool: &Pool,
    id: DocumentId,
    workspace_id: Uuid,
    data: &[u8],
    author: &Author,
) -> Result<(i64, i64), ApiError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let length = data.len() as i64;
    let row = transaction
        .query_opt(
            "UPDATE documents SET seq = seq + 1, stored_bytes = stored_bytes + $3, updated_at = now()
             WHERE id = $1 AND workspace_id = $2 RETURNING seq",
            &[&id.to_string(), &workspace_id, &length],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("document {id} is not in this workspace")))?;
    let seq: i64 = row.get(0);
    transaction
        .execute(
            "INSERT INTO document_chunks (document_id, seq, kind, data) VALUES ($1, $2, 'incremental', $3)",
            &[&id.to_string(), &seq, &data],
        )
        .await?;
    transaction
        .execute(
            "INSERT INTO audit_log (workspace_id, document_id, token_id, member_id, connection_id, change_bytes)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&workspace_id, &id.to_string(), &author.token_id, &author.member_id, &author.connection_id, &length],
        )
        .await?;
    let count = transaction
        .query_one(
            "SELECT count(*) FROM document_chunks WHERE document_id = $1 AND kind = 'incremental'",
            &[&id.to_string()],
        )
        .await?;
    let payload = format!("{} {id}", author.instance_id);
    transaction
        .execute("SELECT pg_notify($1, $2)", &[&CHANGES_CHANNEL, &payload])
        .await?;
    transaction.commit().await?;
    Ok((seq, count.get(0)))
}

/// Stores a new document as one snapshot (workspace roots at creation).
pub async fn insert_snapshot(
    client: &impl GenericClient,
    id: DocumentId,
    workspace_id: Uuid,
    data: &[u8],
) -> Result<(), ApiError> {
    let length = data.len() as i64;
    client
        .execute(
            "INSERT INTO documents (id, workspace_id, seq, stored_bytes) VALUES ($1, $2, 1, $3)",
            &[&id.to_string(), &workspace_id, &length],
        )
        .await?;
    client
        .execute(
            "INSERT INTO document_chunks (document_id, seq, kind, data) VALUES ($1, 1, 'snapshot', $2)",
            &[&id.to_string(), &data],
        )
        .await?;
    Ok(())
}

/// Replaces a document's chunks by one snapshot. Returns how many rows it replaced.
pub async fn compact(pool: &Pool, id: DocumentId) -> Result<usize, ApiError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let Some(row) = transaction
        .query_opt(
            "SELECT seq FROM documents WHERE id = $1 FOR UPDATE",
            &[&id.to_string()],
        )
        .await?
    else {
        return Ok(0);
    };
    let seq: i64 = row.get(0);
    let rows = transaction
        .query(
            "SELECT data FROM document_chunks WHERE document_id = $1 AND seq <= $2 ORDER BY seq",
            &[&id.to_string(), &seq],
        )
        .await?;
    if rows.len() < 2 {
        return Ok(0);
    }
    let mut document = Automerge::new();
    for row in &rows {
        let data: Vec<u8> = row.get(0);
        document.load_incremental(&data).map_err(|error| {
            ApiError::internal(format!("not compacting unreadable document {id}: {error}"))
        })?;
    }
    let snapshot = document.save();
    let reloaded = Automerge::load(&snapshot)
        .map_err(|error| ApiError::internal(format!("snapshot of {id} does not load: {error}")))?;
    if reloaded.get_heads() != document.get_heads() {
        return Err(ApiError::internal(format!(
            "snapshot of {id} lost changes; not compacting"
        )));
    }
    let new_seq = seq + 1;
    let length = snapshot.len() as i64;
    transaction
        .execute(
            "DELETE FROM document_chunks WHERE document_id = $1 AND seq <= $2",
            &[&id.to_string(), &seq],
        )
        .await?;
    transaction
        .execute(
            "INSERT INTO document_chunks (document_id, seq, kind, data) VALUES ($1, $2, 'snapshot', $3)",
            &[&id.to_string(), &new_seq, &snapshot],
        )
        .await?;
    transaction
        .execute(
            "UPDATE documents SET seq = $2, stored_bytes = $3 WHERE id = $1",
            &[&id.to_string(), &new_seq, &length],
        )
        .await?;
    transaction.commit().await?;
    Ok(rows.len())
}

/// Every document id of a workspace.
pub async fn workspace_documents(
    pool: &Pool,
    workspace_id: Uuid,
) -> Result<Vec<DocumentId>, ApiError> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "SELECT id FROM documents WHERE workspace_id = $1 ORDER BY id",
            &[&workspace_id],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| row.get::<_, String>(0).parse().ok())
        .collect())
}

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
    let statement = client
        .prepare_cached("SELECT workspace_id FROM documents WHERE id = $1")
        .await?;
    let row = client.query_opt(&statement, &[&id.to_string()]).await?;
    Ok(row.map(|row| row.get(0)))
}

/// Creates the document for `workspace_id` unless it exists, in one statement. Returns its
/// owner afterwards, and whether this call created it (then it is known to be empty).
pub async fn claim(
    pool: &Pool,
    id: DocumentId,
    workspace_id: Uuid,
) -> Result<(Uuid, bool), ApiError> {
    let client = pool.get().await?;
    // The outer SELECT runs on the statement's snapshot, which does not include the row the
    // CTE inserts: exactly one of the two branches answers.
    let statement = client
        .prepare_cached(
            "WITH inserted AS (
                 INSERT INTO documents (id, workspace_id) VALUES ($1, $2)
                 ON CONFLICT (id) DO NOTHING RETURNING workspace_id
             )
             SELECT workspace_id, true FROM inserted
             UNION ALL
             SELECT workspace_id, false FROM documents WHERE id = $1",
        )
        .await?;
    let row = client
        .query_one(&statement, &[&id.to_string(), &workspace_id])
        .await?;
    Ok((row.get(0), row.get(1)))
}

/// Loads a document from its chunks (one query).
pub async fn load(pool: &Pool, id: DocumentId) -> Result<Option<StoredDocument>, ApiError> {
    load_with(pool, id, None).await
}

/// Loads a document if it belongs to `workspace_id` (one query); `None` when it does not
/// exist or belongs to another workspace, whose chunks are then not even read.
pub async fn load_in_workspace(
    pool: &Pool,
    id: DocumentId,
    workspace_id: Uuid,
) -> Result<Option<StoredDocument>, ApiError> {
    Ok(load_with(pool, id, Some(workspace_id))
        .await?
        .filter(|stored| stored.workspace_id == workspace_id))
}

async fn load_with(
    pool: &Pool,
    id: DocumentId,
    workspace_id: Option<Uuid>,
) -> Result<Option<StoredDocument>, ApiError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(
            "SELECT d.workspace_id, d.seq, d.stored_bytes, c.data
             FROM documents d
             LEFT JOIN document_chunks c ON c.document_id = d.id AND c.seq <= d.seq
                 AND ($2::uuid IS NULL OR d.workspace_id = $2::uuid)
             WHERE d.id = $1
             ORDER BY c.seq",
        )
        .await?;
    let rows = client
        .query(&statement, &[&id.to_string(), &workspace_id])
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (workspace_id, seq, stored_bytes): (Uuid, i64, i64) =
        (first.get(0), first.get(1), first.get(2));
    let chunks = rows
        .iter()
        .filter_map(|row| row.get::<_, Option<Vec<u8>>>(3));
    let document = assemble(id, chunks)?;
    Ok(Some(StoredDocument {
        workspace_id,
        document,
        seq,
        stored_bytes,
    }))
}

/// Builds a document from its stored chunks, in seq order.
fn assemble(
    id: DocumentId,
    chunks: impl IntoIterator<Item = Vec<u8>>,
) -> Result<Automerge, ApiError> {
    let mut document = Automerge::new();
    for data in chunks {
        document.load_incremental(&data).map_err(|error| {
            ApiError::internal(format!("stored document {id} is unreadable: {error}"))
        })?;
    }
    Ok(document)
}

/// Loads many documents of one workspace in one query (a new client's initial sync asks for
/// every record of the workspace). Ids that do not exist or belong to another workspace are
/// left out; an unreadable document is left out with a warning, and fails again (with its
/// error) when it is opened on its own.
pub async fn load_many(
    pool: &Pool,
    ids: &[DocumentId],
    workspace_id: Uuid,
) -> Result<Vec<(DocumentId, StoredDocument)>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(
            "SELECT d.id, d.seq, d.stored_bytes, c.data
             FROM documents d
             LEFT JOIN document_chunks c ON c.document_id = d.id AND c.seq <= d.seq
             WHERE d.id = ANY($1) AND d.workspace_id = $2
             ORDER BY d.id, c.seq",
        )
        .await?;
    let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = client.query(&statement, &[&texts, &workspace_id]).await?;
    drop(client);
    // Decoding thousands of documents is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut loaded = Vec::new();
        let mut index = 0;
        while let Some(first) = rows.get(index) {
            let text: String = first.get(0);
            let (seq, stored_bytes): (i64, i64) = (first.get(1), first.get(2));
            let mut chunks = Vec::new();
            while let Some(row) = rows.get(index) {
                if row.get::<_, &str>(0) != text {
                    break;
                }
                if let Some(data) = row.get::<_, Option<Vec<u8>>>(3) {
                    chunks.push(data);
                }
                index += 1;
            }
            let Ok(id) = text.parse::<DocumentId>() else {
                continue;
            };
            match assemble(id, chunks) {
                Ok(document) => loaded.push((
                    id,
                    StoredDocument {
                        workspace_id,
                        document,
                        seq,
                        stored_bytes,
                    },
                )),
                Err(error) => tracing::warn!(%error, document = %id, "not preloaded"),
            }
        }
        loaded
    })
    .await
    .map_err(|error| ApiError::internal(format!("loading documents failed: {error}")))
}

/// Documents per query of a workspace snapshot.
const SNAPSHOT_PAGE: i64 = 2_000;

/// One page of a workspace's documents as stored, in id order after `after` (empty for the
/// first page): each document's id and its stored chunks, concatenated (Automerge loads them
/// as one). `None` once there are no more.
pub async fn snapshot_page(
    pool: &Pool,
    workspace_id: Uuid,
    after: &str,
) -> Result<Option<(String, Vec<(String, Vec<u8>)>)>, ApiError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(
            "WITH page AS (SELECT id, seq FROM documents
                           WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3)
             SELECT p.id, c.data FROM page p
             JOIN document_chunks c ON c.document_id = p.id AND c.seq <= p.seq
             ORDER BY p.id, c.seq",
        )
        .await?;
    let rows = client
        .query(&statement, &[&workspace_id, &after, &SNAPSHOT_PAGE])
        .await?;
    let mut documents: Vec<(String, Vec<u8>)> = Vec::new();
    for row in rows {
        let id: String = row.get(0);
        let data: Vec<u8> = row.get(1);
        match documents.last_mut() {
            Some((last, bytes)) if *last == id => bytes.extend_from_slice(&data),
            _ => documents.push((id, data)),
        }
    }
    Ok(documents
        .last()
        .map(|(last, _)| last.clone())
        .map(|last| (last, documents)))
}

/// Chunks stored after `seq`, in order, with the newest seq.
pub async fn chunks_after(
    pool: &Pool,
    id: DocumentId,
    seq: i64,
) -> Result<(Vec<Vec<u8>>, i64), ApiError> {
    let client = pool.get().await?;
    let statement = client
        .prepare_cached(
            "SELECT seq, data FROM document_chunks WHERE document_id = $1 AND seq > $2 ORDER BY seq",
        )
        .await?;
    let rows = client.query(&statement, &[&id.to_string(), &seq]).await?;
    let newest = rows.last().map(|row| row.get::<_, i64>(0)).unwrap_or(seq);
    Ok((rows.into_iter().map(|row| row.get(1)).collect(), newest))
}

/// Appends one incremental chunk with its audit entry and notifies other instances; returns
/// (the chunk's seq, how many incremental chunks the document has now).
///
/// One statement, so one round trip and one implicit transaction: the row lock on the
/// document (which orders its chunks), the chunk, the audit row and the NOTIFY (sent at
/// commit) succeed or fail together.
pub async fn append(
    client: &impl GenericClient,
    id: DocumentId,
    workspace_id: Uuid,
    data: &[u8],
    author: &Author,
) -> Result<(i64, i64), ApiError> {
    let length = data.len() as i64;
    let statement = client
        .prepare_cached(
            "WITH bumped AS (
                 UPDATE documents SET seq = seq + 1, stored_bytes = stored_bytes + $3, updated_at = now()
                 WHERE id = $1 AND workspace_id = $2 RETURNING seq
             ),
             chunk AS (
                 INSERT INTO document_chunks (document_id, seq, kind, data)
                 SELECT $1, seq, 'incremental', $4 FROM bumped RETURNING seq
             ),
             audit AS (
                 INSERT INTO audit_log (workspace_id, document_id, token_id, member_id, connection_id, change_bytes)
                 SELECT $2, $1, $5, $6, $7, $3 FROM bumped
             ),
             notified AS (SELECT pg_notify($8, $9) FROM bumped)
             SELECT chunk.seq,
                    -- The statement's snapshot does not see the chunk it inserts: count it.
                    (SELECT count(*) FROM document_chunks
                     WHERE document_id = $1 AND kind = 'incremental') + 1
             FROM chunk, notified",
        )
        .await?;
    let payload = format!("{} {id}", author.instance_id);
    let row = client
        .query_opt(
            &statement,
            &[
                &id.to_string(),
                &workspace_id,
                &length,
                &data,
                &author.token_id,
                &author.member_id,
                &author.connection_id,
                &CHANGES_CHANNEL,
                &payload,
            ],
        )
        .await?
        .ok_or_else(|| ApiError::not_found(format!("document {id} is not in this workspace")))?;
    Ok((row.get(0), row.get(1)))
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
    let chunks: Vec<Vec<u8>> = rows.iter().map(|row| row.get(0)).collect();
    let replaced = chunks.len();
    // Loading and saving is CPU work: off the connections' threads.
    let snapshot = tokio::task::spawn_blocking(move || snapshot_of(id, &chunks))
        .await
        .map_err(|error| ApiError::internal(format!("compaction of {id} stopped: {error}")))??;
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
    Ok(replaced)
}

/// One snapshot holding every change of `chunks`, checked to reload with the same heads.
fn snapshot_of(id: DocumentId, chunks: &[Vec<u8>]) -> Result<Vec<u8>, ApiError> {
    let mut document = Automerge::new();
    for data in chunks {
        document.load_incremental(data).map_err(|error| {
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
    Ok(snapshot)
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

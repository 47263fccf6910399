//! Embedding records in the background: the durable `search.embed` job.
//!
//! Which records need embedding is kept in the database, in the writing transaction: the
//! search triggers (migration 0010) clear `search_documents.embedded_model` whenever a
//! record's text changes. The job embeds records whose value is not the current model's id,
//! newest first, in batches, and sets it. So nothing is missed across crashes (a crashed batch
//! is simply still pending), a new model re-embeds everything in the background, and enqueueing
//! after writes only needs to make sure one job is waiting ([`enqueue_embedding`]).

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use omnicrm_core::{Database, Result};
use omnicrm_jobs::{
    Job, JobContext, JobFailure, JobOutcome, JobQueue, JobRunner, NewJob, Schedule,
};

use crate::chunks;
use crate::embedder::Embedder;
use crate::records::{self, embedding_text};
use crate::types::ItemKind;
use crate::vectors;

/// The job kind.
pub const EMBED_JOB: &str = "search.embed";
/// Records per batch (one transaction each).
pub const BATCH_RECORDS: usize = 32;
/// Texts per call to the embedder.
pub const EMBED_BATCH_TEXTS: usize = 32;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6 * 60 * 60);

/// Embeds pending records with one embedder.
#[derive(Clone)]
pub struct EmbeddingIndexer {
    database: Database,
    embedder: Arc<dyn Embedder>,
}

/// What one run embedded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexReport {
    pub records: u32,
    pub chunks_embedded: u32,
    pub chunks_reused: u32,
}

struct Pending {
    doc: i64,
    kind: ItemKind,
    item_id: String,
}

struct Planned {
    doc: i64,
    kind: ItemKind,
    item_id: String,
    /// (text, hash, existing chunk embedding when the same text was embedded by this model)
    chunks: Vec<(String, String, Option<Vec<u8>>)>,
}

impl EmbeddingIndexer {
    pub fn new(database: Database, embedder: Arc<dyn Embedder>) -> Self {
        Self { database, embedder }
    }

    /// How many records wait to be embedded by this model.
    /// Whether any record waits for an embedding by this model (one indexed lookup).
    pub fn has_pending(&self) -> Result<bool> {
        let model = self.embedder.model_id().to_owned();
        self.database.read(|connection| {
            Ok(connection.query_row(
                "SELECT EXISTS (SELECT 1 FROM search_documents WHERE embedded_model IS NULL)
                     OR EXISTS (SELECT 1 FROM search_documents
                                WHERE embedded_model < ?1 OR embedded_model > ?1)",
                [model],
                |row| row.get(0),
            )?)
        })
    }

    pub fn pending(&self) -> Result<u32> {
        let model = self.embedder.model_id().to_owned();
        self.database.read(|connection| {
            Ok(connection.query_row(
                "SELECT count(*) FROM search_documents
                 WHERE embedded_model IS NULL OR embedded_model <> ?1",
                [model],
                |row| row.get(0),
            )?)
        })
    }

    /// Embeds up to [`BATCH_RECORDS`] pending records; returns how many it handled (0 when
    /// nothing is pending).
    pub async fn run_batch(&self) -> Result<IndexReport> {
        let model = self.embedder.model_id().to_owned();
        let skip_private = self.embedder.is_remote();
        let database = self.database.clone();
        let planned = self
            .database
            .run(move |_| plan_batch(&database, &model, skip_private))
            .await?;
        if planned.is_empty() {
            return Ok(IndexReport::default());
        }
        let texts: Vec<String> = planned
            .iter()
            .flat_map(|record| record.chunks.iter())
            .filter(|(_, _, reused)| reused.is_none())
            .map(|(text, _, _)| text.clone())
            .collect();
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(EMBED_BATCH_TEXTS) {
            vectors.extend(self.embedder.embed(batch).await?);
        }
        let model = self.embedder.model_id().to_owned();
        let dimensions = self.embedder.dimensions();
        let report = IndexReport {
            records: u32::try_from(planned.len()).unwrap_or(u32::MAX),
            chunks_embedded: u32::try_from(vectors.len()).unwrap_or(u32::MAX),
            chunks_reused: u32::try_from(
                planned
                    .iter()
                    .flat_map(|record| record.chunks.iter())
                    .filter(|chunk| chunk.2.is_some())
                    .count(),
            )
            .unwrap_or(u32::MAX),
        };
        self.database
            .run(move |database| {
                database.write(|transaction| {
                    store_batch(transaction, &model, dimensions, planned, vectors)
                })
            })
            .await?;
        Ok(report)
    }

    /// Embeds until nothing is pending, reporting `(done, total)` after each batch; stops
    /// early when `progress` returns `true` (cancelled).
    pub async fn run_until_done<F, Fut>(&self, mut progress: F) -> Result<IndexReport>
    where
        F: FnMut(u32, u32) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let dimensions = self.embedder.dimensions();
        self.database
            .run(move |database| {
                database.write(|transaction| {
                    vectors::ensure_bits_table(transaction, dimensions)?;
                    vectors::purge_orphans(transaction, dimensions).map(drop)
                })
            })
            .await?;
        let total = self.pending()?;
        let mut report = IndexReport::default();
        loop {
            let batch = self.run_batch().await?;
            if batch.records == 0 {
                return Ok(report);
            }
            report.records += batch.records;
            report.chunks_embedded += batch.chunks_embedded;
            report.chunks_reused += batch.chunks_reused;
            if progress(report.records.min(total), total).await {
                return Err(omnicrm_core::Error::new(
                    omnicrm_core::ErrorCode::Cancelled,
                    "embedding was cancelled",
                ));
            }
        }
    }
}

fn plan_batch(database: &Database, model: &str, skip_private: bool) -> Result<Vec<Planned>> {
    database.read(|connection| {
        let pending: Vec<Pending> = connection
            .prepare_cached(
                "SELECT doc, kind, item_id FROM search_documents
                 WHERE embedded_model IS NULL OR embedded_model <> ?1
                 ORDER BY doc DESC LIMIT ?2",
            )?
            .query_map(params![model, BATCH_RECORDS as i64], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get(2)?))
            })?
            .filter_map(|row| match row {
                Ok((doc, kind, item_id)) => {
                    ItemKind::parse(&kind).map(|kind| Ok(Pending { doc, kind, item_id }))
                }
                Err(error) => Some(Err(error)),
            })
            .collect::<rusqlite::Result<_>>()?;
        let mut planned = Vec::with_capacity(pending.len());
        for Pending { doc, kind, item_id } in pending {
            let private = skip_private
                && kind == ItemKind::Note
                && connection
                    .prepare_cached("SELECT is_private FROM notes WHERE id = ?1")?
                    .query_row([&item_id], |row| row.get::<_, bool>(0))
                    .optional()?
                    .unwrap_or(false);
            let texts = match records::load(connection, kind, &item_id)? {
                Some(view) if !private => chunks::split(&embedding_text(&view)),
                _ => Vec::new(),
            };
            let mut chunks = Vec::with_capacity(texts.len());
            for (position, text) in texts.into_iter().enumerate() {
                let hash = text_hash(&text);
                let reused: Option<Vec<u8>> = connection
                    .prepare_cached(
                        "SELECT embedding FROM search_chunks
                         WHERE kind = ?1 AND item_id = ?2 AND position = ?3
                           AND model_id = ?4 AND text_hash = ?5",
                    )?
                    .query_row(
                        params![kind.as_str(), item_id, position as i64, model, hash],
                        |row| row.get(0),
                    )
                    .optional()?;
                chunks.push((text, hash, reused));
            }
            planned.push(Planned {
                doc,
                kind,
                item_id,
                chunks,
            });
        }
        Ok(planned)
    })
}

fn store_batch(
    transaction: &rusqlite::Transaction<'_>,
    model: &str,
    dimensions: usize,
    planned: Vec<Planned>,
    vectors: Vec<Vec<f32>>,
) -> Result<()> {
    vectors::ensure_bits_table(transaction, dimensions)?;
    let mut fresh = vectors.into_iter();
    for record in planned {
        // The record may have changed since it was read: its document row was then replaced
        // (new `doc`, still pending), and this batch's text must not be stored for it.
        let current: bool = transaction
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM search_documents WHERE doc = ?1)")?
            .query_row([record.doc], |row| row.get(0))?;
        let mut vectors_of_record = Vec::with_capacity(record.chunks.len());
        for (_, _, reused) in &record.chunks {
            let vector = match reused {
                Some(blob) => vectors::from_blob(blob),
                None => fresh.next().ok_or_else(|| {
                    omnicrm_core::Error::internal("the embedder returned fewer vectors than texts")
                })?,
            };
            vectors_of_record.push(vector);
        }
        if !current {
            continue;
        }
        let kind = record.kind.as_str();
        transaction
            .prepare_cached(
                "DELETE FROM search_chunks WHERE kind = ?1 AND item_id = ?2 AND position >= ?3",
            )?
            .execute(params![kind, record.item_id, record.chunks.len() as i64])?;
        for (position, ((text, hash, _), vector)) in
            record.chunks.iter().zip(&vectors_of_record).enumerate()
        {
            let chunk_id: i64 = transaction
                .prepare_cached(
                    "INSERT INTO search_chunks (kind, item_id, position, text, text_hash,
                                                model_id, dimensions, embedding)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT (kind, item_id, position) DO UPDATE SET
                         text = excluded.text, text_hash = excluded.text_hash,
                         model_id = excluded.model_id, dimensions = excluded.dimensions,
                         embedding = excluded.embedding
                     RETURNING chunk_id",
                )?
                .query_row(
                    params![
                        kind,
                        record.item_id,
                        position as i64,
                        text,
                        hash,
                        model,
                        dimensions as i64,
                        vectors::to_blob(vector)
                    ],
                    |row| row.get(0),
                )?;
            vectors::put_bits(transaction, dimensions, chunk_id, vector)?;
        }
        transaction
            .prepare_cached("UPDATE search_documents SET embedded_model = ?1 WHERE doc = ?2")?
            .execute(params![model, record.doc])?;
    }
    Ok(())
}

fn text_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Registers the `search.embed` handler on `runner`: one at a time, embedding until nothing is
/// pending, with progress.
pub fn register_embedding_handler(runner: JobRunner, indexer: Arc<EmbeddingIndexer>) -> JobRunner {
    runner.handle(EMBED_JOB, 1, ATTEMPT_TIMEOUT, move |context| {
        run_job(indexer.clone(), context)
    })
}

#[tracing::instrument(skip_all, fields(job = %context.job.id))]
async fn run_job(indexer: Arc<EmbeddingIndexer>, context: JobContext) -> JobOutcome {
    let outcome = indexer
        .run_until_done(|done, total| {
            let context = context.clone();
            async move { context.progress(done, Some(total)).await.unwrap_or(false) }
        })
        .await;
    match outcome {
        Ok(report) => {
            tracing::info!(
                records = report.records,
                embedded = report.chunks_embedded,
                reused = report.chunks_reused,
                "embedding finished"
            );
            Ok(())
        }
        Err(error) => Err(JobFailure::from(error)),
    }
}

/// Makes sure a `search.embed` job is waiting, after writes: adds one unless one is already
/// queued, running or waiting to retry. Returns whether it added one.
pub fn enqueue_embedding(queue: &JobQueue) -> Result<bool> {
    enqueue_embedding_job(queue).map(|job| job.is_some())
}

/// [`enqueue_embedding`], returning the job it added.
pub fn enqueue_embedding_job(queue: &JobQueue) -> Result<Option<Job>> {
    const KEY_PREFIX: &str = "search.embed:";
    if queue.unfinished_with_key_prefix(KEY_PREFIX)? > 0 {
        return Ok(None);
    }
    let mut job = NewJob::new(EMBED_JOB, serde_json::json!({}));
    job.idempotency_key = Some(format!("{KEY_PREFIX}{}", omnicrm_core::time::new_id()));
    let (job, added) = queue.enqueue_once(job)?;
    Ok(added.then_some(job))
}

/// The recurring safety net: a `search.embed` job every few minutes catches writes made by
/// processes that did not enqueue one (the CLI, a sync).
pub fn embedding_schedule() -> Schedule {
    Schedule::new(
        EMBED_JOB,
        Duration::from_secs(5 * 60),
        serde_json::json!({}),
    )
}

//! Group commit of merged changes: one writer per document at a time.
//!
//! Every merge is stored before it is acknowledged, and each commit waits for Postgres to flush
//! its write-ahead log. Stored one at a time under the document's lock, a busy document could
//! take no more merges per second than Postgres has flushes, and every other message for it
//! (acknowledgements, forwarding other peers' changes) waited behind the flush. Now a merge
//! queues its chunk (in merge order: it is queued under the document's lock) and releases the
//! lock; the document's writer stores everything queued so far in one transaction, with the
//! projection of the newest state, and hands each merge its result.

use std::sync::{Arc, Mutex, MutexGuard};

use omnicrm_sync::DocumentId;
use tokio::sync::oneshot;

use crate::hub::{Hub, LoadedDocument};
use crate::projection::Projection;
use crate::storage::{self, Author};

/// Where a stored chunk landed.
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    /// The chunk's sequence number.
    pub seq: i64,
    /// The document's incremental chunks, this one included.
    pub chunks: i64,
}

/// A chunk waiting to be stored.
struct Queued {
    chunk: Vec<u8>,
    author: Author,
    projection: Option<Projection>,
    done: oneshot::Sender<Result<Stored, String>>,
}

/// The chunks of one document waiting to be stored, and whether a writer is at work.
#[derive(Default)]
pub struct StoreQueue {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    queued: Vec<Queued>,
    writing: bool,
}

impl StoreQueue {
    /// Queues `chunk`; call it holding the document's lock, so chunks queue in merge order.
    /// Starts the document's writer unless one is at work. The receiver gets the result.
    pub fn push(
        &self,
        hub: &Arc<Hub>,
        loaded: &Arc<LoadedDocument>,
        chunk: Vec<u8>,
        author: Author,
        projection: Option<Projection>,
    ) -> oneshot::Receiver<Result<Stored, String>> {
        let (done, receiver) = oneshot::channel();
        let mut pending = self.lock();
        pending.queued.push(Queued {
            chunk,
            author,
            projection,
            done,
        });
        if !pending.writing {
            pending.writing = true;
            tokio::spawn(write_until_empty(hub.clone(), loaded.clone()));
        }
        receiver
    }

    /// Everything queued, or `None` (and the writer stops) when nothing is.
    fn take(&self) -> Option<Vec<Queued>> {
        let mut pending = self.lock();
        if pending.queued.is_empty() {
            pending.writing = false;
            return None;
        }
        Some(std::mem::take(&mut pending.queued))
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Pushes and takes are single statements: a panicking holder leaves nothing half-done.
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The document's writer: stores batches until the queue is empty.
async fn write_until_empty(hub: Arc<Hub>, loaded: Arc<LoadedDocument>) {
    while let Some(batch) = loaded.store_queue.take() {
        match write(&hub, &loaded, &batch).await {
            Ok(stored) => {
                {
                    let mut state = loaded.state.lock().await;
                    for (queued, stored) in batch.iter().zip(&stored) {
                        // Only when no other instance's chunk came in between (then the
                        // copy is caught up through `chunks_after` on its notification).
                        if stored.seq == state.seq + 1 {
                            state.seq = stored.seq;
                        }
                        state.stored_bytes += queued.chunk.len() as i64;
                    }
                }
                for (queued, stored) in batch.into_iter().zip(stored) {
                    // The merging connection may be gone: nobody is left to tell.
                    queued.done.send(Ok(stored)).ok();
                }
            }
            Err(error) => {
                let message = error.to_string();
                for queued in batch {
                    queued.done.send(Err(message.clone())).ok();
                }
            }
        }
    }
}

/// One transaction: every chunk of the batch, in order, and the newest projection.
async fn write(
    hub: &Hub,
    loaded: &LoadedDocument,
    batch: &[Queued],
) -> Result<Vec<Stored>, crate::error::ApiError> {
    let id: DocumentId = loaded.id;
    let mut client = hub.database.primary.get().await?;
    let mut transaction = client.transaction().await?;
    let mut stored = Vec::with_capacity(batch.len());
    for queued in batch {
        let (seq, chunks) = storage::append(
            &transaction,
            id,
            loaded.workspace_id,
            &queued.chunk,
            &queued.author,
        )
        .await?;
        stored.push(Stored { seq, chunks });
    }
    if let Some(projection) = batch
        .iter()
        .rev()
        .find_map(|queued| queued.projection.as_ref())
    {
        // Savepoint: a projection that fails must not take the stored chunks with it.
        let savepoint = transaction.savepoint("projection").await?;
        match projection.write(&savepoint, loaded.workspace_id, id).await {
            Ok(()) => savepoint.commit().await?,
            Err(error) => {
                tracing::warn!(%error, document = %id, "projection failed");
                savepoint.rollback().await?;
            }
        }
    }
    transaction.commit().await?;
    Ok(stored)
}

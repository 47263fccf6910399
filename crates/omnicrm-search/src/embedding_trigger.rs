//! Embedding soon after a write, without every writer having to ask for it.
//!
//! The search triggers mark each new or changed note, interaction, task and project as waiting
//! for its embedding in the same transaction as the write. Every few seconds an
//! [`EmbeddingTrigger`] asks, with one indexed lookup, whether anything is waiting — a note just
//! saved, mail from a sync, a record an undo brought back, a write by the CLI while the app
//! runs — and queues the durable `search.embed` job when nothing is at work on it yet. A saved
//! note is therefore found by meaning a few seconds later, and a burst of writes is embedded in
//! one batched job.
//!
//! A job that ended for good (dead after its attempts, or cancelled by the user) is not chased
//! by a new one every few seconds: the trigger then stays quiet for [`QUIET_AFTER_FAILURE`],
//! the period of the recurring safety net, and the Jobs page shows the failure meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use omnicrm_core::Result;
use omnicrm_jobs::{JobQueue, JobStatus};

use crate::indexer::{enqueue_embedding_job, EmbeddingIndexer};

/// How long the trigger waits after an embedding job failed for good.
pub const QUIET_AFTER_FAILURE: Duration = Duration::from_secs(5 * 60);

/// How often the desktop app checks for records waiting for their embedding.
pub const CHECK_EVERY: Duration = Duration::from_secs(3);

/// Queues the embedding job when records are waiting; see the module docs.
pub struct EmbeddingTrigger {
    indexer: Arc<EmbeddingIndexer>,
    queue: JobQueue,
    /// The job this trigger queued last, to see how it ended.
    last_job: Option<String>,
    quiet_until: Option<Instant>,
}

impl std::fmt::Debug for EmbeddingTrigger {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("EmbeddingTrigger")
            .field("last_job", &self.last_job)
            .field("quiet_until", &self.quiet_until)
            .finish()
    }
}

impl EmbeddingTrigger {
    pub fn new(indexer: Arc<EmbeddingIndexer>, queue: JobQueue) -> Self {
        Self {
            indexer,
            queue,
            last_job: None,
            quiet_until: None,
        }
    }

    /// One check; returns whether it queued a job.
    pub fn check(&mut self) -> Result<bool> {
        if let Some(until) = self.quiet_until {
            if Instant::now() < until {
                return Ok(false);
            }
            self.quiet_until = None;
        }
        if !self.indexer.has_pending()? {
            return Ok(false);
        }
        if let Some(id) = &self.last_job {
            match self.queue.get(id)?.status {
                // Still at work (or waiting to retry): it will take the new records too.
                JobStatus::Queued | JobStatus::Running | JobStatus::Failed => return Ok(false),
                JobStatus::Dead | JobStatus::Canceled => {
                    self.last_job = None;
                    self.quiet_until = Some(Instant::now() + QUIET_AFTER_FAILURE);
                    return Ok(false);
                }
                JobStatus::Succeeded => {}
            }
        }
        match enqueue_embedding_job(&self.queue)? {
            Some(job) => {
                self.last_job = Some(job.id);
                Ok(true)
            }
            // Another writer (the start-up enqueue, the safety net) queued one already.
            None => Ok(false),
        }
    }

    /// Checks every `every` until the runtime shuts down. The database work runs on the
    /// blocking pool; a failed check is logged and the next one tries again.
    pub async fn run(mut self, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            let checked = tokio::task::spawn_blocking(move || {
                let result = self.check();
                (self, result)
            })
            .await;
            match checked {
                Ok((trigger, result)) => {
                    self = trigger;
                    if let Err(error) = result {
                        tracing::warn!(message = %error.message, "could not check for records to embed");
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "the embedding trigger stopped");
                    return;
                }
            }
        }
    }
}

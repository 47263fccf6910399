//! The sync's durable jobs: `google.gmail.sync` and `google.calendar.sync`, each with payload
//! `{"batch_id": ...}`. The app (or the CLI) registers them on its job runner; a job that dies
//! mid-sync is claimed again when its lease expires and resumes from the stored position.

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::ingest::SyncProvider;
use omnicrm_core::Result;
use omnicrm_jobs::{JobContext, JobFailure, JobOutcome, JobQueue, JobRunner};

use crate::sync::{
    GoogleSync, ProgressFuture, SyncProgress, CALENDAR_SYNC_JOB, GMAIL_SYNC_JOB, SCHEDULED_SYNC_JOB,
};

/// One sync of each kind at a time: they write to the same store, and Gmail limits how many
/// requests a user may have in flight anyway.
const CONCURRENCY_PER_KIND: usize = 1;
/// A generous ceiling for one attempt; a timed-out attempt resumes where it stopped.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);

/// Registers the Gmail and Calendar sync handlers on `runner`, and the recurring job that
/// approves each connected account's next incremental sync ([`SCHEDULED_SYNC_JOB`]; the app
/// schedules it).
pub fn register_sync_handlers(
    runner: JobRunner,
    sync: Arc<GoogleSync>,
    queue: JobQueue,
) -> JobRunner {
    let gmail = sync.clone();
    let scheduled = sync.clone();
    runner
        .handle(
            SCHEDULED_SYNC_JOB,
            1,
            Duration::from_secs(5 * 60),
            move |_context| {
                let (sync, queue) = (scheduled.clone(), queue.clone());
                async move { approve_due(sync, queue).await }
            },
        )
        .handle(
            GMAIL_SYNC_JOB,
            CONCURRENCY_PER_KIND,
            ATTEMPT_TIMEOUT,
            move |context| run_job(gmail.clone(), context, SyncProvider::Gmail),
        )
        .handle(
            CALENDAR_SYNC_JOB,
            CONCURRENCY_PER_KIND,
            ATTEMPT_TIMEOUT,
            move |context| run_job(sync.clone(), context, SyncProvider::GoogleCalendar),
        )
}

#[tracing::instrument(skip_all)]
async fn approve_due(sync: Arc<GoogleSync>, queue: JobQueue) -> JobOutcome {
    let approved = sync.approve_due(&queue).await?;
    if !approved.is_empty() {
        tracing::info!(
            batches = approved.len(),
            "incremental Google syncs approved"
        );
    }
    Ok(())
}

struct JobProgress(JobContext);

impl SyncProgress for JobProgress {
    fn report(&self, done: u32, total: Option<u32>) -> ProgressFuture<'_> {
        Box::pin(async move { self.0.progress(done, total).await })
    }
}

#[tracing::instrument(skip_all, fields(job = %context.job.id, provider = provider.as_str()))]
async fn run_job(sync: Arc<GoogleSync>, context: JobContext, provider: SyncProvider) -> JobOutcome {
    let batch_id = batch_id(&context)?;
    let progress = JobProgress(context);
    match sync.run(&batch_id, provider, &progress).await {
        Ok(report) => {
            tracing::info!(
                stored = report.stored.inserted,
                normalized = report.normalize.normalized,
                "sync job finished"
            );
            Ok(())
        }
        // A sign-in that needs the user, or an undone batch, goes to the dead list at once
        // (visible in the Jobs view and the account's state); Google trouble is retried.
        Err(error) => Err(JobFailure::from(error)),
    }
}

fn batch_id(context: &JobContext) -> Result<String> {
    context
        .job
        .payload
        .get("batch_id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| omnicrm_core::Error::invalid_field("payload.batch_id", "is required"))
}

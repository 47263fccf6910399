//! The sync's durable jobs: `google.gmail.sync` and `google.calendar.sync`, each with payload
//! `{"batch_id": ...}`. The app (or the CLI) registers them on its job runner; a job that dies
//! mid-sync is claimed again when its lease expires and resumes from the stored position.

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::ingest::SyncProvider;
use omnicrm_core::Result;
use omnicrm_jobs::{JobContext, JobOutcome, JobRunner};

use crate::sync::{GoogleSync, ProgressFuture, SyncProgress, CALENDAR_SYNC_JOB, GMAIL_SYNC_JOB};

/// One sync of each kind at a time: they write to the same store, and Gmail limits how many
/// requests a user may have in flight anyway.
const CONCURRENCY_PER_KIND: usize = 1;
/// A generous ceiling for one attempt; a timed-out attempt resumes where it stopped.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);

/// Registers the Gmail and Calendar sync handlers on `runner`.
pub fn register_sync_handlers(runner: JobRunner, sync: Arc<GoogleSync>) -> JobRunner {
    let gmail = sync.clone();
    runner
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

struct JobProgress(JobContext);

impl SyncProgress for JobProgress {
    fn report(&self, done: u32, total: Option<u32>) -> ProgressFuture<'_> {
        Box::pin(async move { self.0.progress(done, total).await })
    }
}

#[tracing::instrument(skip_all, fields(job = %context.job.id, provider = provider.as_str()))]
async fn run_job(sync: Arc<GoogleSync>, context: JobContext, provider: SyncProvider) -> JobOutcome {
    let batch_id = batch_id(&context).map_err(|error| error.message)?;
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
        Err(error) => Err(format!(
            "{}: {}",
            serde_json::to_string(&error.code).unwrap_or_default(),
            error.message
        )),
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

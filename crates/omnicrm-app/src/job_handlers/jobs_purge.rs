//! `jobs.purge`: forget succeeded jobs after the retention window, so the queue stays small,
//! and remove staged import files whose job is over.

use std::time::Duration;

use omnicrm_core::Core;
use omnicrm_jobs::{JobContext, JobFailure, JobOutcome, JobQueue};
use serde::Deserialize;

use super::RETENTION_DAYS;

#[derive(Debug, Deserialize)]
struct PurgePayload {
    #[serde(default = "default_days")]
    retention_days: u32,
}

fn default_days() -> u32 {
    RETENTION_DAYS
}

#[tracing::instrument(skip_all, fields(job = %context.job.id))]
pub async fn run(core: Core, queue: JobQueue, context: JobContext) -> JobOutcome {
    let payload: PurgePayload =
        serde_json::from_value(context.job.payload.clone()).map_err(|error| {
            JobFailure::permanent(format!("the purge job's payload is not valid: {error}"))
        })?;
    let retention = Duration::from_secs(u64::from(payload.retention_days) * 24 * 60 * 60);
    let (removed, staged) = tokio::task::spawn_blocking(move || {
        let removed = queue.purge_succeeded(retention)?;
        let staged = super::import_apply::remove_orphaned_staging(
            &core.data_dir,
            &queue,
            Duration::from_secs(60 * 60),
        )?;
        Ok::<_, omnicrm_core::Error>((removed, staged))
    })
    .await
    .map_err(|error| JobFailure::retryable(error.to_string()))?
    .map_err(JobFailure::from)?;
    tracing::info!(
        removed,
        staged,
        days = payload.retention_days,
        "purged succeeded jobs"
    );
    Ok(())
}

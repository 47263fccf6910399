//! `backup.create`: the daily automatic backup.

use omnicrm_core::backups::{DEFAULT_INTERVAL, DEFAULT_KEEP};
use omnicrm_core::Core;
use omnicrm_jobs::{JobContext, JobFailure, JobOutcome};

/// Makes a `scheduled` backup when the newest is older than a day (pruning scheduled backups
/// to the newest seven); does nothing otherwise.
#[tracing::instrument(skip_all, fields(job = %context.job.id))]
pub async fn run(core: Core, context: JobContext) -> JobOutcome {
    let made = core
        .run(|core| core.backups.create_if_due(DEFAULT_INTERVAL, DEFAULT_KEEP))
        .await
        .map_err(JobFailure::from)?;
    match made {
        Some(backup) => tracing::info!(file = %backup.file_name, "scheduled backup made"),
        None => tracing::debug!("no backup due"),
    }
    Ok(())
}

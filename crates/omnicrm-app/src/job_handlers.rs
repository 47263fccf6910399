//! The background job kinds the product runs (in the desktop app and `omnicrm jobs run`), their limits, and the recurring ones it
//! schedules at start-up. Each handler is a thin adapter from a durable job to a core service;
//! they know nothing of the window, so they are tested on a real store without Tauri.

mod backup_create;
mod import_apply;
mod jobs_purge;

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::Core;
use omnicrm_google::{
    register_sync_handlers, GoogleSync, CALENDAR_SYNC_JOB, GMAIL_SYNC_JOB, SCHEDULED_SYNC_JOB,
};
use omnicrm_jobs::{JobQueue, JobRunner, Schedule};
use omnicrm_search::{register_embedding_handler, EmbeddingIndexer};

pub use import_apply::{remove_orphaned_staging, stage_import, staging_dir, ImportJob};

/// Makes a scheduled backup when the newest is a day old, keeping the last seven.
pub const BACKUP_CREATE: &str = "backup.create";
/// Removes succeeded jobs older than the retention window.
pub const JOBS_PURGE: &str = "jobs.purge";
/// Applies a previewed import file in one transaction.
pub const IMPORT_APPLY: &str = "import.apply";

/// How often connected Google accounts sync what is new since their last sync.
pub const GOOGLE_SYNC_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// How long succeeded jobs stay listed before `jobs.purge` removes them.
pub const RETENTION_DAYS: u32 = 7;

/// Jobs running at once, across all kinds.
pub const CONCURRENCY: usize = 2;

/// The recurring jobs. The backup check runs hourly, as the old in-process timer did: a backup
/// is made only when the newest one is a day old, so the first check after a day passes makes
/// it, whenever the app was started.
/// With `embedding`, the recurring `search.embed` safety net too (only when the model is
/// loaded: without a handler its job would wait forever).
pub fn schedules(embedding: bool) -> Vec<Schedule> {
    let mut schedules = vec![
        Schedule::new(
            BACKUP_CREATE,
            Duration::from_secs(60 * 60),
            serde_json::json!({}),
        ),
        Schedule::new(
            SCHEDULED_SYNC_JOB,
            GOOGLE_SYNC_INTERVAL,
            serde_json::json!({}),
        ),
        Schedule::new(
            JOBS_PURGE,
            Duration::from_secs(24 * 60 * 60),
            serde_json::json!({ "retention_days": RETENTION_DAYS }),
        ),
    ];
    if embedding {
        schedules.push(omnicrm_search::indexer::embedding_schedule());
    }
    schedules
}

/// Whether a job of this kind brings new records in, so open views should refresh when it
/// succeeds.
pub fn brings_in_data(kind: &str) -> bool {
    [IMPORT_APPLY, GMAIL_SYNC_JOB, CALENDAR_SYNC_JOB].contains(&kind)
}

/// A runner over `queue` with every kind the app handles. Without a Google sync (its
/// configuration is not valid) the Google jobs wait in the queue and the log says why.
pub fn runner(
    core: &Core,
    queue: &JobQueue,
    google: Option<Arc<GoogleSync>>,
    embedding: Option<Arc<EmbeddingIndexer>>,
) -> JobRunner {
    let backups = core.clone();
    let imports = core.clone();
    let purging = (core.clone(), queue.clone());
    let runner = JobRunner::new(queue.clone(), CONCURRENCY)
        .handle(
            BACKUP_CREATE,
            1,
            Duration::from_secs(30 * 60),
            move |context| backup_create::run(backups.clone(), context),
        )
        .handle(JOBS_PURGE, 1, Duration::from_secs(5 * 60), move |context| {
            jobs_purge::run(purging.0.clone(), purging.1.clone(), context)
        })
        .handle(
            IMPORT_APPLY,
            1,
            Duration::from_secs(60 * 60),
            move |context| import_apply::run(imports.clone(), context),
        );
    let runner = match google {
        Some(sync) => register_sync_handlers(runner, sync, queue.clone()),
        None => runner,
    };
    match embedding {
        Some(indexer) => register_embedding_handler(runner, indexer),
        None => runner,
    }
}

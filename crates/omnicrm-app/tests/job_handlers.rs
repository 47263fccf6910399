//! The product's job kinds on a real store: imports applied as durable jobs (and retried
//! safely), the scheduled backup, and the retention purge.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use omnicrm_app::job_handlers::{self, ImportJob};
use omnicrm_core::backups::BackupReason;
use omnicrm_core::imports::{ImportFormat, ImportOptions};
use omnicrm_core::{Core, ErrorCode};
use omnicrm_jobs::{Clock, Job, JobQueue, JobStatus, NewJob, RetryPolicy, Scheduler, SystemClock};

const VCARDS: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jonas Okafor\r\nEMAIL:jonas@tidewater.example\r\nEND:VCARD\r\n\
BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ingrid Halvorsen\r\nEMAIL:ingrid@fjord.example\r\nEND:VCARD\r\n";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
        jitter: 0.0,
    }
}

fn open() -> (tempfile::TempDir, Core, JobQueue) {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let queue = JobQueue::with_clock(core.database.clone(), Arc::new(SystemClock), fast_retries());
    (directory, core, queue)
}

fn vcard_options() -> ImportOptions {
    ImportOptions {
        file_name: Some("clients.vcf".into()),
        format: Some(ImportFormat::Vcard),
        mapping: None,
        accept_valid_rows: false,
    }
}

fn contact_count(core: &Core) -> u32 {
    core.dashboard.get().unwrap().total_contacts
}

fn staged_files(core: &Core) -> usize {
    std::fs::read_dir(job_handlers::staging_dir(&core.data_dir))
        .map(|entries| entries.count())
        .unwrap_or(0)
}

async fn wait_for(queue: &JobQueue, id: &str, status: JobStatus) -> Job {
    for _ in 0..1000 {
        let job = queue.get(id).unwrap();
        if job.status == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "job {id} never reached {status:?}: {:?}",
        queue.get(id).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_job_applies_the_staged_file_under_its_own_id_and_removes_the_copy() {
    let (_directory, core, queue) = open();
    let job =
        job_handlers::stage_import(&core, &queue, VCARDS.as_bytes(), vcard_options()).unwrap();
    assert_eq!(job.kind, job_handlers::IMPORT_APPLY);
    assert_eq!(contact_count(&core), 0, "staging wrote contacts");
    assert_eq!(staged_files(&core), 1);
    let payload: ImportJob = serde_json::from_value(job.payload.clone()).unwrap();
    assert_eq!(payload.options, vcard_options());

    let runner =
        job_handlers::runner(&core, &queue, None, None).poll_interval(Duration::from_millis(5));
    let mut changes = runner.subscribe();
    let handle = runner.start();
    let done = wait_for(&queue, &job.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();

    assert_eq!(contact_count(&core), 2);
    assert_eq!((done.progress_done, done.progress_total), (2, Some(2)));
    let imports = core.imports.list().unwrap();
    assert_eq!(imports.len(), 1);
    assert_eq!(
        imports[0].id, job.id,
        "the import is recorded under the job's id"
    );
    assert_eq!(imports[0].file_name.as_deref(), Some("clients.vcf"));
    assert_eq!(staged_files(&core), 0, "the staged copy was kept");
    let mut announced = Vec::new();
    while let Ok(change) = changes.try_recv() {
        announced.push((change.status, change.progress_done, change.progress_total));
    }
    assert!(
        announced.contains(&(JobStatus::Running, 2, Some(2))),
        "no progress reached listeners: {announced:?}"
    );

    // The import history and its undo keep working.
    core.imports.undo(&job.id).unwrap();
    assert_eq!(contact_count(&core), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_retried_after_its_first_attempt_committed_is_not_applied_twice() {
    let (_directory, core, queue) = open();
    let job =
        job_handlers::stage_import(&core, &queue, VCARDS.as_bytes(), vcard_options()).unwrap();
    // A first worker claims the job, commits the import, and dies before recording success.
    let claimed = queue
        .claim("worker-that-died", &[], Duration::from_millis(10))
        .unwrap()
        .unwrap();
    let payload: ImportJob = serde_json::from_value(claimed.payload).unwrap();
    let bytes = std::fs::read(&payload.file).unwrap();
    core.imports
        .run_as(&job.id, &bytes, &payload.options, &mut |_, _| {})
        .unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;

    let handle = job_handlers::runner(&core, &queue, None, None)
        .poll_interval(Duration::from_millis(5))
        .start();
    let done = wait_for(&queue, &job.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();
    assert_eq!(done.attempts, 2);
    assert_eq!(core.imports.list().unwrap().len(), 1);
    assert_eq!(contact_count(&core), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_import_attempt_writes_nothing_and_a_retry_applies_it() {
    let (_directory, core, queue) = open();
    let job =
        job_handlers::stage_import(&core, &queue, VCARDS.as_bytes(), vcard_options()).unwrap();
    let payload: ImportJob = serde_json::from_value(job.payload.clone()).unwrap();
    let kept = std::fs::read(&payload.file).unwrap();
    std::fs::remove_file(&payload.file).unwrap();

    let handle = job_handlers::runner(&core, &queue, None, None)
        .poll_interval(Duration::from_millis(5))
        .start();
    let dead = wait_for(&queue, &job.id, JobStatus::Dead).await;
    assert_eq!(dead.attempts, 3);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap_or("")
            .contains("staged import file"),
        "{:?}",
        dead.last_error
    );
    assert_eq!(contact_count(&core), 0);
    assert!(core.imports.list().unwrap().is_empty());

    std::fs::write(&payload.file, kept).unwrap();
    queue.retry(&job.id).unwrap();
    wait_for(&queue, &job.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();
    assert_eq!(contact_count(&core), 2);
}

#[test]
fn an_import_with_invalid_records_is_refused_before_any_job_exists() {
    let (_directory, core, queue) = open();
    // A card with no name, email or phone is an invalid record.
    let broken =
        format!("{VCARDS}BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nothing else\r\nEND:VCARD\r\n");
    let error =
        job_handlers::stage_import(&core, &queue, broken.as_bytes(), vcard_options()).unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "accept_valid_rows");
    assert!(queue.list(&[], 10).unwrap().is_empty());
    assert_eq!(staged_files(&core), 0);

    let accepted = ImportOptions {
        accept_valid_rows: true,
        ..vcard_options()
    };
    job_handlers::stage_import(&core, &queue, broken.as_bytes(), accepted).unwrap();
    assert_eq!(queue.list(&[], 10).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_job_makes_a_scheduled_backup_only_when_one_is_due() {
    let (_directory, core, queue) = open();
    let handle = job_handlers::runner(&core, &queue, None, None)
        .poll_interval(Duration::from_millis(5))
        .start();
    let first = queue
        .enqueue(NewJob::new(
            job_handlers::BACKUP_CREATE,
            serde_json::json!({}),
        ))
        .unwrap();
    wait_for(&queue, &first.id, JobStatus::Succeeded).await;
    let second = queue
        .enqueue(NewJob::new(
            job_handlers::BACKUP_CREATE,
            serde_json::json!({}),
        ))
        .unwrap();
    wait_for(&queue, &second.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();
    let scheduled: Vec<_> = core
        .backups
        .list()
        .unwrap()
        .into_iter()
        .filter(|backup| backup.reason == BackupReason::Scheduled)
        .collect();
    assert_eq!(
        scheduled.len(),
        1,
        "a second backup was made within the day"
    );
}

struct ManualClock(Mutex<DateTime<Utc>>);

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purge_job_forgets_old_successes_and_orphaned_staged_files() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(
        Utc::now() - chrono::Duration::days(9),
    )));
    let queue = JobQueue::with_clock(core.database.clone(), clock.clone(), fast_retries());
    let old = queue
        .enqueue(NewJob::new("old.work", serde_json::json!(1)))
        .unwrap();
    queue.claim("w", &[], Duration::from_secs(30)).unwrap();
    queue.succeed(&old.id, "w").unwrap();
    *clock.0.lock().unwrap() = Utc::now();
    let recent = queue
        .enqueue(NewJob::new("old.work", serde_json::json!(2)))
        .unwrap();
    queue.claim("w", &[], Duration::from_secs(30)).unwrap();
    queue.succeed(&recent.id, "w").unwrap();

    // A staged file of a job that is gone, one of a job still waiting, and a fresh one.
    let staging = job_handlers::staging_dir(&core.data_dir);
    std::fs::create_dir_all(&staging).unwrap();
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 60 * 60);
    let orphan = staging.join("orphan.import");
    std::fs::write(&orphan, "x").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&orphan)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    // A dead import keeps its file: it can still be retried by hand.
    let dead =
        job_handlers::stage_import(&core, &queue, VCARDS.as_bytes(), vcard_options()).unwrap();
    for _ in 0..dead.max_attempts {
        let now = clock.now();
        *clock.0.lock().unwrap() = now + chrono::Duration::seconds(1);
        queue
            .claim("w", &[], Duration::from_secs(30))
            .unwrap()
            .unwrap();
        queue.fail(&dead.id, "w", "disk full").unwrap();
    }
    assert_eq!(queue.get(&dead.id).unwrap().status, JobStatus::Dead);
    let dead_file = serde_json::from_value::<ImportJob>(dead.payload)
        .unwrap()
        .file;
    std::fs::File::options()
        .write(true)
        .open(&dead_file)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let fresh = staging.join("fresh.import");
    std::fs::write(&fresh, "x").unwrap();

    let purge = queue
        .enqueue(NewJob::new(
            job_handlers::JOBS_PURGE,
            serde_json::json!({"retention_days": 7}),
        ))
        .unwrap();
    let handle = job_handlers::runner(&core, &queue, None, None)
        .poll_interval(Duration::from_millis(5))
        .start();
    wait_for(&queue, &purge.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();

    assert_eq!(queue.get(&old.id).unwrap_err().code, ErrorCode::NotFound);
    assert!(queue.get(&recent.id).is_ok());
    assert!(!orphan.exists(), "an orphaned staged file was kept");
    assert!(dead_file.exists(), "a dead import lost its file");
    assert!(fresh.exists(), "a file being staged right now was removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scheduled_kind_is_handled_by_the_app_runner() {
    let (_directory, core, queue) = open();
    let added = Scheduler::new(queue.clone(), job_handlers::schedules(false))
        .unwrap()
        .tick()
        .unwrap();
    let kinds: Vec<_> = added.iter().map(|job| job.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            job_handlers::BACKUP_CREATE,
            omnicrm_google::SCHEDULED_SYNC_JOB,
            job_handlers::JOBS_PURGE
        ]
    );
    // No account has synced yet, so the recurring Google sync finds nothing to do.
    let google = omnicrm_google::GoogleSync::new(
        core.clone(),
        omnicrm_google::GoogleEndpoints::default(),
        std::sync::Arc::new(omnicrm_google::SameTokenForEveryAccount(
            std::sync::Arc::new(omnicrm_google::FixedAccessToken(String::new())),
        )),
    );
    let handle = job_handlers::runner(&core, &queue, Some(std::sync::Arc::new(google)), None)
        .poll_interval(Duration::from_millis(5))
        .start();
    for job in &added {
        wait_for(&queue, &job.id, JobStatus::Succeeded).await;
    }
    handle.shutdown().await.unwrap();
    assert_eq!(core.backups.list().unwrap().len(), 1);
}

//! The job queue on a real SQLite file, with a clock the tests move by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use omnicrm_core::{Core, ErrorCode};
use omnicrm_jobs::{Clock, JobQueue, JobStatus, NewJob, RetryPolicy};
use serde_json::json;

struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::from_std(by).unwrap();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

const LEASE: Duration = Duration::from_secs(30);

fn queue() -> (tempfile::TempDir, Arc<ManualClock>, JobQueue) {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0).unwrap(),
    )));
    let policy = RetryPolicy {
        base: Duration::from_secs(10),
        max: Duration::from_secs(300),
        jitter: 0.0,
    };
    let queue = JobQueue::with_clock(core.database.clone(), clock.clone(), policy);
    (directory, clock, queue)
}

#[test]
fn a_job_runs_once_and_succeeds() {
    let (_directory, _clock, queue) = queue();
    let job = queue
        .enqueue(NewJob::new("gmail_sync", json!({"account": "a"})))
        .unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let claimed = queue.claim("worker-1", &[], LEASE).unwrap().unwrap();
    assert_eq!(claimed.id, job.id);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.payload, json!({"account": "a"}));
    assert!(
        queue.claim("worker-2", &[], LEASE).unwrap().is_none(),
        "claimed twice"
    );
    queue
        .report_progress(&job.id, "worker-1", 5, Some(10))
        .unwrap();
    let done = queue.succeed(&job.id, "worker-1").unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!((done.progress_done, done.progress_total), (5, Some(10)));
    assert!(queue.claim("worker-2", &[], LEASE).unwrap().is_none());
}

#[test]
fn the_same_idempotency_key_enqueues_once() {
    let (_directory, _clock, queue) = queue();
    let mut new = NewJob::new("import", json!({"file": "a.vcf"}));
    new.idempotency_key = Some("import:a.vcf:sha256".into());
    let first = queue.enqueue(new.clone()).unwrap();
    let second = queue.enqueue(new).unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(queue.list(&[], 10).unwrap().len(), 1);
}

#[test]
fn a_dead_workers_job_is_claimed_again_after_its_lease_expires() {
    let (_directory, clock, queue) = queue();
    let job = queue.enqueue(NewJob::new("embed", json!(null))).unwrap();
    queue.claim("worker-1", &[], LEASE).unwrap().unwrap();
    clock.advance(Duration::from_secs(29));
    assert!(
        queue.claim("worker-2", &[], LEASE).unwrap().is_none(),
        "lease still live"
    );
    clock.advance(Duration::from_secs(2));
    let again = queue.claim("worker-2", &[], LEASE).unwrap().unwrap();
    assert_eq!(again.id, job.id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.lease_owner.as_deref(), Some("worker-2"));
    // The first worker came back: it may not touch the job any more.
    let error = queue.succeed(&job.id, "worker-1").unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    assert_eq!(queue.get(&job.id).unwrap().status, JobStatus::Running);
}

#[test]
fn heartbeats_keep_a_long_job_leased() {
    let (_directory, clock, queue) = queue();
    let job = queue.enqueue(NewJob::new("backup", json!(null))).unwrap();
    queue.claim("worker-1", &[], LEASE).unwrap().unwrap();
    for _ in 0..5 {
        clock.advance(Duration::from_secs(20));
        queue.heartbeat(&job.id, "worker-1", LEASE).unwrap();
        assert!(queue.claim("worker-2", &[], LEASE).unwrap().is_none());
    }
}

#[test]
fn failures_back_off_exponentially_then_go_to_the_dead_list() {
    let (_directory, clock, queue) = queue();
    let mut new = NewJob::new("calendar_sync", json!(null));
    new.max_attempts = 3;
    let job = queue.enqueue(new).unwrap();

    queue.claim("w", &[], LEASE).unwrap().unwrap();
    let failed = queue.fail(&job.id, "w", "503 from provider").unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("503 from provider"));
    assert_eq!(failed.run_at, "2026-11-22T09:00:10.000Z");
    clock.advance(Duration::from_secs(9));
    assert!(
        queue.claim("w", &[], LEASE).unwrap().is_none(),
        "ran before its backoff"
    );
    clock.advance(Duration::from_secs(1));
    queue.claim("w", &[], LEASE).unwrap().unwrap();
    let failed = queue.fail(&job.id, "w", "timeout").unwrap();
    assert_eq!(
        failed.run_at, "2026-11-22T09:00:30.000Z",
        "second wait doubles to 20 s"
    );
    clock.advance(Duration::from_secs(20));
    queue.claim("w", &[], LEASE).unwrap().unwrap();
    let dead = queue.fail(&job.id, "w", "timeout again").unwrap();
    assert_eq!(dead.status, JobStatus::Dead);
    clock.advance(Duration::from_secs(3600));
    assert!(queue.claim("w", &[], LEASE).unwrap().is_none());
    assert_eq!(queue.list(&[JobStatus::Dead], 10).unwrap().len(), 1);

    let retried = queue.retry(&job.id).unwrap();
    assert_eq!((retried.status, retried.attempts), (JobStatus::Queued, 0));
    assert_eq!(queue.claim("w", &[], LEASE).unwrap().unwrap().id, job.id);
}

#[test]
fn cancel_stops_waiting_jobs_at_once_and_running_ones_at_their_next_report() {
    let (_directory, _clock, queue) = queue();
    let waiting = queue.enqueue(NewJob::new("import", json!(1))).unwrap();
    assert_eq!(
        queue.cancel(&waiting.id).unwrap().status,
        JobStatus::Canceled
    );

    let running = queue.enqueue(NewJob::new("import", json!(2))).unwrap();
    queue.claim("w", &[], LEASE).unwrap().unwrap();
    let asked = queue.cancel(&running.id).unwrap();
    assert_eq!(asked.status, JobStatus::Running);
    assert!(asked.cancel_requested);
    let seen = queue.report_progress(&running.id, "w", 1, None).unwrap();
    assert!(seen.cancel_requested, "the worker learns it should stop");
    let ended = queue
        .fail(&running.id, "w", "canceled by the user")
        .unwrap();
    assert_eq!(ended.status, JobStatus::Canceled);
    assert_eq!(
        queue.cancel(&running.id).unwrap_err().code,
        ErrorCode::Conflict
    );
}

#[test]
fn workers_claim_only_their_kinds_and_due_jobs_in_order() {
    let (_directory, clock, queue) = queue();
    let mut later = NewJob::new("gmail_sync", json!("later"));
    later.run_at = Some(clock.now() + chrono::Duration::seconds(60));
    queue.enqueue(later).unwrap();
    let first = queue
        .enqueue(NewJob::new("gmail_sync", json!("first")))
        .unwrap();
    let embed = queue.enqueue(NewJob::new("embed", json!("embed"))).unwrap();

    assert_eq!(
        queue.claim("w", &["embed"], LEASE).unwrap().unwrap().id,
        embed.id
    );
    assert_eq!(
        queue
            .claim("w", &["gmail_sync"], LEASE)
            .unwrap()
            .unwrap()
            .id,
        first.id
    );
    assert!(queue.claim("w", &["gmail_sync"], LEASE).unwrap().is_none());
    queue.succeed(&first.id, "w").unwrap();
    queue.succeed(&embed.id, "w").unwrap();
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        queue
            .claim("w", &["gmail_sync"], LEASE)
            .unwrap()
            .unwrap()
            .payload,
        json!("later")
    );
}

#[test]
fn succeeded_jobs_are_purged_after_the_retention_window() {
    let (_directory, clock, queue) = queue();
    let old = queue.enqueue(NewJob::new("embed", json!(1))).unwrap();
    queue.claim("w", &[], LEASE).unwrap();
    queue.succeed(&old.id, "w").unwrap();
    let mut once = NewJob::new("embed", json!(2));
    once.max_attempts = 1;
    let failed = queue.enqueue(once).unwrap();
    queue.claim("w", &[], LEASE).unwrap();
    assert_eq!(
        queue.fail(&failed.id, "w", "x").unwrap().status,
        JobStatus::Dead
    );
    clock.advance(Duration::from_secs(8 * 24 * 3600));
    let fresh = queue.enqueue(NewJob::new("embed", json!(3))).unwrap();
    queue.claim("w", &[], LEASE).unwrap();
    queue.succeed(&fresh.id, "w").unwrap();

    assert_eq!(
        queue
            .purge_succeeded(Duration::from_secs(7 * 24 * 3600))
            .unwrap(),
        1
    );
    assert_eq!(queue.get(&old.id).unwrap_err().code, ErrorCode::NotFound);
    assert!(
        queue.get(&failed.id).is_ok(),
        "only succeeded jobs are purged"
    );
    assert!(queue.get(&fresh.id).is_ok());
}

#[test]
fn queued_jobs_survive_reopening_the_database() {
    let directory = tempfile::tempdir().unwrap();
    let job = {
        let core = Core::open(directory.path()).unwrap();
        JobQueue::new(core.database.clone())
            .enqueue(NewJob::new("backup", json!({"to": "/backups"})))
            .unwrap()
    };
    let core = Core::open(directory.path()).unwrap();
    let queue = JobQueue::new(core.database.clone());
    assert_eq!(queue.claim("w", &[], LEASE).unwrap().unwrap().id, job.id);
}

#[test]
fn bad_jobs_are_refused_with_field_errors() {
    let (_directory, _clock, queue) = queue();
    let error = queue.enqueue(NewJob::new(" ", json!(null))).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "kind");
    let mut none = NewJob::new("x", json!(null));
    none.max_attempts = 0;
    assert_eq!(
        queue.enqueue(none).unwrap_err().field_errors()[0].field,
        "max_attempts"
    );
}

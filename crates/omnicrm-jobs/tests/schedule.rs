//! Recurring jobs on a real SQLite queue with a clock the tests move by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use omnicrm_core::Core;
use omnicrm_jobs::{Clock, JobQueue, JobStatus, RetryPolicy, Schedule, Scheduler};
use serde_json::json;

struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap() = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
const LEASE: Duration = Duration::from_secs(30);

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, hour, minute, 0).unwrap()
}

fn queue_at(directory: &tempfile::TempDir, start: DateTime<Utc>) -> (Arc<ManualClock>, JobQueue) {
    let core = Core::open(directory.path()).unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(start)));
    let queue = JobQueue::with_clock(core.database.clone(), clock.clone(), RetryPolicy::default());
    (clock, queue)
}

fn schedules() -> Vec<Schedule> {
    vec![
        Schedule::new("backup.create", HOUR, json!({})),
        Schedule::new("jobs.purge", DAY, json!({"retention_days": 7})),
    ]
}

#[test]
fn each_schedule_enqueues_once_per_slot_with_a_slot_key() {
    let directory = tempfile::tempdir().unwrap();
    let (clock, queue) = queue_at(&directory, at(9, 15));
    let scheduler = Scheduler::new(queue.clone(), schedules()).unwrap();

    let added = scheduler.tick().unwrap();
    let keys: Vec<_> = added
        .iter()
        .map(|job| job.idempotency_key.clone().unwrap())
        .collect();
    assert_eq!(
        keys,
        vec![
            "schedule:backup.create:2026-11-22T09:00:00.000Z",
            "schedule:jobs.purge:2026-11-22T00:00:00.000Z",
        ]
    );
    assert_eq!(added[1].payload, json!({"retention_days": 7}));
    assert_eq!(added[0].max_attempts, 3);

    // Later in the same slot, even with the jobs done: nothing new.
    for job in &added {
        queue.claim("w", &[&job.kind], LEASE).unwrap().unwrap();
        queue.succeed(&job.id, "w").unwrap();
    }
    clock.set(at(9, 59));
    assert!(scheduler.tick().unwrap().is_empty());
    assert_eq!(queue.list(&[], 100).unwrap().len(), 2);

    // The next hour brings the next backup, not another purge.
    clock.set(at(10, 0));
    let next = scheduler.tick().unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].idempotency_key.as_deref(),
        Some("schedule:backup.create:2026-11-22T10:00:00.000Z")
    );
}

#[test]
fn restarting_in_the_same_slot_does_not_enqueue_again() {
    let directory = tempfile::tempdir().unwrap();
    let first_id = {
        let (_clock, queue) = queue_at(&directory, at(9, 15));
        let added = Scheduler::new(queue.clone(), schedules())
            .unwrap()
            .tick()
            .unwrap();
        assert_eq!(added.len(), 2);
        // The app ran the backup before it was closed.
        let backup = queue
            .claim("w", &["backup.create"], LEASE)
            .unwrap()
            .unwrap();
        queue.succeed(&backup.id, "w").unwrap();
        backup.id
    };
    // A new process, a new queue and scheduler, twenty minutes later.
    let (_clock, queue) = queue_at(&directory, at(9, 35));
    let again = Scheduler::new(queue.clone(), schedules())
        .unwrap()
        .tick()
        .unwrap();
    assert!(
        again.is_empty(),
        "enqueued again after a restart: {again:?}"
    );
    let backups: Vec<_> = queue
        .list(&[], 100)
        .unwrap()
        .into_iter()
        .filter(|job| job.kind == "backup.create")
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(backups[0].id, first_id);
}

#[test]
fn a_slot_whose_earlier_job_still_waits_adds_nothing_but_a_dead_one_is_replaced() {
    let directory = tempfile::tempdir().unwrap();
    let (clock, queue) = queue_at(&directory, at(9, 15));
    let scheduler = Scheduler::new(
        queue.clone(),
        vec![Schedule::new("backup.create", HOUR, json!({}))],
    )
    .unwrap();
    let first = scheduler.tick().unwrap().remove(0);

    // No runner took it: hours pass, and still only the one job waits.
    clock.set(at(13, 5));
    assert!(scheduler.tick().unwrap().is_empty());
    assert_eq!(queue.list(&[JobStatus::Queued], 10).unwrap().len(), 1);

    // It runs out of attempts: the next tick enqueues a fresh job for the slot of that time.
    for _ in 0..3 {
        clock.set(clock.now() + chrono::Duration::hours(2));
        queue.claim("w", &[], LEASE).unwrap().unwrap();
        queue.fail(&first.id, "w", "disk full").unwrap();
    }
    assert_eq!(queue.get(&first.id).unwrap().status, JobStatus::Dead);
    let fresh = scheduler.tick().unwrap();
    assert_eq!(fresh.len(), 1);
    assert_ne!(fresh[0].id, first.id);
    assert!(scheduler.tick().unwrap().is_empty());
}

#[test]
fn slots_are_aligned_on_the_epoch() {
    let daily = Schedule::new("jobs.purge", DAY, json!(null));
    assert_eq!(daily.slot_start(at(23, 59)), at(0, 0));
    let quarter = Schedule::new("x", Duration::from_secs(15 * 60), json!(null));
    assert_eq!(quarter.slot_start(at(9, 44)), at(9, 30));
    assert_eq!(quarter.slot_start(at(9, 45)), at(9, 45));
}

#[test]
fn schedules_without_a_kind_or_with_a_tiny_interval_are_refused() {
    let directory = tempfile::tempdir().unwrap();
    let (_clock, queue) = queue_at(&directory, at(9, 0));
    let error = Scheduler::new(queue.clone(), vec![Schedule::new(" ", HOUR, json!(null))])
        .err()
        .unwrap();
    assert_eq!(error.field_errors()[0].field, "kind");
    let error = Scheduler::new(
        queue,
        vec![Schedule::new("x", Duration::from_millis(10), json!(null))],
    )
    .err()
    .unwrap();
    assert_eq!(error.field_errors()[0].field, "interval");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_scheduler_ticks_at_once_and_stops_on_shutdown() {
    let directory = tempfile::tempdir().unwrap();
    let (_clock, queue) = queue_at(&directory, at(9, 0));
    let handle = Scheduler::new(queue.clone(), schedules())
        .unwrap()
        .start(Duration::from_millis(20));
    for _ in 0..200 {
        if queue.list(&[], 10).unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.shutdown().await.unwrap();
    assert_eq!(queue.list(&[], 10).unwrap().len(), 2);
}

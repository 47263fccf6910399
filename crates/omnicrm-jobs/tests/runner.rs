//! The worker pool running real jobs from a real SQLite queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::Core;
use omnicrm_core::Error;
use omnicrm_jobs::{JobFailure, JobQueue, JobRunner, JobStatus, NewJob, RetryPolicy, SystemClock};
use serde_json::json;

fn queue() -> (tempfile::TempDir, JobQueue) {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let policy = RetryPolicy {
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
        jitter: 0.1,
    };
    let queue = JobQueue::with_clock(core.database.clone(), Arc::new(SystemClock), policy);
    (directory, queue)
}

async fn wait_until(queue: &JobQueue, id: &str, status: JobStatus) -> omnicrm_jobs::Job {
    for _ in 0..500 {
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
async fn a_kind_never_runs_more_jobs_at_once_than_its_limit() {
    let (_directory, queue) = queue();
    let ids: Vec<String> = (0..6)
        .map(|number| {
            queue
                .enqueue(NewJob::new("embed", json!(number)))
                .unwrap()
                .id
        })
        .collect();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (running_in, most_in) = (running.clone(), most.clone());
    let handle = JobRunner::new(queue.clone(), 4)
        .poll_interval(Duration::from_millis(5))
        .handle("embed", 2, Duration::from_secs(5), move |_context| {
            let (running, most) = (running_in.clone(), most_in.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(40)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .start();
    for id in &ids {
        wait_until(&queue, id, JobStatus::Succeeded).await;
    }
    handle.shutdown().await.unwrap();
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "the limit was not reached or was exceeded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_retried_then_goes_to_the_dead_list() {
    let (_directory, queue) = queue();
    let mut new = NewJob::new("gmail_sync", json!(null));
    new.max_attempts = 3;
    let job = queue.enqueue(new).unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    let runner = JobRunner::new(queue.clone(), 2)
        .poll_interval(Duration::from_millis(5))
        .handle("gmail_sync", 1, Duration::from_secs(5), move |_context| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Err("provider answered 503".into())
            }
        });
    let mut events = runner.subscribe();
    let handle = runner.start();
    let dead = wait_until(&queue, &job.id, JobStatus::Dead).await;
    handle.shutdown().await.unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert_eq!(dead.last_error.as_deref(), Some("provider answered 503"));
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event.status);
    }
    assert_eq!(seen.last(), Some(&JobStatus::Dead), "{seen:?}");
    assert!(seen.contains(&JobStatus::Failed), "{seen:?}");
}

/// Regression: an import whose file failed validation was attempted again and again before it
/// reached the dead list, each time with the same result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_failure_goes_to_the_dead_list_without_more_attempts() {
    let (_directory, queue) = queue();
    let mut new = NewJob::new("import", json!(null));
    new.max_attempts = 5;
    let job = queue.enqueue(new).unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    let handle = JobRunner::new(queue.clone(), 1)
        .poll_interval(Duration::from_millis(5))
        .handle("import", 1, Duration::from_secs(5), move |_context| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Err(JobFailure::from(Error::invalid_field(
                    "rows[3].email",
                    "is not an email address",
                )))
            }
        })
        .start();
    let dead = wait_until(&queue, &job.id, JobStatus::Dead).await;
    // Give a wrongly scheduled retry the time to be claimed.
    tokio::time::sleep(Duration::from_millis(150)).await;
    handle.shutdown().await.unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(dead.attempts, 1);
    assert!(
        dead.last_error
            .as_deref()
            .unwrap()
            .contains("rows[3].email"),
        "{:?}",
        dead.last_error
    );
    assert!(dead.finished_at.is_some());
}

#[test]
fn errors_that_a_retry_could_fix_are_retryable() {
    use omnicrm_core::ErrorCode;
    for code in [
        ErrorCode::Network,
        ErrorCode::RateLimited,
        ErrorCode::Database,
    ] {
        assert!(
            !JobFailure::from(Error::new(code, "busy")).permanent,
            "{code:?}"
        );
    }
    for code in [
        ErrorCode::ValidationFailed,
        ErrorCode::AuthRequired,
        ErrorCode::NotFound,
    ] {
        assert!(
            JobFailure::from(Error::new(code, "no")).permanent,
            "{code:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_its_timeout_fails_with_a_clear_error() {
    let (_directory, queue) = queue();
    let mut new = NewJob::new("backup", json!(null));
    new.max_attempts = 1;
    let job = queue.enqueue(new).unwrap();
    let handle = JobRunner::new(queue.clone(), 1)
        .poll_interval(Duration::from_millis(5))
        .handle("backup", 1, Duration::from_millis(50), |_context| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(())
        })
        .start();
    let dead = wait_until(&queue, &job.id, JobStatus::Dead).await;
    handle.shutdown().await.unwrap();
    assert!(dead.last_error.unwrap().contains("timed out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_recorded_and_a_cancel_reaches_the_handler() {
    let (_directory, queue) = queue();
    let job = queue.enqueue(NewJob::new("import", json!(null))).unwrap();
    let handle = JobRunner::new(queue.clone(), 1)
        .poll_interval(Duration::from_millis(5))
        .handle("import", 1, Duration::from_secs(10), |context| async move {
            for done in 1..=1000u32 {
                let canceled = context
                    .progress(done, Some(1000))
                    .await
                    .map_err(|error| error.message)?;
                if canceled {
                    return Err("canceled by the user".into());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Ok(())
        })
        .start();
    let running = wait_until(&queue, &job.id, JobStatus::Running).await;
    assert_eq!(running.attempts, 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(queue.get(&job.id).unwrap().progress_done > 0);
    queue.cancel(&job.id).unwrap();
    let canceled = wait_until(&queue, &job.id, JobStatus::Canceled).await;
    handle.shutdown().await.unwrap();
    assert!(canceled.progress_done < 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_an_unhandled_kind_stay_queued() {
    let (_directory, queue) = queue();
    let other = queue
        .enqueue(NewJob::new("not_handled_here", json!(null)))
        .unwrap();
    let mine = queue.enqueue(NewJob::new("embed", json!(null))).unwrap();
    let handle = JobRunner::new(queue.clone(), 1)
        .poll_interval(Duration::from_millis(5))
        .handle("embed", 1, Duration::from_secs(5), |_context| async {
            Ok(())
        })
        .start();
    wait_until(&queue, &mine.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();
    assert_eq!(queue.get(&other.id).unwrap().status, JobStatus::Queued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_progress_reaches_listeners_without_being_recorded() {
    let (_directory, queue) = queue();
    let job = queue.enqueue(NewJob::new("import", json!(null))).unwrap();
    let recorded = queue.clone();
    let runner = JobRunner::new(queue.clone(), 1)
        .poll_interval(Duration::from_millis(5))
        .handle("import", 1, Duration::from_secs(5), move |context| {
            let recorded = recorded.clone();
            async move {
                let id = context.job.id.clone();
                // From blocking code, as an import inside its transaction does.
                tokio::task::spawn_blocking(move || {
                    context.announce_progress(3, Some(7));
                    recorded.get(&id).map_err(JobFailure::from)
                })
                .await
                .map_err(|error| JobFailure::retryable(error.to_string()))?
                .map(|job| assert_eq!(job.progress_done, 0, "announced progress was saved"))
            }
        });
    let mut events = runner.subscribe();
    let handle = runner.start();
    wait_until(&queue, &job.id, JobStatus::Succeeded).await;
    handle.shutdown().await.unwrap();
    let mut progress = Vec::new();
    while let Ok(event) = events.try_recv() {
        progress.push((event.status, event.progress_done, event.progress_total));
    }
    assert!(
        progress.contains(&(JobStatus::Running, 3, Some(7))),
        "{progress:?}"
    );
    assert_eq!(
        progress.last().map(|seen| seen.0),
        Some(JobStatus::Succeeded)
    );
}

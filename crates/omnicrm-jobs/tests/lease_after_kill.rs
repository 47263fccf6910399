//! A worker process killed with SIGKILL mid-job: its lease runs out and another worker claims
//! the job, and at no moment do two workers hold it. The worker is a real separate process
//! (`omnicrm-jobs-test-worker`) that claims one job, says so on one flushed line, and then
//! heartbeats until killed; its output is read with a timeout so a stuck child fails the test
//! instead of hanging it.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use omnicrm_core::{Core, ErrorCode};
use omnicrm_jobs::{JobQueue, JobStatus, NewJob};
use serde_json::json;

const LEASE: Duration = Duration::from_millis(2400);
const LINE_TIMEOUT: Duration = Duration::from_secs(30);

/// A started worker and the first line it printed.
struct Worker {
    child: Child,
    line: String,
}

fn start_worker(data_dir: &Path, name: &str) -> Worker {
    let mut child = Command::new(env!("CARGO_BIN_EXE_omnicrm-jobs-test-worker"))
        .arg(data_dir)
        .arg(name)
        .arg(LEASE.as_millis().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the test worker starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        // The test may have given up waiting; then nobody listens and that is fine.
        sender.send(read).ok();
    });
    match receiver.recv_timeout(LINE_TIMEOUT) {
        Ok(Ok(line)) => Worker {
            child,
            line: line.trim().to_owned(),
        },
        Ok(Err(error)) => {
            child.kill().ok();
            panic!("could not read the worker's output: {error}");
        }
        Err(_) => {
            child.kill().ok();
            panic!("worker {name} printed nothing within {LINE_TIMEOUT:?}");
        }
    }
}

#[test]
fn a_job_held_by_a_killed_worker_is_claimed_by_another_after_its_lease_expires() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let queue = JobQueue::new(core.database.clone());
    let job = queue
        .enqueue(NewJob::new("import.apply", json!({"file": "clients.vcf"})))
        .unwrap();

    let mut first = start_worker(directory.path(), "worker-a");
    assert_eq!(first.line, format!("claimed {}", job.id));

    // A second worker process at the same time finds nothing to claim.
    let mut second = start_worker(directory.path(), "worker-b");
    assert_eq!(second.line, "none");
    assert!(second.child.wait().unwrap().success());

    // Longer than one lease: the live worker's heartbeats keep everyone else away.
    std::thread::sleep(LEASE * 2);
    assert!(
        queue.claim("worker-c", &[], LEASE).unwrap().is_none(),
        "claimed while the first worker was alive and heartbeating"
    );
    let held = queue.get(&job.id).unwrap();
    assert_eq!(held.status, JobStatus::Running);
    assert_eq!(held.lease_owner.as_deref(), Some("worker-a"));

    first.child.kill().unwrap();
    let killed_at = Instant::now();
    let status = first.child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "the worker died of SIGKILL");
    assert!(
        queue.claim("worker-c", &[], LEASE).unwrap().is_none(),
        "claimed before the dead worker's lease ran out"
    );

    let again = loop {
        if let Some(again) = queue.claim("worker-c", &[], LEASE).unwrap() {
            break again;
        }
        assert!(
            killed_at.elapsed() < LEASE * 4,
            "the job was never claimed again after the worker died"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(again.id, job.id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.lease_owner.as_deref(), Some("worker-c"));
    assert!(
        killed_at.elapsed() >= LEASE / 2,
        "claimed again only {:?} after the kill, sooner than the lease allows",
        killed_at.elapsed()
    );

    // The dead worker's claim is void: it could not record anything even if it came back.
    let error = queue.succeed(&job.id, "worker-a").unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    queue.succeed(&job.id, "worker-c").unwrap();
    assert_eq!(queue.get(&job.id).unwrap().status, JobStatus::Succeeded);
}

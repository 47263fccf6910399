//! `omnicrm-jobs-test-worker DATA_DIR WORKER_NAME LEASE_MILLIS`: a stand-in for a worker process,
//! used by `tests/lease_after_kill.rs`. It claims one job of any kind, prints `claimed <id>`
//! (or `none` and exits) as one flushed line, then keeps its lease alive with heartbeats and
//! never finishes, until it is killed. Not shipped to users.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use omnicrm_core::Database;
use omnicrm_jobs::JobQueue;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("omnicrm-jobs-test-worker: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut arguments = std::env::args().skip(1);
    let usage = "usage: omnicrm-jobs-test-worker DATA_DIR WORKER_NAME LEASE_MILLIS";
    let data_dir = PathBuf::from(arguments.next().ok_or(usage)?);
    let worker = arguments.next().ok_or(usage)?;
    let lease_millis: u64 = arguments
        .next()
        .ok_or(usage)?
        .parse()
        .map_err(|error| format!("LEASE_MILLIS: {error}"))?;
    let lease = Duration::from_millis(lease_millis);

    let database = Database::open_in_dir(&data_dir).map_err(|error| error.message)?;
    let queue = JobQueue::new(database);
    let claimed = queue
        .claim(&worker, &[], lease)
        .map_err(|error| error.message)?;
    let mut stdout = std::io::stdout().lock();
    let line = match &claimed {
        Some(job) => format!("claimed {}", job.id),
        None => "none".to_owned(),
    };
    writeln!(stdout, "{line}").map_err(|error| error.to_string())?;
    stdout.flush().map_err(|error| error.to_string())?;
    drop(stdout);
    let Some(job) = claimed else {
        return Ok(());
    };
    // "Working": the lease stays ours while this process lives.
    loop {
        std::thread::sleep(lease / 3);
        queue
            .heartbeat(&job.id, &worker, lease)
            .map_err(|error| format!("lost the lease of {}: {}", job.id, error.message))?;
    }
}

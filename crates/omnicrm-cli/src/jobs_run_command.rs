//! `omnicrm jobs run`: the app's background work from the command line. It runs the same job
//! runner, with every job kind the app handles, and the same recurring schedules, so a
//! machine without the desktop app (a server, a script, a test) can apply queued imports, make
//! the daily backup, sync Google and embed new records.

use std::time::Duration;

use omnicrm_app::{Application, Background};
use omnicrm_core::{Core, Error, Result};
use omnicrm_jobs::{JobEvent, JobStatus};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::output::Printer;

/// What a run did.
#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    pub succeeded: u32,
    pub failed_attempts: u32,
    pub dead: u32,
    pub canceled: u32,
    /// Whether the queue was idle when the run ended (nothing queued, running or waiting to
    /// run again).
    pub idle: bool,
    /// Jobs still open when the run ended.
    pub still_open: u32,
}

impl RunSummary {
    fn count(&mut self, event: &JobEvent) {
        match event.status {
            JobStatus::Succeeded => self.succeeded += 1,
            JobStatus::Failed => self.failed_attempts += 1,
            JobStatus::Dead => self.dead += 1,
            JobStatus::Canceled => self.canceled += 1,
            JobStatus::Queued | JobStatus::Running => {}
        }
    }
}

/// Runs the background work until the queue is idle (`until_idle`) or until interrupted, and
/// at most `timeout_seconds` (0: no limit).
pub fn run(core: &Core, until_idle: bool, timeout_seconds: u64, printer: &Printer) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))?;
    let application = Application::with_core(core.clone());
    let limit = (timeout_seconds > 0).then(|| Duration::from_secs(timeout_seconds));
    let summary = runtime.block_on(run_until(&application, until_idle, limit, printer))?;
    printer.value(&summary, || {
        let mut text = format!(
            "Jobs run: {} succeeded, {} attempts failed, {} failed for good, {} canceled.",
            summary.succeeded, summary.failed_attempts, summary.dead, summary.canceled
        );
        if !summary.idle {
            text.push_str(&format!(
                "\n{} jobs are still waiting (see omnicrm jobs list).",
                summary.still_open
            ));
        }
        text
    })?;
    if until_idle && !summary.idle {
        return Err(Error::new(
            omnicrm_core::ErrorCode::Cancelled,
            format!(
                "stopped after {timeout_seconds} s with {} jobs still waiting",
                summary.still_open
            ),
        ));
    }
    Ok(())
}

async fn run_until(
    application: &Application,
    until_idle: bool,
    limit: Option<Duration>,
    printer: &Printer,
) -> Result<RunSummary> {
    // Queued before the runner starts, so an idle check never comes before the first slot.
    application.enqueue_due_schedules()?;
    let background = Background::start(application, Some(Duration::from_millis(100)));
    let mut changes = background.subscribe();
    let deadline = limit.map(|limit| tokio::time::Instant::now() + limit);
    let mut summary = RunSummary::default();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Ok(event) => {
                    summary.count(&event);
                    if !printer.json {
                        crate::output::print_note(&describe(&event));
                    }
                    continue;
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = &mut interrupted => break,
        }
        if until_idle && open_jobs(application)? == 0 {
            break;
        }
        if deadline.is_some_and(|deadline| tokio::time::Instant::now() >= deadline) {
            break;
        }
    }
    background.shutdown().await?;
    summary.still_open = open_jobs(application)?;
    summary.idle = summary.still_open == 0;
    Ok(summary)
}

/// Jobs queued, running or waiting to run again.
fn open_jobs(application: &Application) -> Result<u32> {
    let open = application.queue.list(
        &[JobStatus::Queued, JobStatus::Running, JobStatus::Failed],
        1000,
    )?;
    Ok(u32::try_from(open.len()).unwrap_or(u32::MAX))
}

fn describe(event: &JobEvent) -> String {
    let progress = match event.progress_total {
        Some(total) if event.status == JobStatus::Running => {
            format!(" {}/{}", event.progress_done, total)
        }
        _ => String::new(),
    };
    let error = event
        .error
        .as_deref()
        .filter(|_| matches!(event.status, JobStatus::Failed | JobStatus::Dead))
        .map(|error| format!(": {error}"))
        .unwrap_or_default();
    format!(
        "{} {} {}{progress}{error}",
        event.kind,
        event.id,
        event.status.as_str()
    )
}

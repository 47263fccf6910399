//! Background job commands: list, look at one, retry, cancel. Thin: validate, call the queue,
//! map to what the UI shows (a job's payload stays in the shell: it can hold file paths).

use omnicrm_core::Error;
use omnicrm_jobs::{Job, JobEvent, JobStatus};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_specta::Event;

use super::CommandResult;
use crate::events::JobChanged;
use crate::JobsState;

/// Most jobs one list returns.
pub const MAX_LIST: u32 = 500;

/// A background job as the UI shows it: where it stands (the runner's [`JobEvent`]), what it
/// works on, and when it was made and finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct JobInfo {
    #[serde(flatten)]
    pub state: JobEvent,
    /// What it works on, when it says (an import's file name).
    pub subject: Option<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<Job> for JobInfo {
    fn from(job: Job) -> Self {
        let subject = job
            .payload
            .pointer("/options/file_name")
            .and_then(|name| name.as_str())
            .map(str::to_owned);
        Self {
            state: JobEvent::of(&job),
            subject,
            created_at: job.created_at,
            finished_at: job.finished_at,
        }
    }
}

/// Tells the UI about a change made here rather than by the runner (which announces its own).
pub(crate) fn announce(app: &AppHandle, job: &Job) {
    if let Err(error) = JobChanged::from(JobEvent::of(job)).emit(app) {
        tracing::warn!(%error, "could not tell the UI that a job changed");
    }
}

fn required_id(id: &str) -> CommandResult<&str> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::invalid_field("id", "is required"));
    }
    Ok(id)
}

/// Jobs in any of `statuses` (all when empty), most recently changed first, at most `limit`
/// (1 to 500).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jobs_list(
    state: State<'_, JobsState>,
    statuses: Vec<JobStatus>,
    limit: u32,
) -> CommandResult<Vec<JobInfo>> {
    if limit == 0 || limit > MAX_LIST {
        return Err(Error::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIST}"),
        ));
    }
    let queue = state.queue()?;
    let jobs = tokio::task::spawn_blocking(move || queue.list(&statuses, limit)).await??;
    Ok(jobs.into_iter().map(JobInfo::from).collect())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jobs_get(state: State<'_, JobsState>, id: String) -> CommandResult<JobInfo> {
    let id = required_id(&id)?.to_owned();
    let queue = state.queue()?;
    let job = tokio::task::spawn_blocking(move || queue.get(&id)).await??;
    Ok(job.into())
}

/// Puts a dead, failed or canceled job back in the queue with fresh attempts.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jobs_retry(
    app: AppHandle,
    state: State<'_, JobsState>,
    id: String,
) -> CommandResult<JobInfo> {
    let id = required_id(&id)?.to_owned();
    let queue = state.queue()?;
    let job = tokio::task::spawn_blocking(move || queue.retry(&id)).await??;
    announce(&app, &job);
    Ok(job.into())
}

/// Cancels a waiting job; a running one is asked to stop at its next progress report.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jobs_cancel(
    app: AppHandle,
    state: State<'_, JobsState>,
    id: String,
) -> CommandResult<JobInfo> {
    let id = required_id(&id)?.to_owned();
    let queue = state.queue()?;
    let job = tokio::task::spawn_blocking(move || queue.cancel(&id)).await??;
    announce(&app, &job);
    Ok(job.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imports_subject_is_its_file_name() {
        let job = Job {
            id: "j".into(),
            kind: "import.apply".into(),
            payload: serde_json::json!({"file": "/x/1.import", "options": {"file_name": "clients.vcf"}}),
            status: JobStatus::Queued,
            attempts: 0,
            max_attempts: 3,
            last_error: None,
            batch_id: None,
            idempotency_key: None,
            progress_done: 0,
            progress_total: None,
            run_at: "2026-11-22T09:00:00.000Z".into(),
            lease_owner: None,
            lease_expires_at: None,
            cancel_requested: false,
            created_at: "2026-11-22T09:00:00.000Z".into(),
            updated_at: "2026-11-22T09:00:00.000Z".into(),
            finished_at: None,
        };
        assert_eq!(
            JobInfo::from(job.clone()).subject.as_deref(),
            Some("clients.vcf")
        );
        let backup = Job {
            kind: "backup.create".into(),
            payload: serde_json::json!({}),
            ..job
        };
        assert_eq!(JobInfo::from(backup).subject, None);
    }

    #[test]
    fn a_blank_id_is_a_field_error() {
        assert_eq!(required_id("  ").unwrap_err().field_errors()[0].field, "id");
    }
}

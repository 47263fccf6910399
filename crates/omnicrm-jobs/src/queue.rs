//! The `jobs` table and every state change of a job.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use omnicrm_core::time::{format_utc, new_id};
use omnicrm_core::{Database, Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::retry::RetryPolicy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    Succeeded,
    /// The last attempt failed; the job runs again at `run_at`.
    Failed,
    /// Out of attempts; only a retry by hand runs it again.
    Dead,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Succeeded,
            Self::Failed,
            Self::Dead,
            Self::Canceled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// Work to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: u32,
    pub batch_id: Option<String>,
    /// A second enqueue with the same key returns the first job instead of adding one.
    pub idempotency_key: Option<String>,
    /// Not before this time; now when `None`.
    pub run_at: Option<DateTime<Utc>>,
}

impl NewJob {
    pub fn new(kind: &str, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            payload,
            max_attempts: 5,
            batch_id: None,
            idempotency_key: None,
            run_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub batch_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub progress_done: u32,
    pub progress_total: Option<u32>,
    pub run_at: String,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<String>,
    pub cancel_requested: bool,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// Where the queue reads the time; tests use a clock they move by hand.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct JobQueue {
    database: Database,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    random: Arc<Mutex<rand::rngs::StdRng>>,
}

const COLUMNS: &str = "id, kind, payload_json, status, attempts, max_attempts, last_error, \
     batch_id, idempotency_key, progress_done, progress_total, run_at, lease_owner, \
     lease_expires_at, cancel_requested, created_at, updated_at, finished_at";

impl JobQueue {
    pub fn new(database: Database) -> Self {
        Self::with_clock(database, Arc::new(SystemClock), RetryPolicy::default())
    }

    pub fn with_clock(database: Database, clock: Arc<dyn Clock>, retry: RetryPolicy) -> Self {
        use rand::SeedableRng;
        Self {
            database,
            clock,
            retry,
            random: Arc::new(Mutex::new(rand::rngs::StdRng::from_os_rng())),
        }
    }

    fn now(&self) -> String {
        format_utc(self.clock.now())
    }

    /// The clock this queue reads, so a scheduler beside it agrees on the time.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Adds a job, or returns the existing one with the same idempotency key.
    pub fn enqueue(&self, job: NewJob) -> Result<Job> {
        self.enqueue_once(job).map(|(job, _added)| job)
    }

    /// Like [`Self::enqueue`], and says whether the job was added (`false`: an earlier job
    /// with the same idempotency key was returned).
    pub fn enqueue_once(&self, job: NewJob) -> Result<(Job, bool)> {
        if job.kind.trim().is_empty() {
            return Err(Error::invalid_field("kind", "is required"));
        }
        if job.max_attempts == 0 {
            return Err(Error::invalid_field("max_attempts", "must be at least 1"));
        }
        let now = self.now();
        self.database.write(|transaction| {
            if let Some(key) = &job.idempotency_key {
                let existing = transaction
                    .query_row(
                        &format!("SELECT {COLUMNS} FROM jobs WHERE idempotency_key = ?1"),
                        [key],
                        job_from_row,
                    )
                    .optional()?;
                if let Some(existing) = existing {
                    return Ok((existing, false));
                }
            }
            let id = new_id();
            let run_at = job.run_at.map_or_else(|| now.clone(), format_utc);
            transaction.execute(
                "INSERT INTO jobs (id, kind, payload_json, status, max_attempts, batch_id,
                                   idempotency_key, run_at, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    id,
                    job.kind,
                    serde_json::to_string(&job.payload)?,
                    job.max_attempts,
                    job.batch_id,
                    job.idempotency_key,
                    run_at,
                    now,
                ],
            )?;
            Ok((load(transaction, &id)?, true))
        })
    }

    /// How many jobs whose idempotency key starts with `prefix` are queued, running or
    /// waiting to retry.
    pub fn unfinished_with_key_prefix(&self, prefix: &str) -> Result<u32> {
        self.database.read(|connection| {
            Ok(connection.query_row(
                "SELECT count(*) FROM jobs
                 WHERE status IN ('queued', 'running', 'failed')
                   AND substr(idempotency_key, 1, length(?1)) = ?1",
                [prefix],
                |row| row.get(0),
            )?)
        })
    }

    /// Claims the oldest due job of one of `kinds` (any kind when empty) for `worker`, under a
    /// lease of `lease`. A running job whose lease has expired is due again.
    pub fn claim(&self, worker: &str, kinds: &[&str], lease: Duration) -> Result<Option<Job>> {
        let now = self.clock.now();
        let now_text = format_utc(now);
        let expires = format_utc(now + chrono::Duration::from_std(lease).unwrap_or_default());
        let kinds_json = serde_json::to_string(kinds)?;
        self.database.write(|transaction| {
            let candidate: Option<String> = transaction
                .query_row(
                    "SELECT id FROM jobs
                     WHERE ((status IN ('queued', 'failed') AND run_at <= ?1)
                            OR (status = 'running' AND lease_expires_at <= ?1))
                       AND (?2 = '[]' OR kind IN (SELECT value FROM json_each(?2)))
                       AND cancel_requested = 0
                     ORDER BY run_at, id LIMIT 1",
                    params![now_text, kinds_json],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(id) = candidate else {
                return Ok(None);
            };
            transaction.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?2,
                                 lease_expires_at = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![id, worker, expires, now_text],
            )?;
            load(transaction, &id).map(Some)
        })
    }

    /// Extends a lease the worker still holds; `conflict` when it has lost it.
    pub fn heartbeat(&self, id: &str, worker: &str, lease: Duration) -> Result<Job> {
        let now = self.clock.now();
        let expires = format_utc(now + chrono::Duration::from_std(lease).unwrap_or_default());
        self.update_held(id, worker, |transaction| {
            transaction.execute(
                "UPDATE jobs SET lease_expires_at = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, expires, format_utc(now)],
            )?;
            Ok(())
        })
    }

    /// Records progress of a held job.
    pub fn report_progress(
        &self,
        id: &str,
        worker: &str,
        done: u32,
        total: Option<u32>,
    ) -> Result<Job> {
        let now = self.now();
        self.update_held(id, worker, |transaction| {
            transaction.execute(
                "UPDATE jobs SET progress_done = ?2, progress_total = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![id, done, total, now],
            )?;
            Ok(())
        })
    }

    pub fn succeed(&self, id: &str, worker: &str) -> Result<Job> {
        let now = self.now();
        self.update_held(id, worker, |transaction| {
            transaction.execute(
                "UPDATE jobs SET status = 'succeeded', lease_owner = NULL, lease_expires_at = NULL,
                                 last_error = NULL, updated_at = ?2, finished_at = ?2
                 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(())
        })
    }

    /// Records a failed attempt: the job waits its backoff and runs again, or goes to the dead
    /// list when it has used all its attempts. A job whose cancel was requested is canceled.
    pub fn fail(&self, id: &str, worker: &str, error: &str) -> Result<Job> {
        self.record_failure(id, worker, error, false)
    }

    /// Records a failure no retry can fix: the job goes to the dead list now, whatever
    /// attempts it has left (a canceled job stays canceled).
    pub fn fail_permanently(&self, id: &str, worker: &str, error: &str) -> Result<Job> {
        self.record_failure(id, worker, error, true)
    }

    fn record_failure(&self, id: &str, worker: &str, error: &str, permanent: bool) -> Result<Job> {
        let now = self.clock.now();
        let random = &self.random;
        let retry = self.retry;
        self.update_held(id, worker, |transaction| {
            let (attempts, max_attempts, cancel_requested): (u32, u32, bool) = transaction
                .query_row(
                    "SELECT attempts, max_attempts, cancel_requested FROM jobs WHERE id = ?1",
                    [id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )?;
            let (status, run_at) = if cancel_requested {
                (JobStatus::Canceled, now)
            } else if permanent || attempts >= max_attempts {
                (JobStatus::Dead, now)
            } else {
                let delay = match random.lock() {
                    Ok(mut random) => retry.delay(attempts, &mut *random),
                    Err(_) => retry.max,
                };
                (
                    JobStatus::Failed,
                    now + chrono::Duration::from_std(delay).unwrap_or_default(),
                )
            };
            let finished =
                matches!(status, JobStatus::Dead | JobStatus::Canceled).then(|| format_utc(now));
            transaction.execute(
                "UPDATE jobs SET status = ?2, last_error = ?3, run_at = ?4, lease_owner = NULL,
                                 lease_expires_at = NULL, updated_at = ?5, finished_at = ?6
                 WHERE id = ?1",
                params![
                    id,
                    status.as_str(),
                    error,
                    format_utc(run_at),
                    format_utc(now),
                    finished
                ],
            )?;
            Ok(())
        })
    }

    /// Cancels a waiting job at once; a running one is asked to stop (its worker sees
    /// `cancel_requested` at its next heartbeat or progress report and ends it).
    pub fn cancel(&self, id: &str) -> Result<Job> {
        let now = self.now();
        self.database.write(|transaction| {
            let job = load(transaction, id)?;
            match job.status {
                JobStatus::Queued | JobStatus::Failed | JobStatus::Dead => {
                    transaction.execute(
                        "UPDATE jobs SET status = 'canceled', updated_at = ?2, finished_at = ?2
                         WHERE id = ?1",
                        params![id, now],
                    )?;
                }
                JobStatus::Running => {
                    transaction.execute(
                        "UPDATE jobs SET cancel_requested = 1, updated_at = ?2 WHERE id = ?1",
                        params![id, now],
                    )?;
                }
                JobStatus::Succeeded | JobStatus::Canceled => {
                    return Err(Error::conflict(format!(
                        "the job has already {}",
                        if job.status == JobStatus::Succeeded {
                            "succeeded"
                        } else {
                            "been canceled"
                        }
                    )))
                }
            }
            load(transaction, id)
        })
    }

    /// Puts a dead, failed or canceled job back in the queue with fresh attempts.
    pub fn retry(&self, id: &str) -> Result<Job> {
        let now = self.now();
        self.database.write(|transaction| {
            let job = load(transaction, id)?;
            if !matches!(
                job.status,
                JobStatus::Dead | JobStatus::Failed | JobStatus::Canceled
            ) {
                return Err(Error::conflict(format!(
                    "a {} job cannot be retried",
                    job.status.as_str()
                )));
            }
            transaction.execute(
                "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?2, last_error = NULL,
                                 cancel_requested = 0, finished_at = NULL, updated_at = ?2
                 WHERE id = ?1",
                params![id, now],
            )?;
            load(transaction, id)
        })
    }

    pub fn get(&self, id: &str) -> Result<Job> {
        self.database.read(|connection| load(connection, id))
    }

    /// Jobs in any of `statuses` (all when empty), most recently changed first.
    pub fn list(&self, statuses: &[JobStatus], limit: u32) -> Result<Vec<Job>> {
        let statuses: Vec<&str> = statuses.iter().map(|status| status.as_str()).collect();
        let statuses = serde_json::to_string(&statuses)?;
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM jobs
                 WHERE ?1 = '[]' OR status IN (SELECT value FROM json_each(?1))
                 ORDER BY updated_at DESC, id DESC LIMIT ?2"
            ))?;
            let jobs = statement
                .query_map(params![statuses, limit], job_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(jobs)
        })
    }

    /// Removes succeeded jobs that finished more than `retention` ago; returns how many.
    pub fn purge_succeeded(&self, retention: Duration) -> Result<usize> {
        let cutoff = format_utc(
            self.clock.now() - chrono::Duration::from_std(retention).unwrap_or_default(),
        );
        self.database.write(|transaction| {
            Ok(transaction.execute(
                "DELETE FROM jobs WHERE status = 'succeeded' AND finished_at < ?1",
                [cutoff],
            )?)
        })
    }

    /// Runs `change` when `worker` still holds the job's lease; `conflict` otherwise, so a
    /// worker whose lease expired can never overwrite the new holder's work.
    fn update_held(
        &self,
        id: &str,
        worker: &str,
        change: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<()>,
    ) -> Result<Job> {
        self.database.write(|transaction| {
            let job = load(transaction, id)?;
            if job.status != JobStatus::Running || job.lease_owner.as_deref() != Some(worker) {
                return Err(Error::conflict(format!(
                    "worker {worker} no longer holds job {id}"
                )));
            }
            change(transaction)?;
            load(transaction, id)
        })
    }
}

fn load(connection: &Connection, id: &str) -> Result<Job> {
    connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?
        .query_row([id], job_from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("job", id))
}

fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    let payload: String = row.get(2)?;
    let status: String = row.get(3)?;
    Ok(Job {
        id: row.get(0)?,
        kind: row.get(1)?,
        payload: serde_json::from_str(&payload).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                Box::new(error),
            )
        })?,
        status: JobStatus::parse(&status).unwrap_or(JobStatus::Failed),
        attempts: row.get(4)?,
        max_attempts: row.get(5)?,
        last_error: row.get(6)?,
        batch_id: row.get(7)?,
        idempotency_key: row.get(8)?,
        progress_done: row.get(9)?,
        progress_total: row.get(10)?,
        run_at: row.get(11)?,
        lease_owner: row.get(12)?,
        lease_expires_at: row.get(13)?,
        cancel_requested: row.get(14)?,
        created_at: row.get(15)?,
        updated_at: row.get(16)?,
        finished_at: row.get(17)?,
    })
}

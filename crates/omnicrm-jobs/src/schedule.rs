//! Recurring jobs: "run `kind` every `interval`". Time is cut into slots aligned on the Unix
//! epoch (a daily schedule's slots start at 00:00 UTC); on each tick the scheduler enqueues the
//! current slot's job under an idempotency key naming the kind and the slot, so starting the
//! app twice in one slot, or two processes ticking at once, enqueue it once. A slot whose
//! earlier job is still waiting or running adds nothing, so a stopped runner does not pile up
//! work; a slot after a dead job enqueues a fresh one.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use omnicrm_core::time::format_utc;
use omnicrm_core::{Error, Result};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::queue::{Clock, Job, JobQueue, NewJob};

/// One recurring job.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub kind: String,
    pub interval: Duration,
    pub payload: serde_json::Value,
    pub max_attempts: u32,
}

impl Schedule {
    pub fn new(kind: &str, interval: Duration, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.to_owned(),
            interval,
            payload,
            max_attempts: 3,
        }
    }

    /// The start of the slot that holds `now`.
    pub fn slot_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let length = i64::try_from(self.interval.as_secs().max(1)).unwrap_or(i64::MAX);
        let start = now.timestamp().div_euclid(length).saturating_mul(length);
        Utc.timestamp_opt(start, 0).single().unwrap_or(now)
    }

    /// The idempotency key of the slot that holds `now`.
    pub fn slot_key(&self, now: DateTime<Utc>) -> String {
        format!("{}{}", self.key_prefix(), format_utc(self.slot_start(now)))
    }

    fn key_prefix(&self) -> String {
        format!("schedule:{}:", self.kind)
    }
}

/// Enqueues the jobs of a set of schedules as their slots come round.
#[derive(Clone)]
pub struct Scheduler {
    queue: JobQueue,
    clock: Arc<dyn Clock>,
    schedules: Arc<Vec<Schedule>>,
}

impl Scheduler {
    /// A scheduler on `queue`'s clock. Every schedule needs a kind and an interval of at least
    /// a second.
    pub fn new(queue: JobQueue, schedules: Vec<Schedule>) -> Result<Self> {
        for schedule in &schedules {
            if schedule.kind.trim().is_empty() {
                return Err(Error::invalid_field("kind", "is required"));
            }
            if schedule.interval < Duration::from_secs(1) {
                return Err(Error::invalid_field(
                    "interval",
                    format!("of {} must be at least one second", schedule.kind),
                ));
            }
        }
        Ok(Self {
            clock: queue.clock(),
            queue,
            schedules: Arc::new(schedules),
        })
    }

    /// Enqueues the current slot's job of every schedule that has none waiting or running;
    /// returns the jobs it added.
    pub fn tick(&self) -> Result<Vec<Job>> {
        let now = self.clock.now();
        let mut added = Vec::new();
        for schedule in self.schedules.iter() {
            if self
                .queue
                .unfinished_with_key_prefix(&schedule.key_prefix())?
                > 0
            {
                continue;
            }
            let key = schedule.slot_key(now);
            let mut job = NewJob::new(&schedule.kind, schedule.payload.clone());
            job.max_attempts = schedule.max_attempts;
            job.idempotency_key = Some(key);
            let (enqueued, is_new) = self.queue.enqueue_once(job)?;
            if is_new {
                tracing::info!(kind = %schedule.kind, job = %enqueued.id, "scheduled job enqueued");
                added.push(enqueued);
            }
        }
        Ok(added)
    }

    /// Ticks now and then every `check_every` on tokio until the handle is shut down.
    pub fn start(self, check_every: Duration) -> SchedulerHandle {
        let (shutdown, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let scheduler = self.clone();
                match tokio::task::spawn_blocking(move || scheduler.tick()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(code = ?error.code, message = %error.message, "scheduler tick failed")
                    }
                    Err(error) => tracing::warn!(%error, "scheduler tick ended abnormally"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(check_every) => {}
                    changed = stopped.changed() => {
                        if changed.is_err() || *stopped.borrow() {
                            break;
                        }
                    }
                }
            }
        });
        SchedulerHandle { shutdown, task }
    }
}

/// Stops a started scheduler.
pub struct SchedulerHandle {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl SchedulerHandle {
    pub async fn shutdown(self) -> Result<()> {
        self.shutdown
            .send(true)
            .map_err(|_| Error::internal("the scheduler had already stopped"))?;
        self.task.await?;
        Ok(())
    }
}

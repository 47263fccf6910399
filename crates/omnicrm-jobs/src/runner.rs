//! Runs queued jobs on tokio: a bounded pool with per-kind limits, a timeout per kind, lease
//! heartbeats, progress and cancellation, and a broadcast of every state change.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::{Error, Result};
use tokio::sync::{broadcast, watch, Semaphore};
use tokio::task::JoinHandle;

use crate::failure::JobFailure;
use crate::queue::{Job, JobQueue, JobStatus};

/// What a handler returns: `Err` marks the attempt failed; a permanent failure sends the job
/// to the dead list without the remaining attempts.
pub type JobOutcome = std::result::Result<(), JobFailure>;
type HandlerFuture = Pin<Box<dyn Future<Output = JobOutcome> + Send>>;
type Handler = Arc<dyn Fn(JobContext) -> HandlerFuture + Send + Sync>;

/// Where a job stands after a change: the one shape the runner announces, the CLI prints and
/// the app sends to its UI (as the `JobChanged` event, and inside each listed job).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct JobEvent {
    pub id: String,
    pub kind: String,
    /// The batch the job belongs to (a sync batch, for instance).
    pub batch_id: Option<String>,
    pub status: JobStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub progress_done: u32,
    pub progress_total: Option<u32>,
    /// The last attempt's error.
    pub error: Option<String>,
    /// When it runs (again).
    pub run_at: String,
    pub cancel_requested: bool,
    pub updated_at: String,
}

impl JobEvent {
    pub fn of(job: &Job) -> Self {
        Self {
            id: job.id.clone(),
            kind: job.kind.clone(),
            batch_id: job.batch_id.clone(),
            status: job.status,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            progress_done: job.progress_done,
            progress_total: job.progress_total,
            error: job.last_error.clone(),
            run_at: job.run_at.clone(),
            cancel_requested: job.cancel_requested,
            updated_at: job.updated_at.clone(),
        }
    }
}

/// Given to a handler: the job, and a way to report progress.
#[derive(Clone)]
pub struct JobContext {
    pub job: Job,
    queue: JobQueue,
    worker: String,
    events: broadcast::Sender<JobEvent>,
}

impl JobContext {
    /// Records progress. Returns `true` when the user asked to cancel: the handler should stop
    /// and return an error.
    pub async fn progress(&self, done: u32, total: Option<u32>) -> Result<bool> {
        let queue = self.queue.clone();
        let (id, worker) = (self.job.id.clone(), self.worker.clone());
        let job =
            tokio::task::spawn_blocking(move || queue.report_progress(&id, &worker, done, total))
                .await??;
        publish(&self.events, &job);
        Ok(job.cancel_requested)
    }

    /// Tells listeners about progress without recording it. For work that holds the database
    /// writer for its whole length (an import is one transaction, so a crash rolls it back):
    /// recording progress would wait for that very writer. Callable from blocking code.
    pub fn announce_progress(&self, done: u32, total: Option<u32>) {
        let mut job = self.job.clone();
        job.status = JobStatus::Running;
        job.progress_done = done;
        job.progress_total = total;
        job.updated_at = omnicrm_core::time::now_utc();
        publish(&self.events, &job);
    }
}

/// How one kind of job runs.
#[derive(Clone)]
struct KindSettings {
    handler: Handler,
    concurrency: usize,
    timeout: Duration,
}

/// Builds and starts the worker pool.
pub struct JobRunner {
    queue: JobQueue,
    kinds: HashMap<String, KindSettings>,
    concurrency: usize,
    lease: Duration,
    poll_interval: Duration,
    worker_name: String,
    events: broadcast::Sender<JobEvent>,
}

impl JobRunner {
    pub fn new(queue: JobQueue, concurrency: usize) -> Self {
        let (events, _) = broadcast::channel(256);
        Self {
            queue,
            kinds: HashMap::new(),
            concurrency: concurrency.max(1),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(500),
            worker_name: format!("worker-{}", omnicrm_core::time::new_id()),
            events,
        }
    }

    /// Registers the handler of `kind`, at most `concurrency` at a time, each attempt stopped
    /// after `timeout`.
    pub fn handle<F, Fut>(
        mut self,
        kind: &str,
        concurrency: usize,
        timeout: Duration,
        handler: F,
    ) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobOutcome> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |context| Box::pin(handler(context)));
        self.kinds.insert(
            kind.to_owned(),
            KindSettings {
                handler,
                concurrency: concurrency.max(1),
                timeout,
            },
        );
        self
    }

    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Every state change of every job this pool runs.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    /// Starts claiming and running jobs until the handle is shut down.
    pub fn start(self) -> RunnerHandle {
        let (shutdown, mut stopped) = watch::channel(false);
        let pool = Arc::new(Semaphore::new(self.concurrency));
        let kind_slots: HashMap<String, Arc<Semaphore>> = self
            .kinds
            .iter()
            .map(|(kind, settings)| (kind.clone(), Arc::new(Semaphore::new(settings.concurrency))))
            .collect();
        let runner = Arc::new(self);
        let task = tokio::spawn(async move {
            let mut running: Vec<JoinHandle<()>> = Vec::new();
            loop {
                running.retain(|task| !task.is_finished());
                let mut claimed_any = false;
                if let Ok(pool_slot) = pool.clone().try_acquire_owned() {
                    let free: Vec<(String, tokio::sync::OwnedSemaphorePermit)> = kind_slots
                        .iter()
                        .filter_map(|(kind, slots)| {
                            slots
                                .clone()
                                .try_acquire_owned()
                                .ok()
                                .map(|permit| (kind.clone(), permit))
                        })
                        .collect();
                    let kinds: Vec<String> = free.iter().map(|(kind, _)| kind.clone()).collect();
                    if !kinds.is_empty() {
                        match runner.claim(kinds).await {
                            Ok(Some(job)) => {
                                claimed_any = true;
                                let kind_permit = free
                                    .into_iter()
                                    .find(|(kind, _)| *kind == job.kind)
                                    .map(|(_, permit)| permit);
                                let runner = runner.clone();
                                running.push(tokio::spawn(async move {
                                    runner.run(job).await;
                                    drop(kind_permit);
                                    drop(pool_slot);
                                }));
                            }
                            Ok(None) => {}
                            Err(error) => {
                                tracing_warn(&format!("could not claim a job: {}", error.message));
                            }
                        }
                    }
                }
                if claimed_any {
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(runner.poll_interval) => {}
                    changed = stopped.changed() => {
                        if changed.is_err() || *stopped.borrow() {
                            break;
                        }
                    }
                }
            }
            for task in running {
                if let Err(error) = task.await {
                    tracing_warn(&format!("a job task ended abnormally: {error}"));
                }
            }
        });
        RunnerHandle { shutdown, task }
    }

    async fn claim(&self, kinds: Vec<String>) -> Result<Option<Job>> {
        let queue = self.queue.clone();
        let worker = self.worker_name.clone();
        let lease = self.lease;
        let job = tokio::task::spawn_blocking(move || {
            let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
            queue.claim(&worker, &kinds, lease)
        })
        .await??;
        if let Some(job) = &job {
            publish(&self.events, job);
        }
        Ok(job)
    }

    /// Runs one attempt: the handler under its timeout, with heartbeats, then records the end.
    async fn run(&self, job: Job) {
        let Some(settings) = self.kinds.get(&job.kind).cloned() else {
            return;
        };
        let context = JobContext {
            job: job.clone(),
            queue: self.queue.clone(),
            worker: self.worker_name.clone(),
            events: self.events.clone(),
        };
        let heartbeat = self.spawn_heartbeat(&job.id);
        let outcome =
            match tokio::time::timeout(settings.timeout, (settings.handler)(context)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(JobFailure::retryable(format!(
                    "timed out after {} s",
                    settings.timeout.as_secs_f64()
                ))),
            };
        heartbeat.abort();
        let queue = self.queue.clone();
        let worker = self.worker_name.clone();
        let id = job.id.clone();
        let ended = tokio::task::spawn_blocking(move || match outcome {
            Ok(()) => queue.succeed(&id, &worker),
            Err(failure) if failure.permanent => {
                queue.fail_permanently(&id, &worker, &failure.message)
            }
            Err(failure) => queue.fail(&id, &worker, &failure.message),
        })
        .await
        .map_err(Error::from)
        .and_then(|result| result);
        match ended {
            Ok(job) => publish(&self.events, &job),
            Err(error) => tracing_warn(&format!(
                "job {} could not be recorded: {}",
                job.id, error.message
            )),
        }
    }

    fn spawn_heartbeat(&self, id: &str) -> JoinHandle<()> {
        let queue = self.queue.clone();
        let worker = self.worker_name.clone();
        let lease = self.lease;
        let id = id.to_owned();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(lease / 3);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let (queue, worker, id) = (queue.clone(), worker.clone(), id.clone());
                let beat =
                    tokio::task::spawn_blocking(move || queue.heartbeat(&id, &worker, lease)).await;
                if !matches!(beat, Ok(Ok(_))) {
                    break;
                }
            }
        })
    }
}

/// Sends a job's state to whoever listens; having no listener is normal.
fn publish(events: &broadcast::Sender<JobEvent>, job: &Job) {
    if let Err(unheard) = events.send(JobEvent::of(job)) {
        tracing::trace!(job = %unheard.0.id, "no one listens to job events");
    }
}

fn tracing_warn(message: &str) {
    tracing::warn!(%message, "job runner");
}

/// Stops the pool: no new claims; running jobs finish their attempt.
pub struct RunnerHandle {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunnerHandle {
    pub async fn shutdown(self) -> Result<()> {
        self.shutdown
            .send(true)
            .map_err(|_| Error::internal("the job runner had already stopped"))?;
        self.task.await?;
        Ok(())
    }
}

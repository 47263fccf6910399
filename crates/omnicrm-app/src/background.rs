//! The product's background work, the same in the app and in `omnicrm jobs run`: the job
//! runner with every kind, the scheduler of the recurring jobs, and the trigger that queues
//! embedding shortly after any write.

use std::time::Duration;

use omnicrm_core::Result;
use omnicrm_jobs::{JobEvent, RunnerHandle, Scheduler, SchedulerHandle};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use crate::Application;

/// How often the scheduler looks whether a recurring job's slot has come round.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(60);

/// The running background work. Stop it with [`Background::shutdown`]; a job cut short by
/// the process ending is claimed again at the next start once its lease has run out.
pub struct Background {
    runner: RunnerHandle,
    scheduler: Option<SchedulerHandle>,
    trigger: Option<JoinHandle<()>>,
    changes: broadcast::Receiver<JobEvent>,
}

impl Background {
    /// Starts it on the current tokio runtime. `poll_interval` is how often the runner looks
    /// for due jobs when it was not woken (None: the runner's default).
    pub fn start(application: &Application, poll_interval: Option<Duration>) -> Self {
        let indexer = application.embedding_indexer();
        let embeds = indexer.is_some();
        // A few seconds after any write (the app's, an import's, an undo's, the CLI's, or one
        // made while the app was closed), the waiting records are embedded by the durable job.
        let trigger = indexer.clone().map(|indexer| {
            let trigger = omnicrm_search::EmbeddingTrigger::new(indexer, application.queue.clone());
            tokio::spawn(trigger.run(omnicrm_search::embedding_trigger::CHECK_EVERY))
        });
        let mut runner = crate::job_handlers::runner(
            &application.core,
            &application.queue,
            application.google(),
            indexer,
        );
        if let Some(interval) = poll_interval {
            runner = runner.poll_interval(interval);
        }
        let changes = runner.subscribe();
        let scheduler = match Scheduler::new(
            application.queue.clone(),
            crate::job_handlers::schedules(embeds),
        ) {
            Ok(scheduler) => Some(scheduler.start(SCHEDULER_TICK)),
            Err(error) => {
                tracing::error!(message = %error.message, "the recurring jobs are not valid");
                None
            }
        };
        Self {
            runner: runner.start(),
            scheduler,
            trigger,
            changes,
        }
    }

    /// Every job state change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.changes.resubscribe()
    }

    /// Stops taking new jobs and waits for the running ones to end.
    pub async fn shutdown(self) -> Result<()> {
        if let Some(trigger) = self.trigger {
            trigger.abort();
        }
        if let Some(scheduler) = self.scheduler {
            scheduler.shutdown().await?;
        }
        self.runner.shutdown().await
    }
}

//! The durable job queue. Jobs live in the `jobs` table of the local store, so queued work
//! survives restarts. A worker claims a job under a time-limited lease; if the worker dies
//! (kill -9, crash) the lease expires and another worker claims the job again, while a live
//! lease keeps any other worker away. Failed attempts are retried with exponential backoff and
//! jitter; a job that runs out of attempts goes to the dead list, from which it can be retried
//! by hand; a permanent failure ([`JobFailure::permanent`]) goes there at once. A [`Scheduler`] enqueues recurring jobs once per time slot.

mod failure;
mod queue;
mod retry;
mod runner;
mod schedule;

pub use failure::{is_permanent, JobFailure};
pub use queue::{Clock, Job, JobQueue, JobStatus, NewJob, SystemClock};
pub use retry::RetryPolicy;
pub use runner::{JobContext, JobEvent, JobOutcome, JobRunner, RunnerHandle};
pub use schedule::{Schedule, Scheduler, SchedulerHandle};

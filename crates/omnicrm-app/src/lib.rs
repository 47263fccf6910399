//! The OmniCRM application layer, shared by the desktop app and the `omnicrm` CLI so neither
//! wires the product up on its own: it opens the store, search and the Google sync, and runs
//! the durable job runner with every job kind the product has, with its recurring schedules.
//!
//! Front ends stay thin: `src-tauri` turns an [`Application`] into window state and forwards
//! job changes to the UI; the CLI opens one per command and, for `omnicrm jobs run`, runs the
//! same background work as the app until the queue is idle.

pub mod background;
pub mod data_deletion;
pub mod encryption_at_rest;
pub mod job_handlers;
pub mod search_setup;
pub mod team_sync_service;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use omnicrm_core::{Core, Result};
use omnicrm_google::GoogleSync;
use omnicrm_jobs::{JobQueue, JobRunner, Schedule, Scheduler};
use omnicrm_search::{EmbeddingIndexer, SearchService};

pub use background::Background;

/// The product over one data folder: the core, its job queue, search and the Google sync.
/// Cheap to clone: every part is shared.
#[derive(Clone)]
pub struct Application {
    pub core: Core,
    pub queue: JobQueue,
    search: Arc<OnceLock<SearchService>>,
    google: Option<Arc<GoogleSync>>,
    team_sync: omnicrm_sync_client::TeamSync,
}

impl Application {
    /// Opens the data folder (creating and migrating it as needed, encrypted at rest: see
    /// [`encryption_at_rest`]). Search opens on first use
    /// ([`Application::search`]), since loading the embedding model takes a moment that most
    /// CLI commands do not need.
    pub fn open(data_dir: &Path) -> Result<Self> {
        // Every connection the core opens must have sqlite-vec, so it is registered first.
        omnicrm_search::register_sqlite_vec();
        Ok(Self::with_core(encryption_at_rest::open_core(data_dir)?))
    }

    /// The application over an opened core (tests, and front ends that opened it themselves).
    /// Google is configured from the environment (`omnicrm_google::environment`); when that
    /// configuration is not valid, the Google jobs wait in the queue and the log says why.
    pub fn with_core(core: Core) -> Self {
        let google = match omnicrm_google::environment::sync_from_env(&core) {
            Ok(sync) => Some(Arc::new(sync)),
            Err(error) => {
                tracing::error!(message = %error.message, "Google sync is off: its configuration is not valid");
                None
            }
        };
        Self {
            queue: JobQueue::new(core.database.clone()),
            team_sync: omnicrm_sync_client::TeamSync::new(core.clone()),
            core,
            search: Arc::new(OnceLock::new()),
            google,
        }
    }

    /// Search over the store: the embedder chosen in Settings, keyword only when it cannot be
    /// used (the responses say why). Opened once, on first use.
    pub fn search(&self) -> SearchService {
        self.search
            .get_or_init(|| search_setup::open_search(&self.core))
            .clone()
    }

    /// Team sync of this device (connect, sync now, status): one for the application, so the
    /// background service and a "Sync now" share the connection to the team's server.
    pub fn team_sync(&self) -> omnicrm_sync_client::TeamSync {
        self.team_sync.clone()
    }

    /// The Google sync, when its configuration is valid.
    pub fn google(&self) -> Option<Arc<GoogleSync>> {
        self.google.clone()
    }

    /// The embedding job's indexer, when search has an embedder.
    pub fn embedding_indexer(&self) -> Option<Arc<EmbeddingIndexer>> {
        self.search()
            .embedder()
            .map(|embedder| Arc::new(EmbeddingIndexer::new(self.core.database.clone(), embedder)))
    }

    /// A runner over the queue with every job kind the product handles.
    pub fn runner(&self) -> JobRunner {
        job_handlers::runner(
            &self.core,
            &self.queue,
            self.google(),
            self.embedding_indexer(),
        )
    }

    /// The recurring jobs.
    pub fn schedules(&self) -> Vec<Schedule> {
        job_handlers::schedules(self.search().embedder().is_some())
    }

    /// Queues the recurring jobs whose slot has come round and returns how many it queued
    /// (the background scheduler does the same every minute; a slot is queued once).
    pub fn enqueue_due_schedules(&self) -> Result<usize> {
        Ok(Scheduler::new(self.queue.clone(), self.schedules())?
            .tick()?
            .len())
    }
}

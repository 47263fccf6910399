//! The in-memory side of one instance: loaded documents and who is subscribed to them.
//!
//! Documents are loaded on demand and dropped after `idle_eviction_seconds` without use, so
//! memory follows the working set rather than everything ever opened. Subscriptions are kept
//! apart from loaded documents: a connection stays subscribed while its document is evicted,
//! and a change reloads it only when some connection needs a sync message.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use automerge::Automerge;
use omnicrm_sync::protocol::Ephemeral;
use omnicrm_sync::DocumentId;
use tokio::sync::{broadcast, Notify};
use uuid::Uuid;

use crate::database::Database;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::storage;
use crate::Config;

/// A document held in memory.
pub struct LoadedDocument {
    pub id: DocumentId,
    pub workspace_id: Uuid,
    pub state: tokio::sync::Mutex<DocumentState>,
    last_used_ms: AtomicI64,
}

pub struct DocumentState {
    pub document: Automerge,
    /// The newest stored chunk this copy includes.
    pub seq: i64,
    pub stored_bytes: i64,
}

/// Ephemeral messages queued per connection before the oldest are dropped: presence is
/// lossy by nature, and a slow reader must not grow the server's memory.
const EPHEMERAL_QUEUE: usize = 256;

/// Where a connection learns which of its documents changed, and receives relayed
/// ephemeral (presence) messages.
#[derive(Default)]
pub struct Inbox {
    dirty: Mutex<HashSet<DocumentId>>,
    ephemeral: Mutex<VecDeque<Ephemeral>>,
    pub notify: Notify,
}

impl Inbox {
    pub fn take(&self) -> Vec<DocumentId> {
        lock(&self.dirty).drain().collect()
    }

    pub fn take_ephemeral(&self) -> Vec<Ephemeral> {
        lock(&self.ephemeral).drain(..).collect()
    }

    fn push_ephemeral(&self, message: Ephemeral) {
        let mut queue = lock(&self.ephemeral);
        if queue.len() >= EPHEMERAL_QUEUE {
            queue.pop_front();
        }
        queue.push_back(message);
        drop(queue);
        self.notify.notify_one();
    }

    fn mark(&self, id: DocumentId) {
        lock(&self.dirty).insert(id);
        self.notify.notify_one();
    }
}

pub struct Hub {
    pub instance_id: Uuid,
    pub config: Arc<Config>,
    pub database: Database,
    pub metrics: Metrics,
    pub rate_limiter: RateLimiter,
    documents: Mutex<HashMap<DocumentId, Arc<LoadedDocument>>>,
    subscribers: Mutex<HashMap<DocumentId, HashMap<Uuid, Arc<Inbox>>>>,
    /// Token ids revoked anywhere (fed by NOTIFY).
    pub revocations: broadcast::Sender<Uuid>,
}

/// What opening a document for a connection found.
pub enum Opened {
    Document(Arc<LoadedDocument>),
    /// Absent, or in another workspace: the same answer, so ids of other workspaces leak
    /// nothing.
    Unavailable,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these short locks cannot leave the maps half-updated, so a
    // poisoned lock is still safe to use.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Hub {
    pub fn new(config: Arc<Config>, database: Database, metrics: Metrics) -> Self {
        let rate_limiter = RateLimiter::new(
            database.primary.clone(),
            config.rate_limit_per_token,
            config.rate_limit_per_ip,
            config.rate_limit_window_seconds,
        );
        Self {
            instance_id: Uuid::now_v7(),
            config,
            database,
            metrics,
            rate_limiter,
            documents: Mutex::new(HashMap::new()),
            subscribers: Mutex::new(HashMap::new()),
            revocations: broadcast::channel(256).0,
        }
    }

    /// Opens a document for a connection of `workspace_id`. With `create`, a document that
    /// does not exist yet is created in that workspace (a client syncing a new document).
    pub async fn open(
        &self,
        id: DocumentId,
        workspace_id: Uuid,
        create: bool,
    ) -> Result<Opened, ApiError> {
        if let Some(loaded) = lock(&self.documents).get(&id).cloned() {
            loaded.touch();
            return Ok(if loaded.workspace_id == workspace_id {
                Opened::Document(loaded)
            } else {
                Opened::Unavailable
            });
        }
        let owner = match storage::owner(&self.database.primary, id).await? {
            Some(owner) => owner,
            None if create => storage::claim(&self.database.primary, id, workspace_id).await?,
            None => return Ok(Opened::Unavailable),
        };
        if owner != workspace_id {
            return Ok(Opened::Unavailable);
        }
        match self.load(id).await? {
            Some(loaded) => Ok(Opened::Document(loaded)),
            None => Ok(Opened::Unavailable),
        }
    }

    /// The loaded document, loading it from storage if needed (no access check: callers
    /// only pass ids a connection already opened).
    pub async fn load(&self, id: DocumentId) -> Result<Option<Arc<LoadedDocument>>, ApiError> {
        if let Some(loaded) = lock(&self.documents).get(&id).cloned() {
            loaded.touch();
            return Ok(Some(loaded));
        }
        let Some(stored) = storage::load(&self.database.primary, id).await? else {
            return Ok(None);
        };
        let fresh = Arc::new(LoadedDocument {
            id,
            workspace_id: stored.workspace_id,
            state: tokio::sync::Mutex::new(DocumentState {
                document: stored.document,
                seq: stored.seq,
                stored_bytes: stored.stored_bytes,
            }),
            last_used_ms: AtomicI64::new(now_ms()),
        });
        let mut documents = lock(&self.documents);
        let loaded = documents.entry(id).or_insert_with(|| fresh).clone();
        self.metrics.documents_loaded.set(documents.len() as i64);
        Ok(Some(loaded))
    }

    /// Drops a document from memory (idle, or its in-memory copy can no longer be trusted).
    pub fn evict(&self, id: DocumentId) {
        let mut documents = lock(&self.documents);
        documents.remove(&id);
        self.metrics.documents_loaded.set(documents.len() as i64);
    }

    /// Drops documents unused for the idle period and not borrowed by anyone.
    pub fn evict_idle(&self) -> usize {
        let cutoff = now_ms() - (self.config.idle_eviction_seconds as i64) * 1000;
        let mut documents = lock(&self.documents);
        let before = documents.len();
        documents.retain(|_, loaded| {
            Arc::strong_count(loaded) > 1 || loaded.last_used_ms.load(Ordering::Relaxed) >= cutoff
        });
        let evicted = before - documents.len();
        self.metrics.documents_evicted.inc_by(evicted as u64);
        self.metrics.documents_loaded.set(documents.len() as i64);
        evicted
    }

    pub fn loaded_count(&self) -> usize {
        lock(&self.documents).len()
    }

    pub fn subscribe(&self, id: DocumentId, connection_id: Uuid, inbox: Arc<Inbox>) {
        lock(&self.subscribers)
            .entry(id)
            .or_default()
            .insert(connection_id, inbox);
    }

    pub fn unsubscribe(&self, ids: impl IntoIterator<Item = DocumentId>, connection_id: Uuid) {
        let mut subscribers = lock(&self.subscribers);
        for id in ids {
            if let Some(set) = subscribers.get_mut(&id) {
                set.remove(&connection_id);
                if set.is_empty() {
                    subscribers.remove(&id);
                }
            }
        }
    }

    /// Tells this instance's subscribers (except `origin`) that a document changed.
    pub fn changed(&self, id: DocumentId, origin: Option<Uuid>) {
        let inboxes: Vec<Arc<Inbox>> = lock(&self.subscribers)
            .get(&id)
            .map(|set| {
                set.iter()
                    .filter(|(connection, _)| Some(**connection) != origin)
                    .map(|(_, inbox)| inbox.clone())
                    .collect()
            })
            .unwrap_or_default();
        for inbox in inboxes {
            inbox.mark(id);
        }
    }

    /// Relays an ephemeral message to this instance's other subscribers of the document.
    pub fn relay_ephemeral(&self, id: DocumentId, origin: Uuid, message: &Ephemeral) {
        let inboxes: Vec<Arc<Inbox>> = lock(&self.subscribers)
            .get(&id)
            .map(|set| {
                set.iter()
                    .filter(|(connection, _)| **connection != origin)
                    .map(|(_, inbox)| inbox.clone())
                    .collect()
            })
            .unwrap_or_default();
        for inbox in inboxes {
            inbox.push_ephemeral(message.clone());
        }
    }

    /// Another instance stored a change: bring the loaded copy up to date, then wake the
    /// subscribers.
    pub async fn remote_change(&self, id: DocumentId) -> Result<(), ApiError> {
        let loaded = lock(&self.documents).get(&id).cloned();
        if let Some(loaded) = loaded {
            let mut state = loaded.state.lock().await;
            let (chunks, newest) =
                storage::chunks_after(&self.database.primary, id, state.seq).await?;
            for chunk in chunks {
                if let Err(error) = state.document.load_incremental(&chunk) {
                    drop(state);
                    self.evict(id);
                    return Err(ApiError::internal(format!(
                        "could not apply stored change to {id}: {error}"
                    )));
                }
            }
            state.seq = newest;
        }
        self.changed(id, None);
        Ok(())
    }

    /// After a lost LISTEN connection: every loaded document may have missed changes.
    pub async fn catch_up_all(&self) {
        let ids: Vec<DocumentId> = lock(&self.documents).keys().copied().collect();
        for id in ids {
            if let Err(error) = self.remote_change(id).await {
                tracing::warn!(document = %id, %error, "catch-up failed");
            }
        }
    }

    /// Runs until `stop`: evicts idle documents and prunes old rate-limit windows.
    pub async fn sweep(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let period = Duration::from_secs(self.config.idle_eviction_seconds.clamp(1, 60));
        let mut ticker = tokio::time::interval(period);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticker.tick() => {
                    let evicted = self.evict_idle();
                    if evicted > 0 {
                        tracing::debug!(evicted, "evicted idle documents");
                    }
                    if let Err(error) = self.rate_limiter.prune().await {
                        tracing::warn!(%error, "could not prune rate-limit counters");
                    }
                }
            }
        }
    }
}

impl LoadedDocument {
    pub fn touch(&self) {
        self.last_used_ms.store(now_ms(), Ordering::Relaxed);
    }
}

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
use omnicrm_sync::protocol::{Ephemeral, Message};
use omnicrm_sync::DocumentId;
use tokio::sync::{broadcast, Notify};
use uuid::Uuid;

use crate::database::Database;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::rate_limit::RateLimiter;
use crate::storage;
use crate::store_queue::StoreQueue;
use crate::Config;

/// A document held in memory.
pub struct LoadedDocument {
    pub id: DocumentId,
    pub workspace_id: Uuid,
    pub state: tokio::sync::Mutex<DocumentState>,
    /// Merged chunks waiting to be stored (group commit).
    pub store_queue: StoreQueue,
    last_used_ms: AtomicI64,
}

pub struct DocumentState {
    pub document: Automerge,
    /// The newest stored chunk this copy includes.
    pub seq: i64,
    pub stored_bytes: i64,
}

/// The NOTIFY channel for presence; payload `<instance id> <document id> <base64 CBOR message>`.
pub const EPHEMERAL_CHANNEL: &str = "omnicrm_sync_ephemeral";

/// Postgres refuses NOTIFY payloads of 8,000 bytes or more.
const NOTIFY_PAYLOAD_LIMIT: usize = 7_999;

fn ephemeral_payload(instance: Uuid, id: DocumentId, message: &Ephemeral) -> Option<String> {
    use base64::Engine;
    let encoded = Message::Ephemeral(message.clone()).encode();
    let payload = format!(
        "{instance} {id} {}",
        base64::engine::general_purpose::STANDARD.encode(encoded)
    );
    (payload.len() <= NOTIFY_PAYLOAD_LIMIT).then_some(payload)
}

fn parse_ephemeral_payload(payload: &str) -> Option<(Uuid, DocumentId, Ephemeral)> {
    use base64::Engine;
    let mut parts = payload.splitn(3, ' ');
    let instance = Uuid::parse_str(parts.next()?).ok()?;
    let id = parts.next()?.parse::<DocumentId>().ok()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(parts.next()?)
        .ok()?;
    match Message::decode(&bytes, NOTIFY_PAYLOAD_LIMIT).ok()? {
        Message::Ephemeral(message) if message.document_id == id.to_string() => {
            Some((instance, id, message))
        }
        _ => None,
    }
}

/// Documents per query when preloading a workspace root's records.
const PRELOAD_BATCH: usize = 1000;

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

    /// Drops `id` from the changed documents: the caller is about to answer for it with the
    /// document's current state, holding the document's lock (so no change can slip between
    /// this and that answer; a later change marks it again).
    pub fn forget(&self, id: &DocumentId) {
        lock(&self.dirty).remove(id);
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
    /// Documents with a compaction running on this instance.
    compacting: Mutex<HashSet<DocumentId>>,
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
            metrics.rate_limit_claims.clone(),
        );
        Self {
            instance_id: Uuid::now_v7(),
            config,
            database,
            metrics,
            rate_limiter,
            documents: Mutex::new(HashMap::new()),
            subscribers: Mutex::new(HashMap::new()),
            compacting: Mutex::new(HashSet::new()),
            revocations: broadcast::channel(256).0,
        }
    }

    /// Opens a document for a connection of `workspace_id`. With `create`, a document that
    /// does not exist yet is created in that workspace (a client syncing a new document).
    ///
    /// One query for a document in memory elsewhere or stored (loaded with the workspace
    /// check in the same statement); two for a new one (the failed load, then the claim).
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
        if let Some(stored) =
            storage::load_in_workspace(&self.database.primary, id, workspace_id).await?
        {
            return Ok(Opened::Document(self.keep(id, stored)));
        }
        if !create {
            return Ok(Opened::Unavailable);
        }
        match storage::claim(&self.database.primary, id, workspace_id).await? {
            (owner, _) if owner != workspace_id => Ok(Opened::Unavailable),
            // Created just now, so known to be empty: nothing to load.
            (_, true) => Ok(Opened::Document(self.keep(
                id,
                storage::StoredDocument {
                    workspace_id,
                    document: Automerge::new(),
                    seq: 0,
                    stored_bytes: 0,
                },
            ))),
            // Created by someone else between the load and the claim.
            (_, false) => match self.load(id).await? {
                Some(loaded) if loaded.workspace_id == workspace_id => Ok(Opened::Document(loaded)),
                _ => Ok(Opened::Unavailable),
            },
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
        Ok(Some(self.keep(id, stored)))
    }

    /// Puts a document read from storage in memory, unless a copy got there first (which
    /// may already hold newer changes, so it wins).
    fn keep(&self, id: DocumentId, stored: storage::StoredDocument) -> Arc<LoadedDocument> {
        let fresh = Arc::new(LoadedDocument {
            id,
            workspace_id: stored.workspace_id,
            state: tokio::sync::Mutex::new(DocumentState {
                document: stored.document,
                seq: stored.seq,
                stored_bytes: stored.stored_bytes,
            }),
            store_queue: StoreQueue::default(),
            last_used_ms: AtomicI64::new(now_ms()),
        });
        let mut documents = lock(&self.documents);
        let loaded = documents.entry(id).or_insert(fresh).clone();
        self.metrics.documents_loaded.set(documents.len() as i64);
        loaded
    }

    /// Loads, in batched queries, the documents of `ids` that belong to `workspace_id` and
    /// are not in memory yet; returns how many it loaded. A new client asks for every record
    /// the workspace root lists right after the root, one request each: loading them here
    /// first turns thousands of sequential loads into a few queries.
    pub async fn preload(&self, ids: &[DocumentId], workspace_id: Uuid) -> Result<usize, ApiError> {
        let missing: Vec<DocumentId> = {
            let documents = lock(&self.documents);
            ids.iter()
                .filter(|id| !documents.contains_key(id))
                .copied()
                .collect()
        };
        let mut count = 0;
        for batch in missing.chunks(PRELOAD_BATCH) {
            for (id, stored) in
                storage::load_many(&self.database.primary, batch, workspace_id).await?
            {
                self.keep(id, stored);
                count += 1;
            }
        }
        Ok(count)
    }

    /// Drops a document from memory (idle, or its in-memory copy can no longer be trusted).
    /// Compacts a document in the background, unless a compaction of it already runs here:
    /// every change stored past the threshold asks for one, and a busy document would
    /// otherwise queue one compaction per change, each waiting for the document's row lock.
    pub fn compact_in_background(self: &Arc<Self>, id: DocumentId) {
        if !lock(&self.compacting).insert(id) {
            return;
        }
        self.metrics.compactions.inc();
        let hub = self.clone();
        tokio::spawn(async move {
            if let Err(error) = storage::compact(&hub.database.primary, id).await {
                tracing::warn!(%error, document = %id, "compaction failed");
            }
            lock(&hub.compacting).remove(&id);
        });
    }

    /// Whether a compaction of the document runs on this instance.
    pub fn is_compacting(&self, id: &DocumentId) -> bool {
        lock(&self.compacting).contains(id)
    }

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

    /// Sends an ephemeral message to the other instances, whose subscribers of the document
    /// get it as if it was sent there. NOTIFY payloads are limited to 8,000 bytes, so a
    /// message whose encoding does not fit stays on this instance (presence is lossy anyway).
    pub async fn publish_ephemeral(&self, id: DocumentId, message: &Ephemeral) {
        let Some(payload) = ephemeral_payload(self.instance_id, id, message) else {
            tracing::debug!(document = %id, "presence message too large to cross instances");
            return;
        };
        let sent = match self.database.primary.get().await {
            Ok(client) => client
                .execute("SELECT pg_notify($1, $2)", &[&EPHEMERAL_CHANNEL, &payload])
                .await
                .map(|_| ())
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            tracing::warn!(%error, document = %id, "could not send presence to other instances");
        }
    }

    /// An ephemeral message published by another instance: relayed to this instance's
    /// subscribers of the document (who passed the workspace check when they subscribed).
    pub fn remote_ephemeral(&self, payload: &str) {
        let Some((instance, id, message)) = parse_ephemeral_payload(payload) else {
            tracing::debug!("ignored a malformed presence notification");
            return;
        };
        if instance != self.instance_id {
            self.relay_ephemeral(id, Uuid::nil(), &message);
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

//! One WebSocket connection speaking the automerge-repo protocol.
//!
//! The connection is bound to its token's workspace. It keeps one `automerge::sync::State` per
//! document it syncs, merges incoming sync messages into the shared in-memory document,
//! persists what changed before answering, and sends sync messages when other connections
//! (here or on other instances) change a document it follows.
//!
//! Bad input never poisons a document: a frame is decoded and size-checked first, and if
//! Automerge refuses the changes the in-memory copy is dropped and reloaded from storage,
//! which only ever holds successfully merged changes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc};
use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket};
use omnicrm_sync::acknowledgement::{self, Received};
use omnicrm_sync::held_reply::{generate_reply, may_hold_reply_to, Reply};
use omnicrm_sync::protocol::{
    self, DocumentMessage, DocumentUnavailable, ErrorMessage, Message, Peer, PeerMetadata,
};
use omnicrm_sync::receive::receive_sync_message;
use omnicrm_sync::DocumentId;
use serde_bytes::ByteBuf;
use tokio_util::sync::CancellationToken;
use tracing::{info_span, Instrument};
use uuid::Uuid;

use crate::auth::{still_valid, Device};
use crate::hub::{Hub, Inbox, Opened};
use crate::projection::Projection;
use crate::storage::Author;

/// WebSocket close codes (4000–4999 are for applications).
const CLOSE_POLICY: u16 = 4001;
const CLOSE_RATE_LIMITED: u16 = 4029;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_ERROR: u16 = 1011;

/// At most this many records of a workspace root are preloaded for a new client; beyond
/// that, records load one by one as they are asked for (memory follows the working set).
const PRELOAD_MAX: usize = 50_000;

struct Connection {
    id: Uuid,
    hub: Arc<Hub>,
    device: Device,
    socket: WebSocket,
    peer_id: Option<String>,
    server_peer_id: String,
    states: HashMap<DocumentId, sync::State>,
    inbox: Arc<Inbox>,
    /// Workspace roots whose records this connection already preloaded.
    preloaded_roots: HashSet<DocumentId>,
}

/// Why the connection ends.
enum End {
    Closed,
    Close(u16, String),
}

pub async fn run(socket: WebSocket, hub: Arc<Hub>, device: Device, shutdown: CancellationToken) {
    let id = Uuid::now_v7();
    let span = info_span!("connection", connection_id = %id, workspace = %device.workspace_id, token = %device.token_id);
    async move {
        hub.metrics.connections.inc();
        tracing::info!("connected");
        let mut connection = Connection {
            id,
            server_peer_id: format!("omnicrm-sync-{}", hub.instance_id),
            hub: hub.clone(),
            device,
            socket,
            peer_id: None,
            states: HashMap::new(),
            inbox: Arc::new(Inbox::default()),
            preloaded_roots: HashSet::new(),
        };
        let end = connection.serve(shutdown).await;
        if let End::Close(code, reason) = end {
            tracing::info!(code, %reason, "closing");
            if let Err(error) = connection
                .socket
                .send(Frame::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await
            {
                tracing::debug!(%error, "close frame not delivered");
            }
        }
        hub.unsubscribe(connection.states.keys().copied(), id);
        hub.metrics.connections.dec();
        tracing::info!("disconnected");
    }
    .instrument(span)
    .await
}

impl Connection {
    async fn serve(&mut self, shutdown: CancellationToken) -> End {
        let mut revocations = self.hub.revocations.subscribe();
        let recheck_period = Duration::from_secs(self.hub.config.token_recheck_seconds);
        let mut recheck =
            tokio::time::interval_at(tokio::time::Instant::now() + recheck_period, recheck_period);
        let inbox = self.inbox.clone();
        loop {
            tokio::select! {
                frame = self.socket.recv() => {
                    let frame = match frame {
                        None => return End::Closed,
                        Some(Err(error)) => {
                            tracing::info!(%error, "websocket error");
                            return End::Closed;
                        }
                        Some(Ok(frame)) => frame,
                    };
                    match frame {
                        Frame::Binary(bytes) => {
                            // Changes other peers made before this message arrived go out
                            // first: a peer that syncs right after a teammate's sync ended
                            // then hears of it before the answer that ends its own sync.
                            for id in self.inbox.take() {
                                if let Err(end) = self.send_sync(id).await {
                                    return end;
                                }
                            }
                            let started = Instant::now();
                            let outcome = self.receive(&bytes).await;
                            self.hub.metrics.message_seconds.observe(started.elapsed().as_secs_f64());
                            if let Err(end) = outcome {
                                return end;
                            }
                        }
                        Frame::Text(_) => {
                            self.hub.metrics.rejected_messages.inc();
                            if let Err(end) = self.send_error("text frames are not supported; send CBOR in binary frames").await {
                                return end;
                            }
                        }
                        Frame::Close(_) => return End::Closed,
                        Frame::Ping(_) | Frame::Pong(_) => {}
                    }
                }
                _ = inbox.notify.notified() => {
                    for mut message in self.inbox.take_ephemeral() {
                        message.target_id = self.peer_id.clone().unwrap_or_default();
                        if let Err(end) = self.send(&Message::Ephemeral(message)).await {
                            return end;
                        }
                    }
                    for id in self.inbox.take() {
                        if let Err(end) = self.send_sync(id).await {
                            return end;
                        }
                    }
                }
                revoked = revocations.recv() => {
                    if matches!(revoked, Ok(token) if token == self.device.token_id) {
                        return End::Close(CLOSE_POLICY, "token revoked".into());
                    }
                }
                _ = recheck.tick() => {
                    match still_valid(&self.hub.database.primary, self.device.token_id).await {
                        Ok(true) => {}
                        Ok(false) => return End::Close(CLOSE_POLICY, "token revoked".into()),
                        Err(error) => tracing::warn!(%error, "could not re-check the token"),
                    }
                }
                _ = shutdown.cancelled() => return End::Close(CLOSE_GOING_AWAY, "server shutting down".into()),
            }
        }
    }

    async fn receive(&mut self, bytes: &[u8]) -> Result<(), End> {
        self.hub.metrics.messages.inc();
        match self
            .hub
            .rate_limiter
            .hit(Some(self.device.token_id), &self.device.ip)
            .await
        {
            Ok(Ok(())) => {}
            Ok(Err(exceeded)) => {
                self.hub
                    .metrics
                    .rate_limit_hits
                    .with_label_values(&[exceeded.scope])
                    .inc();
                self.send_error(&exceeded.to_string()).await?;
                return Err(End::Close(CLOSE_RATE_LIMITED, exceeded.to_string()));
            }
            Err(error) => tracing::warn!(%error, "rate limiter unavailable; allowing the message"),
        }
        let message = match Message::decode(bytes, self.hub.config.max_message_bytes) {
            Ok(message) => message,
            Err(error) => {
                self.hub.metrics.rejected_messages.inc();
                return self.send_error(&error.to_string()).await;
            }
        };
        match message {
            Message::Join(join) => {
                if !join
                    .supported_protocol_versions
                    .iter()
                    .any(|version| version == protocol::PROTOCOL_VERSION)
                {
                    self.send_error("unsupported protocol version; this server speaks version 1")
                        .await?;
                    return Err(End::Close(
                        CLOSE_POLICY,
                        "unsupported protocol version".into(),
                    ));
                }
                let peer = Message::Peer(Peer {
                    sender_id: self.server_peer_id.clone(),
                    target_id: join.sender_id.clone(),
                    peer_metadata: PeerMetadata {
                        storage_id: None,
                        is_ephemeral: false,
                    },
                    selected_protocol_version: protocol::PROTOCOL_VERSION.into(),
                });
                self.peer_id = Some(join.sender_id);
                self.send(&peer).await
            }
            Message::Request(body) => self.receive_sync(body, false).await,
            Message::Sync(body) => self.receive_sync(body, true).await,
            Message::Leave(_) => Err(End::Close(1000, "bye".into())),
            Message::Ephemeral(body) => self.relay_ephemeral(body).await,
            Message::Other { .. } | Message::Error(_) => Ok(()),
            Message::Peer(_) | Message::DocumentUnavailable(_) => {
                self.send_error("unexpected message type from a client")
                    .await
            }
        }
    }

    async fn receive_sync(&mut self, body: DocumentMessage, create: bool) -> Result<(), End> {
        if self.peer_id.is_none() {
            self.send_error("send `join` before syncing").await?;
            return Err(End::Close(CLOSE_POLICY, "no join".into()));
        }
        let id = match body.document_id.parse::<DocumentId>() {
            Ok(id) => id,
            Err(error) => {
                self.hub.metrics.rejected_messages.inc();
                return self.send_error(&error.to_string()).await;
            }
        };
        let message = match sync::Message::decode(&body.data) {
            Ok(message) => message,
            Err(error) => {
                self.hub.metrics.rejected_messages.inc();
                return self
                    .send_error(&format!(
                        "document {id}: invalid automerge sync message: {error}"
                    ))
                    .await;
            }
        };
        let loaded = match self.hub.open(id, self.device.workspace_id, create).await {
            Ok(Opened::Document(loaded)) => loaded,
            Ok(Opened::Unavailable) => return self.send_unavailable(id).await,
            Err(error) => {
                tracing::warn!(%error, document = %id, "could not open document");
                return self.send_error(&format!("document {id}: {error}")).await;
            }
        };
        self.hub.subscribe(id, self.id, self.inbox.clone());
        let mut state = loaded.state.lock().await;
        let limit = self.hub.config.max_document_bytes as i64;
        if state.stored_bytes + body.data.len() as i64 > limit {
            drop(state);
            self.hub.metrics.rejected_messages.inc();
            return self
                .send_error(&format!("document {id} would exceed the size limit of {limit} bytes; change not accepted"))
                .await;
        }
        let sync_state = self.states.entry(id).or_default();
        // Most messages of busy peers only acknowledge: answered without Automerge's walks.
        let message = match acknowledgement::receive(&state.document, sync_state, message) {
            Received::Acknowledged => {
                self.hub.metrics.acknowledgements.inc();
                return Ok(());
            }
            Received::NotAnAcknowledgement(message) => message,
        };
        // Decided before receiving, which consumes the message.
        let may_hold_reply = may_hold_reply_to(&message);
        let before = state.document.get_heads();
        let Some(received) =
            without_panic(|| receive_sync_message(&mut state.document, sync_state, message))
        else {
            drop(state);
            // Automerge may have stopped half-way: reload the document from storage.
            self.hub.evict(id);
            return self.refuse_panicking_message(id).await;
        };
        if let Err(error) = received {
            drop(state);
            // The in-memory copy may hold part of the refused changes: reload from storage.
            self.hub.evict(id);
            self.states.remove(&id);
            self.hub.metrics.rejected_messages.inc();
            return self
                .send_error(&format!("document {id}: changes refused: {error}"))
                .await;
        }
        if state.document.get_heads() != before {
            let chunk = state.document.save_after(&before);
            let author = Author {
                token_id: self.device.token_id,
                member_id: self.device.member_id,
                connection_id: self.id,
                instance_id: self.hub.instance_id,
            };
            let projection = Projection::read(&state.document);
            // Queued under the document's lock (merge order), stored without it: other peers'
            // messages for the document go on while Postgres flushes.
            let stored = loaded
                .store_queue
                .push(&self.hub, &loaded, chunk, author, projection);
            drop(state);
            match stored.await {
                Ok(Ok(stored)) => {
                    self.hub.metrics.merges.inc();
                    if stored.chunks > self.hub.config.compact_after_chunks {
                        self.hub.compact_in_background(id);
                    }
                    self.hub.changed(id, Some(self.id));
                }
                outcome => {
                    let error = match outcome {
                        Ok(Err(error)) => error,
                        _ => "the document's writer stopped".to_owned(),
                    };
                    // Not stored means not merged: forget the in-memory copy, and make the
                    // client start over on a new connection so it resends the changes.
                    self.hub.evict(id);
                    tracing::warn!(%error, document = %id, "could not store changes");
                    self.send_error(&format!(
                        "document {id}: changes could not be stored: {error}"
                    ))
                    .await?;
                    return Err(End::Close(CLOSE_ERROR, "storage unavailable".into()));
                }
            }
            state = loaded.state.lock().await;
        }
        // The first time this connection syncs a workspace root with records, load the
        // records it lists (see `Hub::preload`), after answering.
        let listed = if self.preloaded_roots.contains(&id) {
            None
        } else {
            listed_records(&state.document)
        };
        // This answer carries every change so far, or they are on their way when it is held
        // back: a notification of them is answered too.
        self.inbox.forget(&id);
        let reply = without_panic(|| {
            generate_reply(
                &state.document,
                self.states.entry(id).or_default(),
                may_hold_reply,
            )
        });
        drop(state);
        let Some(reply) = reply else {
            return self.refuse_panicking_message(id).await;
        };
        let outcome = match reply {
            Reply::Send(reply) => self.send_document_message(id, reply).await,
            Reply::Held => {
                self.hub.metrics.held_replies.inc();
                Ok(())
            }
            Reply::Nothing if !create && loaded_is_empty(&loaded).await => {
                self.send_unavailable(id).await
            }
            Reply::Nothing => Ok(()),
        };
        if let Some(listed) = listed {
            self.preloaded_roots.insert(id);
            let started = Instant::now();
            match self.hub.preload(&listed, self.device.workspace_id).await {
                Ok(count) => tracing::debug!(
                    document = %id,
                    listed = listed.len(),
                    loaded = count,
                    ms = started.elapsed().as_millis() as u64,
                    "preloaded the records of a workspace root"
                ),
                // Only an optimisation: each record still loads on its own when asked for.
                Err(error) => tracing::warn!(%error, document = %id, "could not preload records"),
            }
        }
        outcome
    }

    /// Relays presence to the document's other subscribers on this instance, only for a
    /// document this connection may see.
    async fn relay_ephemeral(&mut self, body: protocol::Ephemeral) -> Result<(), End> {
        let Ok(id) = body.document_id.parse::<DocumentId>() else {
            return self
                .send_error("ephemeral message with an invalid document id")
                .await;
        };
        if !self.states.contains_key(&id) {
            match self.hub.open(id, self.device.workspace_id, false).await {
                Ok(Opened::Document(_)) => {
                    self.hub.subscribe(id, self.id, self.inbox.clone());
                    self.states.entry(id).or_default();
                }
                Ok(Opened::Unavailable) => return self.send_unavailable(id).await,
                Err(error) => return self.send_error(&format!("document {id}: {error}")).await,
            }
        }
        self.hub.relay_ephemeral(id, self.id, &body);
        self.hub.publish_ephemeral(id, &body).await;
        Ok(())
    }

    async fn send_sync(&mut self, id: DocumentId) -> Result<(), End> {
        let loaded = match self.hub.load(id).await {
            Ok(Some(loaded)) if loaded.workspace_id == self.device.workspace_id => loaded,
            Ok(_) => return Ok(()),
            Err(error) => {
                tracing::warn!(%error, document = %id, "could not load a changed document");
                return Ok(());
            }
        };
        let message = {
            let state = loaded.state.lock().await;
            without_panic(|| {
                state
                    .document
                    .generate_sync_message(self.states.entry(id).or_default())
            })
        };
        match message {
            Some(Some(message)) => self.send_document_message(id, message).await,
            Some(None) => Ok(()),
            None => self.refuse_panicking_message(id).await,
        }
    }

    /// Automerge panicked on what this connection sent for `id`: the sync state built from
    /// it is dropped (the client starts that document's sync over) and the client is told.
    async fn refuse_panicking_message(&mut self, id: DocumentId) -> Result<(), End> {
        self.states.remove(&id);
        self.hub.metrics.rejected_messages.inc();
        tracing::warn!(document = %id, "automerge panicked on a client's sync message; refused");
        self.send_error(&format!(
            "document {id}: invalid automerge sync message: it could not be processed"
        ))
        .await
    }

    async fn send_document_message(
        &mut self,
        id: DocumentId,
        message: sync::Message,
    ) -> Result<(), End> {
        let wire = Message::Sync(DocumentMessage {
            sender_id: self.server_peer_id.clone(),
            target_id: self.peer_id.clone().unwrap_or_default(),
            document_id: id.to_string(),
            data: ByteBuf::from(message.encode()),
        });
        self.send(&wire).await
    }

    async fn send_unavailable(&mut self, id: DocumentId) -> Result<(), End> {
        let wire = Message::DocumentUnavailable(DocumentUnavailable {
            sender_id: self.server_peer_id.clone(),
            target_id: self.peer_id.clone().unwrap_or_default(),
            document_id: id.to_string(),
        });
        self.send(&wire).await
    }

    async fn send_error(&mut self, message: &str) -> Result<(), End> {
        tracing::info!(error = message, "rejected a message");
        self.send(&Message::Error(ErrorMessage {
            message: message.to_owned(),
        }))
        .await
    }

    async fn send(&mut self, message: &Message) -> Result<(), End> {
        self.socket
            .send(Frame::Binary(message.encode().into()))
            .await
            .map_err(|error| {
                tracing::debug!(%error, "send failed");
                End::Closed
            })
    }
}

/// Runs Automerge work on bytes a client sent, turning a panic into `None`. Automerge 0.12
/// panics on some malformed sync messages (a "have" bloom filter without bits divides by
/// zero; found by `scripts/fuzz.sh`): that must cost the message, not the connection's task
/// with its subscriptions. Callers drop whatever state the work was changing.
fn without_panic<T>(work: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).ok()
}

/// The record documents a workspace root lists, or `None` for any other document (and for
/// a root that lists nothing yet).
fn listed_records(document: &automerge::Automerge) -> Option<Vec<DocumentId>> {
    if !matches!(
        omnicrm_sync::RecordDocument::kind(document),
        Ok(omnicrm_sync::RecordKind::WorkspaceRoot)
    ) {
        return None;
    }
    let entries = omnicrm_sync::WorkspaceRoot::entries(document).ok()?;
    let mut ids: Vec<DocumentId> = entries.into_iter().map(|entry| entry.document_id).collect();
    ids.truncate(PRELOAD_MAX);
    (!ids.is_empty()).then_some(ids)
}

async fn loaded_is_empty(loaded: &crate::hub::LoadedDocument) -> bool {
    loaded.state.lock().await.document.get_heads().is_empty()
}

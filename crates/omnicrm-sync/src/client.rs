//! A small sync client speaking the automerge-repo WebSocket protocol.
//!
//! It keeps documents in memory and is driven explicitly (`push`, `pump`, `sync`), which makes
//! tests deterministic: a test decides when a client is offline, edits, and comes back. The
//! desktop client will wrap the same calls in a background task.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use automerge::sync::{self, SyncDoc};
use automerge::Automerge;
use futures_util::{SinkExt, StreamExt};
use serde_bytes::ByteBuf;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::acknowledgement::{self, Received};
use crate::protocol::{DocumentMessage, Ephemeral, Join, Message, PeerMetadata, PROTOCOL_VERSION};
use crate::receive::receive_sync_message;
use crate::DocumentId;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why the client stopped.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    WebSocket(String),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("connection closed: {0}")]
    Closed(String),
    #[error("not connected")]
    NotConnected,
    #[error("timed out")]
    Timeout,
    #[error("could not merge a local document: {0}")]
    Merge(String),
}

/// While pushing, the answers that arrived are handled after this many messages sent.
/// How many times `quiet` a sync waits through silence while the server owes answers for
/// changes it was sent (see `SyncClient::unanswered_changes`).
const OWED_SILENCE_FACTOR: u32 = 25;
const ANSWERS_READ_EVERY: usize = 32;

/// How the client presents its token.
#[derive(Debug, Clone, Copy)]
pub enum TokenPlacement {
    Header,
    Query,
}

pub struct SyncClient {
    peer_id: String,
    server_peer_id: String,
    socket: Option<Socket>,
    documents: HashMap<DocumentId, Automerge>,
    states: HashMap<DocumentId, sync::State>,
    requested: HashSet<DocumentId>,
    unavailable: HashSet<DocumentId>,
    errors: Vec<String>,
    ephemeral: Vec<Ephemeral>,
    /// Whether a message from the server changed a document since [`SyncClient::take_received`].
    received: bool,
    /// Documents the server's messages concerned since [`SyncClient::sync_documents`] began.
    touched: HashSet<DocumentId>,
    /// Documents a message from the server changed since [`SyncClient::take_changed_documents`].
    changed_documents: HashSet<DocumentId>,
    /// Documents the server owes an answer for: their changes were sent (its heads moved), or
    /// a message it always answers (see [`SyncClient::ask_for_earlier_changes`]). A silence
    /// while any is unanswered is the server at work, not a reply held back, and such a
    /// document is not in step until the answer is in.
    unanswered_changes: HashSet<DocumentId>,
    /// Documents known only by the heads the server holds (see [`SyncClient::add_unloaded`]),
    /// each with whether the server confirmed it holds nothing newer.
    unloaded: HashMap<DocumentId, Unloaded>,
    /// Reads an unloaded document when the server has something new for it.
    loader: Option<DocumentLoader>,
}

/// Reads a document the client holds unloaded, when the server has changes for it.
pub type DocumentLoader = Box<dyn FnMut(&DocumentId) -> Option<Automerge> + Send>;

/// A document synced without being loaded: its heads, which the server is known to hold.
struct Unloaded {
    heads: Vec<automerge::ChangeHash>,
    confirmed: bool,
}

impl Default for SyncClient {
    fn default() -> Self {
        Self::new()
    }
}

impl SyncClient {
    pub fn new() -> Self {
        Self {
            peer_id: format!("rust-client-{}", uuid::Uuid::now_v7()),
            server_peer_id: String::new(),
            socket: None,
            documents: HashMap::new(),
            states: HashMap::new(),
            requested: HashSet::new(),
            unavailable: HashSet::new(),
            errors: Vec::new(),
            ephemeral: Vec::new(),
            received: false,
            touched: HashSet::new(),
            changed_documents: HashSet::new(),
            unanswered_changes: HashSet::new(),
            unloaded: HashMap::new(),
            loader: None,
        }
    }

    /// Connects to `url` (ws://host/sync) and completes the join/peer handshake.
    pub async fn connect(
        &mut self,
        url: &str,
        token: &str,
        placement: TokenPlacement,
    ) -> Result<(), ClientError> {
        let url = match placement {
            TokenPlacement::Query => format!("{url}?token={token}"),
            TokenPlacement::Header => url.to_owned(),
        };
        let mut request = url
            .into_client_request()
            .map_err(|error| ClientError::WebSocket(error.to_string()))?;
        if let TokenPlacement::Header = placement {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| ClientError::WebSocket("token is not a valid header value".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|error| ClientError::WebSocket(error.to_string()))?;
        let join = Message::Join(Join {
            sender_id: self.peer_id.clone(),
            peer_metadata: Some(PeerMetadata {
                storage_id: None,
                is_ephemeral: false,
            }),
            supported_protocol_versions: vec![PROTOCOL_VERSION.into()],
        });
        socket
            .send(Frame::Binary(join.encode().into()))
            .await
            .map_err(|error| ClientError::WebSocket(error.to_string()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let frame = timeout_at(deadline, socket.next())
                .await
                .map_err(|_| ClientError::Timeout)?;
            match frame {
                Some(Ok(Frame::Binary(bytes))) => match Message::decode(&bytes, usize::MAX) {
                    Ok(Message::Peer(peer)) => {
                        self.server_peer_id = peer.sender_id;
                        break;
                    }
                    Ok(Message::Error(error)) => return Err(ClientError::Handshake(error.message)),
                    Ok(other) => {
                        return Err(ClientError::Handshake(format!("unexpected {other:?}")))
                    }
                    Err(error) => return Err(ClientError::Handshake(error.to_string())),
                },
                Some(Ok(Frame::Close(frame))) => {
                    return Err(ClientError::Closed(
                        frame
                            .map(|frame| frame.reason.to_string())
                            .unwrap_or_default(),
                    ))
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(ClientError::WebSocket(error.to_string())),
                None => return Err(ClientError::Closed("stream ended".into())),
            }
        }
        self.socket = Some(socket);
        // A new connection starts every document's sync from scratch.
        self.states.clear();
        Ok(())
    }

    /// Drops the connection (the documents stay: the client is now offline).
    pub fn disconnect(&mut self) {
        self.socket = None;
    }

    pub fn is_connected(&self) -> bool {
        self.socket.is_some()
    }

    /// Adds (or replaces) a local document.
    pub fn insert(&mut self, id: DocumentId, document: Automerge) {
        self.unloaded.remove(&id);
        self.documents.insert(id, document);
        self.states.remove(&id);
    }

    /// Holds document `id` unloaded: stored elsewhere at `heads`, which the server is known to
    /// hold. Syncing it tells the server those heads without loading it (a new connection in
    /// step costs one small message per document); it is read with the
    /// [`SyncClient::set_loader`] loader only when the server answers with something new.
    pub fn add_unloaded(&mut self, id: DocumentId, mut heads: Vec<automerge::ChangeHash>) {
        // In Automerge's order, to compare with the heads the server sends.
        heads.sort();
        if !self.documents.contains_key(&id) {
            self.unloaded.insert(
                id,
                Unloaded {
                    heads,
                    confirmed: false,
                },
            );
        }
    }

    /// Sets how unloaded documents are read when the server has changes for them.
    pub fn set_loader(&mut self, loader: DocumentLoader) {
        self.loader = Some(loader);
    }

    /// Whether document `id` is held unloaded.
    pub fn is_unloaded(&self, id: &DocumentId) -> bool {
        self.unloaded.contains_key(id)
    }

    /// The documents held unloaded.
    pub fn unloaded_ids(&self) -> Vec<DocumentId> {
        self.unloaded.keys().copied().collect()
    }

    /// Merges a local document into the one held (adding it when there is none), keeping the
    /// document's sync state, so only what is new travels on a connection already in step.
    pub fn merge(&mut self, id: DocumentId, mut document: Automerge) -> Result<(), ClientError> {
        match self.documents.get_mut(&id) {
            Some(held) => {
                held.merge(&mut document)
                    .map_err(|error| ClientError::Merge(error.to_string()))?;
            }
            None => {
                self.unloaded.remove(&id);
                self.documents.insert(id, document);
            }
        }
        Ok(())
    }

    /// Whether a message from the server changed a document since the last call.
    pub fn take_received(&mut self) -> bool {
        std::mem::take(&mut self.received)
    }

    /// The documents messages from the server changed since the last call.
    pub fn take_changed_documents(&mut self) -> HashSet<DocumentId> {
        std::mem::take(&mut self.changed_documents)
    }

    /// Handles incoming messages until one changes a document (true) or `deadline` passes
    /// (false). The server pushes a document's changes to every connection that synced it.
    pub async fn wait_for_changes(&mut self, deadline: Instant) -> Result<bool, ClientError> {
        while !self.received {
            if !self.pump_one(deadline).await? {
                return Ok(false);
            }
        }
        Ok(self.take_received())
    }

    /// Takes a document out, keeping its sync state: [`SyncClient::merge`] puts it back (as
    /// is, or changed) without starting its sync over.
    pub fn take_document(&mut self, id: &DocumentId) -> Option<Automerge> {
        self.documents.remove(id)
    }

    pub fn document(&self, id: &DocumentId) -> Option<&Automerge> {
        self.documents.get(id)
    }

    pub fn document_mut(&mut self, id: &DocumentId) -> Option<&mut Automerge> {
        self.documents.get_mut(id)
    }

    pub fn document_ids(&self) -> Vec<DocumentId> {
        self.documents.keys().copied().collect()
    }

    /// Error messages the server sent.
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Forgets what this connection told the server of document `id`, so the next sync of it
    /// sends again every change the server lacks (after the server refused some).
    pub fn forget_sync_state(&mut self, id: &DocumentId) {
        self.states.remove(id);
    }

    /// Forgets what this connection told the server of every document whose changes it has
    /// not answered, so the next sync sends them again (after the server refused a message
    /// without saying for which document: one too large to read).
    pub fn forget_unanswered(&mut self) {
        for id in std::mem::take(&mut self.unanswered_changes) {
            self.states.remove(&id);
        }
    }

    /// Takes the error messages the server sent so far, so a kept connection reports each once.
    pub fn take_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.errors)
    }

    /// Ephemeral (presence) messages received.
    pub fn ephemeral_messages(&self) -> &[Ephemeral] {
        &self.ephemeral
    }

    /// Sends an ephemeral (presence) message about a document.
    pub async fn send_ephemeral(
        &mut self,
        id: DocumentId,
        data: Vec<u8>,
    ) -> Result<(), ClientError> {
        let message = Message::Ephemeral(Ephemeral {
            sender_id: self.peer_id.clone(),
            target_id: self.server_peer_id.clone(),
            document_id: id.to_string(),
            count: self.ephemeral.len() as u64 + 1,
            session_id: self.peer_id.clone(),
            data: ByteBuf::from(data),
        });
        self.send_message(&message).await
    }

    /// Whether the server is known to hold every change of this local document: each of its
    /// heads is one the server acknowledged in this connection's sync.
    pub fn server_has(&self, id: &DocumentId) -> bool {
        let (Some(document), Some(state)) = (self.documents.get(id), self.states.get(id)) else {
            return false;
        };
        let their_heads = state.their_heads.as_deref().unwrap_or_default();
        document
            .get_heads()
            .iter()
            .all(|head| state.shared_heads.contains(head) || their_heads.contains(head))
    }

    /// Whether this document is in step with the server: the server acknowledged each of its
    /// heads and told of no change it lacks. A requested document the server does not have is
    /// settled too; one still awaited is not.
    pub fn is_in_step(&self, id: &DocumentId) -> bool {
        if self.unavailable.contains(id) {
            return true;
        }
        if let Some(unloaded) = self.unloaded.get(id) {
            return unloaded.confirmed;
        }
        if self.requested.contains(id) || self.unanswered_changes.contains(id) {
            return false;
        }
        let (Some(document), Some(state)) = (self.documents.get(id), self.states.get(id)) else {
            return false;
        };
        let Some(their_heads) = state.their_heads.as_deref() else {
            return false;
        };
        their_heads
            .iter()
            .all(|head| document.get_change_meta_by_hash(head).is_some())
            && self.server_has(id)
    }

    /// Whether the server answered `doc-unavailable` for this document.
    pub fn is_unavailable(&self, id: &DocumentId) -> bool {
        self.unavailable.contains(id)
    }

    /// How many requested documents have neither arrived nor been reported unavailable.
    pub fn awaiting(&self) -> usize {
        self.requested.difference(&self.unavailable).count()
    }

    /// Asks the server for a document this client does not have.
    pub async fn request(&mut self, id: DocumentId) -> Result<(), ClientError> {
        self.documents.entry(id).or_default();
        self.requested.insert(id);
        self.unavailable.remove(&id);
        self.handle_arrived().await?;
        self.send_sync(id).await
    }

    /// Sends a sync message for every local document that has something to say, handling what
    /// the server answers meanwhile.
    pub async fn push(&mut self) -> Result<(), ClientError> {
        for (index, id) in self.document_ids().into_iter().enumerate() {
            if index % ANSWERS_READ_EVERY == 0 {
                self.handle_arrived().await?;
            }
            self.send_sync(id).await?;
        }
        Ok(())
    }

    /// Handles the frames that have already arrived, without waiting. Sending thousands of
    /// messages without reading deadlocks: the server's answers fill this socket, the server
    /// waits to write them and stops reading, and then this side waits to write too.
    async fn handle_arrived(&mut self) -> Result<(), ClientError> {
        while self.pump_one(Instant::now()).await? {}
        Ok(())
    }

    /// Sends raw bytes as one binary frame (tests of malformed input).
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> Result<(), ClientError> {
        let socket = self.socket.as_mut().ok_or(ClientError::NotConnected)?;
        socket
            .send(Frame::Binary(bytes.into()))
            .await
            .map_err(|error| ClientError::WebSocket(error.to_string()))
    }

    /// Sends a message as one frame.
    pub async fn send_message(&mut self, message: &Message) -> Result<(), ClientError> {
        self.send_raw(message.encode()).await
    }

    /// Pushes, then handles incoming messages until none arrived for `quiet`, or `limit` passed.
    pub async fn sync(&mut self, quiet: Duration, limit: Duration) -> Result<(), ClientError> {
        self.push().await?;
        let deadline = Instant::now() + limit;
        loop {
            let wait = (Instant::now() + quiet).min(deadline);
            match self.pump_one(wait).await? {
                true => continue,
                false => return Ok(()),
            }
        }
    }

    /// Sends a sync message for each of `ids` that has something to say, then handles the
    /// server's answers until each of them is in step ([`SyncClient::is_in_step`]), the server
    /// reported an error, nothing arrived for `quiet` (a server may hold back a reply that
    /// would say nothing new; while it owes answers for changes it was sent, 25 times
    /// `quiet`), or `limit` passed. Returns how many were not in step when it
    /// stopped. Unlike [`SyncClient::sync`], a sync that settles never waits for `quiet`.
    pub async fn sync_documents(
        &mut self,
        ids: Vec<DocumentId>,
        quiet: Duration,
        limit: Duration,
    ) -> Result<usize, ClientError> {
        let errors_before = self.errors.len();
        self.touched.clear();
        for (index, id) in ids.iter().enumerate() {
            if index % ANSWERS_READ_EVERY == 0 {
                self.handle_arrived().await?;
            }
            self.send_sync(*id).await?;
        }
        let mut waiting: HashSet<DocumentId> =
            ids.into_iter().filter(|id| !self.is_in_step(id)).collect();
        let deadline = Instant::now() + limit;
        loop {
            for id in std::mem::take(&mut self.touched) {
                if self.is_in_step(&id) {
                    waiting.remove(&id);
                } else {
                    waiting.insert(id);
                }
            }
            if waiting.is_empty() || self.errors.len() > errors_before {
                return Ok(waiting.len());
            }
            // A server storing thousands of new documents can be silent for a while; it owes
            // an answer for each document whose changes it has not acknowledged yet.
            let owed = waiting
                .iter()
                .any(|id| self.unanswered_changes.contains(id));
            let silence = if owed {
                quiet * OWED_SILENCE_FACTOR
            } else {
                quiet
            };
            let wait = (Instant::now() + silence).min(deadline);
            if !self.pump_one(wait).await? {
                return Ok(waiting.len());
            }
        }
    }

    /// Handles incoming messages until `done(self)` holds; `Err(Timeout)` after `limit`.
    pub async fn pump_until(
        &mut self,
        limit: Duration,
        done: impl Fn(&Self) -> bool,
    ) -> Result<(), ClientError> {
        let deadline = Instant::now() + limit;
        while !done(self) {
            if !self.pump_one(deadline).await? {
                return Err(ClientError::Timeout);
            }
        }
        Ok(())
    }

    /// Handles one incoming frame; `Ok(false)` when none came before `deadline`.
    async fn pump_one(&mut self, deadline: Instant) -> Result<bool, ClientError> {
        let socket = self.socket.as_mut().ok_or(ClientError::NotConnected)?;
        let frame = match timeout_at(deadline, socket.next()).await {
            Err(_) => return Ok(false),
            Ok(frame) => frame,
        };
        match frame {
            Some(Ok(Frame::Binary(bytes))) => {
                match Message::decode(&bytes, usize::MAX) {
                    Ok(message) => self.handle(message).await?,
                    Err(error) => self
                        .errors
                        .push(format!("undecodable message from server: {error}")),
                }
                Ok(true)
            }
            Some(Ok(Frame::Close(frame))) => {
                self.socket = None;
                Err(ClientError::Closed(
                    frame
                        .map(|frame| frame.reason.to_string())
                        .unwrap_or_default(),
                ))
            }
            Some(Ok(_)) => Ok(true),
            Some(Err(error)) => {
                self.socket = None;
                Err(ClientError::WebSocket(error.to_string()))
            }
            None => {
                self.socket = None;
                Err(ClientError::Closed("stream ended".into()))
            }
        }
    }

    async fn handle(&mut self, message: Message) -> Result<(), ClientError> {
        match message {
            Message::Sync(body) | Message::Request(body) => {
                let Ok(id) = body.document_id.parse::<DocumentId>() else {
                    self.errors.push(format!(
                        "server sent a bad document id {}",
                        body.document_id
                    ));
                    return Ok(());
                };
                let decoded = match sync::Message::decode(&body.data) {
                    Ok(decoded) => decoded,
                    Err(error) => {
                        self.errors
                            .push(format!("server sent a bad sync message: {error}"));
                        return Ok(());
                    }
                };
                self.touched.insert(id);
                self.unanswered_changes.remove(&id);
                if let Some(unloaded) = self.unloaded.get_mut(&id) {
                    // The server holds just what is stored here: nothing to load.
                    let mut their_heads = decoded.heads.clone();
                    their_heads.sort();
                    if decoded.changes.is_empty()
                        && decoded.need.is_empty()
                        && their_heads == unloaded.heads
                    {
                        unloaded.confirmed = true;
                        return Ok(());
                    }
                    self.unloaded.remove(&id);
                    // Read now, to take what the server has (failing that, the server sends
                    // the whole document, which holds everything stored here).
                    let document = self
                        .loader
                        .as_mut()
                        .and_then(|load| load(&id))
                        .unwrap_or_default();
                    self.documents.insert(id, document);
                    self.states.remove(&id);
                }
                let document = self.documents.entry(id).or_default();
                let state = self.states.entry(id).or_default();
                let decoded = match acknowledgement::receive(document, state, decoded) {
                    // Nothing to apply and nothing to answer.
                    Received::Acknowledged => return Ok(()),
                    Received::NotAnAcknowledgement(message) => message,
                };
                let heads_before = document.get_heads();
                match without_panic(|| receive_sync_message(document, state, decoded)) {
                    Some(Ok(())) => {
                        if document.get_heads() != heads_before {
                            self.received = true;
                            self.changed_documents.insert(id);
                        }
                    }
                    Some(Err(error)) => self
                        .errors
                        .push(format!("could not apply the server's changes: {error}")),
                    None => {
                        self.refuse_panicking_message(id);
                        return Ok(());
                    }
                }
                if !document.get_heads().is_empty() {
                    // Arrived: from now on it is synced like any other document.
                    self.requested.remove(&id);
                }
                self.send_sync(id).await
            }
            Message::DocumentUnavailable(body) => {
                if let Ok(id) = body.document_id.parse::<DocumentId>() {
                    self.touched.insert(id);
                    self.unavailable.insert(id);
                }
                Ok(())
            }
            Message::Error(error) => {
                self.errors.push(error.message);
                Ok(())
            }
            Message::Ephemeral(message) => {
                self.ephemeral.push(message);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Automerge panicked on what the server sent for `id`: the sync state built from it is
    /// dropped (the next message starts that document's sync over) and the error is kept.
    fn refuse_panicking_message(&mut self, id: DocumentId) {
        self.states.remove(&id);
        self.errors.push(format!(
            "document {id}: the server's sync message could not be processed"
        ));
    }

    /// Sends, for `anchor`, a message the server always answers: it asks again for one change
    /// the server is known to hold (a head it told of). The server answers a connection's
    /// messages in order, and sends the changes other peers made before a message arrived
    /// ahead of its answer to it (see the server's `connection.rs`); so once this answer is
    /// in, every change a teammate's finished sync brought to the server has arrived too. A
    /// sync over a kept connection with nothing new here would otherwise end without hearing
    /// from the server, before a change pushed a moment earlier arrived. (Behind several server
    /// instances, a change stored through another one arrives when that instance's notice
    /// does, which may be after this answer: the next sync takes it.) `anchor` is then not
    /// in step until the answer is in; returns `false` (and sends nothing) when the server has
    /// told of no change of it yet.
    pub async fn ask_for_earlier_changes(
        &mut self,
        anchor: DocumentId,
    ) -> Result<bool, ClientError> {
        let (Some(document), Some(state)) = (self.documents.get(&anchor), self.states.get(&anchor))
        else {
            return Ok(false);
        };
        let Some(known) = state
            .their_heads
            .as_deref()
            .and_then(|heads| {
                heads
                    .iter()
                    .find(|head| document.get_change_meta_by_hash(head).is_some())
            })
            .copied()
        else {
            return Ok(false);
        };
        let message = sync::Message {
            heads: document.get_heads(),
            need: vec![known],
            have: Vec::new(),
            changes: sync::ChunkList::empty(),
            flags: None,
            version: sync::MessageVersion::V1,
        };
        let body = DocumentMessage {
            sender_id: self.peer_id.clone(),
            target_id: self.server_peer_id.clone(),
            document_id: anchor.to_string(),
            data: ByteBuf::from(message.encode()),
        };
        self.unanswered_changes.insert(anchor);
        self.send_message(&Message::Sync(body)).await?;
        Ok(true)
    }

    async fn send_sync(&mut self, id: DocumentId) -> Result<(), ClientError> {
        if let Some(unloaded) = self.unloaded.get(&id) {
            let message = unloaded_sync_message(&unloaded.heads);
            let body = DocumentMessage {
                sender_id: self.peer_id.clone(),
                target_id: self.server_peer_id.clone(),
                document_id: id.to_string(),
                data: ByteBuf::from(message.encode()),
            };
            return self.send_message(&Message::Sync(body)).await;
        }
        let Some(document) = self.documents.get(&id) else {
            return Ok(());
        };
        let state = self.states.entry(id).or_default();
        let message = match without_panic(|| document.generate_sync_message(state)) {
            Some(Some(message)) => message,
            Some(None) => return Ok(()),
            None => {
                self.refuse_panicking_message(id);
                return Ok(());
            }
        };
        if !message.changes.is_empty() {
            self.unanswered_changes.insert(id);
        }
        let body = DocumentMessage {
            sender_id: self.peer_id.clone(),
            target_id: self.server_peer_id.clone(),
            document_id: id.to_string(),
            data: ByteBuf::from(message.encode()),
        };
        let wire = if self.requested.contains(&id) && document.get_heads().is_empty() {
            Message::Request(body)
        } else {
            Message::Sync(body)
        };
        self.send_message(&wire).await
    }
}

/// The first sync message of a document held at exactly `heads`, as Automerge would make it
/// for that document with a new sync state: it has everything up to `heads` and nothing else.
fn unloaded_sync_message(heads: &[automerge::ChangeHash]) -> sync::Message {
    let mut message = Automerge::new()
        .generate_sync_message(&mut sync::State::new())
        .unwrap_or(sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: sync::ChunkList::empty(),
            flags: None,
            version: sync::MessageVersion::V1,
        });
    message.heads = heads.to_vec();
    message.have = vec![sync::Have {
        last_sync: heads.to_vec(),
        bloom: sync::BloomFilter::default(),
    }];
    message
}

/// Runs Automerge work on bytes the server sent, turning a panic into `None`: automerge 0.12
/// panics on some malformed sync messages (a "have" bloom filter without bits divides by zero;
/// found by `scripts/fuzz.sh`), and a bad server must not bring the app down.
fn without_panic<T>(work: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).ok()
}

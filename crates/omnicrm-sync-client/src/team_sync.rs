//! Team sync for one device: connect to the team's server, turn local changes into document
//! changes, exchange them with the server, and apply what others changed through the core.
//!
//! - **Local edits.** Every write through the core services is in the change log, in the
//!   same transaction as the row; while this device is connected, that transaction also turns
//!   the records it changed into changes of their documents, just before it commits
//!   ([`record_in_transaction`], set as the store's before-commit work by [`TeamSync::new`]):
//!   a crash never leaves a row and its document apart. The change log stays the outbox:
//!   should that step fail, the write still commits, and [`TeamSync::record_local_changes`]
//!   turns the entries after the stored position into document changes at the next sync (it
//!   is idempotent, so a crash repeats it and never skips an edit). Remote changes are in the
//!   log under a `sync:` batch and are not sent back.
//! - **Remote changes** are applied through `core.remote`, each with its document in the same
//!   transaction as the row and the change-log entry, a few hundred records per transaction.
//! - **A sync ends when every document it sent is in step** with the server (each side holds
//!   the other's heads), not after a quiet spell; a kept connection reads and sends only the
//!   documents that changed since the last sync.
//! - Every kind a user edits travels (contacts with their identities, notes, tasks, projects,
//!   goals, zones, consents, logged sessions, tags); private notes never leave the device, and
//!   health details only when the workspace shares them.
//! - **A new connection** syncs the documents the server holds as stored here without loading
//!   them (their stored heads are their sync state); only those changed meanwhile are read.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use automerge::Automerge;
use omnicrm_core::remote_changes::{
    new_remote_batch_id, RemoteApplied, RemoteWriter, REMOTE_BATCH_PREFIX,
};
use omnicrm_core::time::now_utc;
use omnicrm_core::{Core, Error, ErrorCode, RecordReader, Result};
use omnicrm_secrets::{ExposeSecret, SecretLookup, SecretStore, SecretString};
use omnicrm_sync::author::ChangeAuthor;
use omnicrm_sync::client::{ClientError, SyncClient, TokenPlacement};
use omnicrm_sync::schema::RecordKind;
use omnicrm_sync::{AnyRecord, DocumentId, ModelError, RecordDocument, RootEntry, WorkspaceRoot};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::conflicts::{self, ConflictChoice, SyncConflict};
use crate::incoming::{write_prepared, Incoming, Prepared};
use crate::local_documents::{self as documents, StoredParts, WorkspaceConnection};
use crate::mapping::{self, LocalContact, MappingError, SharingPolicy};
use crate::snapshot;

/// Held while a sync runs, so two in one process never write the same documents at once.
static SYNC_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The secret store accounts of device tokens start with this.
pub const TOKEN_ACCOUNT_PREFIX: &str = "team-sync-device-token:";

/// How long the exchange waits for the server to fall quiet, and at most.
const QUIET: Duration = Duration::from_millis(400);
const LIMIT: Duration = Duration::from_secs(60);

/// What `sync status` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncStatus {
    pub server: Option<String>,
    pub workspace_id: Option<String>,
    pub workspace_name: Option<String>,
    /// Whether this device is connected to a workspace (it may be offline at the moment).
    pub connected: bool,
    pub share_health_details: bool,
    /// Records changed here that the server does not hold yet.
    pub pending_changes: u32,
    pub last_synced_at: Option<String>,
    /// Why the last sync failed, in plain words.
    pub last_error: Option<String>,
    /// The team member this device syncs as (its changes are signed with this name); none
    /// for a token that belongs to no member.
    pub member_name: Option<String>,
}

/// What one `sync now` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncReport {
    /// Documents whose changes reached the server.
    pub sent: u32,
    /// Records created, changed or deleted here by changes from the team.
    pub received: u32,
    /// The change-log batch of the received changes (undoable), when there were any.
    pub batch_id: Option<String>,
    pub pending_changes: u32,
    pub synced_at: String,
}

/// What `sync rebuild` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RebuildOutcome {
    /// Record documents read.
    pub documents: u32,
    /// Local records that differed from their documents and were rewritten.
    pub changed: u32,
    /// The change-log batch of the rewrites (undoable), when there were any.
    pub batch_id: Option<String>,
}

/// What connecting found on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncConnectOutcome {
    pub server: String,
    pub workspace_id: String,
    pub workspace_name: String,
    /// Records on the server already.
    pub documents_on_server: u32,
    /// Records of this device that the first sync will share (private ones stay here).
    pub records_to_share: u32,
}

#[derive(Deserialize)]
struct WorkspaceAnswer {
    id: String,
    name: String,
    root_document_id: String,
    #[serde(default)]
    documents: i64,
    /// The member the token belongs to (none for a token of the workspace, not of a member).
    #[serde(default)]
    member_name: Option<String>,
}

/// What settling a conflict did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConflictResolution {
    pub record_id: String,
    pub field_label: String,
    /// The value the field now holds on every device.
    pub value: String,
    /// The batch that changed the record here (undo it with `undo --batch`); none when the
    /// record already held the value.
    pub batch_id: Option<String>,
}

/// Team sync over one data folder.
#[derive(Clone)]
pub struct TeamSync {
    core: Core,
    /// The connection of the last successful sync, kept open: the server pushes the team's
    /// changes over it ([`TeamSync::wait_for_team_changes`]) and the next sync reuses it.
    session: std::sync::Arc<tokio::sync::Mutex<Option<Session>>>,
}

/// An open connection to the team's server and the documents synced over it.
struct Session {
    client: SyncClient,
    server: String,
    root_id: DocumentId,
    /// Each document's stored heads when the client last merged or stored it: a stored
    /// document with other heads has changes the client does not hold yet.
    held: HashMap<String, String>,
    /// Documents the last sync could not store or the server did not confirm: looked at again.
    retry: HashSet<DocumentId>,
    /// Downloaded documents not synced over the connection yet: until they are, the server
    /// does not push their changes. [`TeamSync::wait_for_team_changes`] or the next sync
    /// syncs them.
    unsubscribed: Vec<DocumentId>,
}

/// From this many records missing here, they are downloaded at once ([`snapshot`])...
const DOWNLOAD_FROM: usize = 50;

/// ...when they are also a tenth of the workspace or more: the download carries every record,
/// so a few hundred new ones in a large workspace come faster one request each.
fn worth_downloading(missing: usize, in_workspace: usize) -> bool {
    missing >= DOWNLOAD_FROM && missing.saturating_mul(10) >= in_workspace
}

/// Remote records applied per write transaction: few commits, and a local edit never waits
/// long for the writer.
const APPLY_CHUNK: usize = 500;

/// What applying one document did.
struct Applied {
    /// The document was stored with its record (false: the record waits for a local edit).
    stored: bool,
    /// The record here changed.
    changed: bool,
}

/// Record documents stored here that the workspace root does not list.
fn unlisted_documents(
    connection: &rusqlite::Connection,
    listed: &HashSet<DocumentId>,
) -> Result<Vec<RootEntry>> {
    let mut statement = connection.prepare_cached(
        "SELECT document_id, record_id, kind FROM sync_documents WHERE record_id IS NOT NULL",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut entries = Vec::new();
    for (document_id, record_id, kind) in rows {
        let (Ok(document_id), Ok(record_id), Ok(kind)) = (
            document_id.parse::<DocumentId>(),
            record_id.parse::<uuid::Uuid>(),
            kind.parse::<RecordKind>(),
        ) else {
            continue;
        };
        if !listed.contains(&document_id) {
            entries.push(RootEntry {
                record_id,
                kind,
                document_id,
            });
        }
    }
    Ok(entries)
}

impl TeamSync {
    /// Team sync for `core`'s device. From now on every write transaction of its store, while
    /// the device is connected to a workspace, also records the records it changed as
    /// document changes (see [`record_in_transaction`]).
    pub fn new(core: Core) -> Self {
        core.database
            .set_before_commit(std::sync::Arc::new(record_in_transaction));
        Self {
            core,
            session: Default::default(),
        }
    }

    fn secrets(&self) -> Result<SecretStore> {
        SecretStore::open(&self.core.data_dir)
    }

    fn connection(&self) -> Result<Option<WorkspaceConnection>> {
        self.core.database.read(documents::load_connection)
    }

    fn require_connection(&self) -> Result<WorkspaceConnection> {
        self.connection()?.ok_or_else(|| {
            Error::new(
                ErrorCode::Conflict,
                "this device is not connected to a team server; connect it first \
                 (omnicrm sync connect --server ADDRESS --token TOKEN)",
            )
        })
    }

    fn token(&self, connection: &WorkspaceConnection) -> Result<SecretString> {
        match self.secrets()?.load(&connection.token_account)? {
            SecretLookup::Found(token) => Ok(token),
            SecretLookup::Missing => Err(Error::new(
                ErrorCode::AuthRequired,
                "the device token for the team server is missing; connect again",
            )),
            SecretLookup::Unreadable { reason } => Err(Error::new(
                ErrorCode::AuthRequired,
                format!("the device token cannot be read ({reason}); connect again"),
            )),
        }
    }

    /// Checks the server and token, then remembers the workspace (the token goes to the
    /// secret store). Every record of this device is shared at the next sync.
    pub async fn connect(&self, server: &str, token: &str) -> Result<SyncConnectOutcome> {
        let server = normalize_server(server)?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::invalid_field("token", "is empty"));
        }
        let answer = fetch_workspace(&server, token).await?;
        let root_document_id = answer.root_document_id.parse::<DocumentId>().map_err(|_| {
            Error::new(
                ErrorCode::Network,
                "the server's answer names no valid workspace; is this an OmniCRM team server?",
            )
        })?;
        let token_account = format!("{TOKEN_ACCOUNT_PREFIX}{}", omnicrm_core::time::new_id());
        let secrets = self.secrets()?;
        let previous = self.connection()?;
        if let Some(previous) = &previous {
            secrets.remove(&previous.token_account)?;
        }
        secrets.store(&token_account, &SecretString::from(token.to_owned()))?;
        // The same workspace again (a new address or token): what was synced stays.
        let same_workspace = previous
            .as_ref()
            .filter(|previous| previous.workspace_id == answer.id);
        let connection = WorkspaceConnection {
            server: server.clone(),
            workspace_id: answer.id.clone(),
            workspace_name: answer.name.clone(),
            root_document_id,
            token_account,
            share_health_details: same_workspace
                .is_some_and(|previous| previous.share_health_details),
            change_log_seq: same_workspace.map_or(0, |previous| previous.change_log_seq),
            last_synced_at: None,
            last_error: None,
            member_name: answer.member_name.clone(),
        };
        let keep_documents = same_workspace.is_some();
        let records_to_share = self.core.database.write(|transaction| {
            if !keep_documents {
                // Another workspace: documents of the last one are of no use.
                documents::forget_all(transaction)?;
            }
            documents::save_connection(transaction, &connection, &now_utc())?;
            shareable_count(transaction)
        })?;
        Ok(SyncConnectOutcome {
            server,
            workspace_id: answer.id,
            workspace_name: answer.name,
            documents_on_server: u32::try_from(answer.documents.max(0)).unwrap_or(u32::MAX),
            records_to_share,
        })
    }

    /// Forgets the workspace and the token. The records stay here and stop syncing.
    pub fn disconnect(&self) -> Result<SyncStatus> {
        if let Some(connection) = self.connection()? {
            self.secrets()?.remove(&connection.token_account)?;
        }
        self.core
            .database
            .write(|transaction| documents::forget_all(transaction))?;
        self.status()
    }

    /// Turns on or off sharing health context and emergency contacts with the team.
    pub fn set_share_health_details(&self, share: bool) -> Result<SyncStatus> {
        self.require_connection()?;
        self.core.database.write(|transaction| {
            transaction.execute(
                "UPDATE sync_connection SET share_health_details = ?1,
                        change_log_seq = CASE WHEN ?1 THEN 0 ELSE change_log_seq END
                 WHERE id = 1",
                [share],
            )?;
            Ok(())
        })?;
        self.status()
    }

    pub fn status(&self) -> Result<SyncStatus> {
        let connection = self.connection()?;
        let pending = match &connection {
            Some(connection) => self.pending_changes(connection.change_log_seq)?,
            None => 0,
        };
        Ok(match connection {
            None => SyncStatus {
                server: None,
                workspace_id: None,
                workspace_name: None,
                connected: false,
                share_health_details: false,
                pending_changes: 0,
                last_synced_at: None,
                last_error: None,
                member_name: None,
            },
            Some(connection) => SyncStatus {
                server: Some(connection.server),
                workspace_id: Some(connection.workspace_id),
                workspace_name: Some(connection.workspace_name),
                connected: true,
                share_health_details: connection.share_health_details,
                pending_changes: pending,
                last_synced_at: connection.last_synced_at,
                last_error: connection.last_error,
                member_name: connection.member_name,
            },
        })
    }

    /// Records with changes the server does not hold yet: documents not sent, and changes
    /// not yet turned into documents.
    fn pending_changes(&self, since: i64) -> Result<u32> {
        self.core.database.read(|connection| {
            let unsent = documents::unsent_count(connection)?;
            let waiting: u32 = connection.query_row(
                &waiting_changes_sql(),
                params![since, format!("{REMOTE_BATCH_PREFIX}%")],
                |row| row.get(0),
            )?;
            Ok(unsent + waiting)
        })
    }

    /// Turns local changes since the stored position into document changes.
    pub fn record_local_changes(&self) -> Result<u32> {
        self.require_connection()?;
        self.core
            .database
            .write(|transaction| record_changes(transaction, usize::MAX))
    }

    /// Pushes local changes and pulls the team's, until in step with the server. One sync
    /// runs at a time in a process (the background service and a "Sync now" take turns).
    pub async fn sync_now(&self) -> Result<SyncReport> {
        let _turn = SYNC_TURN.lock().await;
        let had_connection = self.session.lock().await.is_some();
        let mut result = self.exchange().await;
        if had_connection && matches!(&result, Err(error) if error.code == ErrorCode::Network) {
            // The connection kept from the last sync had ended (the server restarted, the
            // network changed): one more try over a new one says how things stand now.
            result = self.exchange().await;
        }
        let outcome = match &result {
            Ok(report) => (Some(report.synced_at.clone()), None),
            Err(error) => (None, Some(error.message.clone())),
        };
        self.core.database.write(|transaction| {
            documents::set_outcome(transaction, outcome.0.as_deref(), outcome.1.as_deref())
        })?;
        result
    }

    async fn exchange(&self) -> Result<SyncReport> {
        let connection = self.require_connection()?;
        let token = self.token(&connection)?;
        let started = std::time::Instant::now();
        self.record_local_changes()?;
        let root_id = connection.root_document_id;
        let server_error = |error| client_error(&connection.server, error);

        // Reuse the connection of the last sync when it is still open to the same workspace:
        // only what changed since travels, and only documents stored since are read. Any
        // failure below drops it.
        let mut session = self.session.lock().await;
        let kept = session.take().filter(|kept| {
            kept.client.is_connected()
                && kept.server == connection.server
                && kept.root_id == root_id
        });
        let fresh = kept.is_none();
        let (mut client, mut held, retry, unsubscribed) = match kept {
            Some(kept) => (kept.client, kept.held, kept.retry, kept.unsubscribed),
            None => {
                let mut client = SyncClient::new();
                client
                    .connect(
                        &sync_url(&connection.server),
                        token.expose_secret(),
                        TokenPlacement::Header,
                    )
                    .await
                    .map_err(server_error)?;
                (client, HashMap::new(), HashSet::new(), Vec::new())
            }
        };

        // The documents stored here with changes the client does not hold yet.
        // (Keyed by the ids' text: parsing every id at each sync cost more than the sync.)
        let stored_heads = self.core.database.read(documents::list_heads)?;
        let root_key = root_id.to_string();
        if fresh {
            // On a new connection, the documents the server is known to hold as stored here
            // are synced unloaded (their stored heads are their sync state): only those the
            // server has something new for are read.
            let database = self.core.database.clone();
            client.set_loader(Box::new(move |id| {
                database
                    .read(|connection| documents::load_by_id(connection, id))
                    .ok()
                    .flatten()
                    .map(|stored| stored.document)
            }));
            for (id, stored) in &stored_heads {
                if *id == root_key || stored.heads != stored.sent_heads {
                    continue;
                }
                let (Ok(document_id), Some(heads)) = (
                    id.parse::<DocumentId>(),
                    documents::parse_heads(&stored.heads),
                ) else {
                    continue;
                };
                client.add_unloaded(document_id, heads);
                held.insert(id.clone(), stored.heads.clone());
            }
        }
        let to_merge: Vec<String> = stored_heads
            .iter()
            .filter(|(id, stored)| held.get(*id) != Some(&stored.heads))
            .map(|(id, _)| id.clone())
            .collect();
        let stored = self
            .core
            .database
            .read(|database| documents::load_many(database, &to_merge))?;
        // Documents new on this device since the last sync: the root must list them.
        let mut new_here = fresh;
        let mut merged = Vec::with_capacity(stored.len());
        for document in stored {
            merged.push(document.document_id);
            new_here |= held
                .insert(document.document_id.to_string(), document.heads)
                .is_none();
            client
                .merge(document.document_id, document.document)
                .map_err(server_error)?;
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            merged = merged.len(),
            "sync: local documents merged"
        );
        let root_present = stored_heads.contains_key(&root_key)
            || client
                .document(&root_id)
                .is_some_and(|root| !root.get_heads().is_empty());
        if !root_present {
            client.request(root_id).await.map_err(server_error)?;
            client
                .pump_until(LIMIT, |client| client.awaiting() == 0)
                .await
                .map_err(server_error)?;
            if client.is_unavailable(&root_id) {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    "the team's workspace no longer exists on the server",
                ));
            }
        }
        // Every record document this device has is listed in the workspace root.
        if new_here || !root_present {
            self.list_in_root(&mut client, root_id)?;
        }
        // A new connection syncs every document (the server then pushes their changes over
        // it); a kept one only what changed here.
        let mut to_sync: Vec<DocumentId> = if fresh {
            let mut to_sync = client.document_ids();
            to_sync.extend(client.unloaded_ids());
            to_sync
        } else {
            let mut to_sync = merged.clone();
            to_sync.extend(unsubscribed);
            // Those the server did not take last time (one it refused is refused again, and
            // said so again).
            to_sync.extend(retry.iter().filter(|id| !merged.contains(id)).copied());
            to_sync
        };
        if !to_sync.contains(&root_id) {
            to_sync.push(root_id);
        }
        if !fresh {
            // A teammate's changes the server pushed a moment ago may still be on their way:
            // this sync ends only after they are in (see `ask_for_earlier_changes`).
            client
                .ask_for_earlier_changes(root_id)
                .await
                .map_err(server_error)?;
        }
        let unsettled = client
            .sync_documents(to_sync, QUIET, LIMIT)
            .await
            .map_err(server_error)?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            unsettled,
            "sync: exchanged"
        );

        // Records the root lists that this device has not seen yet (the root only lists more
        // when it changed since it was stored, here or by a push between syncs).
        let root_changed = client.document(&root_id).map(documents::heads_text)
            != stored_heads
                .get(&root_key)
                .map(|stored| stored.heads.clone());
        let entries = if fresh || !root_present || root_changed {
            client
                .document(&root_id)
                .map(WorkspaceRoot::entries)
                .transpose()
                .map_err(model_error)?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let missing: HashSet<DocumentId> = entries
            .iter()
            .map(|entry| entry.document_id)
            .filter(|id| client.document(id).is_none() && !client.is_unloaded(id))
            .collect();
        // Many at once come in one download, as the server stores them; a few, or any the
        // download lacked, one request each. The downloaded ones are synced over the
        // connection after they are applied (which confirms their heads and has the server
        // push their changes): see `Session::unsubscribed`.
        let mut downloaded = Vec::new();
        // The heads each was downloaded at: the server holds at least those.
        let mut downloaded_heads = HashMap::new();
        let mut downloaded_bytes = HashMap::new();
        if worth_downloading(missing.len(), entries.len()) {
            match snapshot::fetch(&connection.server, token.expose_secret(), missing.clone()).await
            {
                Ok(documents) => {
                    for (id, document, bytes) in documents {
                        downloaded_heads.insert(id, documents::heads_text(&document));
                        downloaded_bytes.insert(id, bytes);
                        client.insert(id, document);
                        downloaded.push(id);
                    }
                }
                // Only a shortcut: the records still come one request each.
                Err(error) => tracing::warn!(
                    message = %error.message,
                    "the team's records could not be downloaded at once"
                ),
            }
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            downloaded = downloaded.len(),
            "sync: records downloaded"
        );
        let mut requested = 0;
        for id in missing {
            if client.document(&id).is_none() {
                client.request(id).await.map_err(server_error)?;
                requested += 1;
            }
        }
        if client.awaiting() > 0 {
            match client
                .pump_until(LIMIT, |client| client.awaiting() == 0)
                .await
            {
                // Records the root lists that the server cannot give yet (their device has
                // not finished sending them): the next sync asks again; the rest is applied.
                Err(ClientError::Timeout) => tracing::warn!(
                    awaited = client.awaiting(),
                    "records the team's root lists did not arrive in time"
                ),
                other => other.map_err(server_error)?,
            }
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            requested,
            "sync: new records fetched"
        );
        // A change the server refused (a record too large for it) stays here, waiting; what
        // the team changed is still applied below, and the refusal is reported at the end.
        let refusals = client.take_errors();
        for refusal in refusals
            .iter()
            .filter_map(|message| TooLargeRefusal::parse(message))
        {
            // Sent again next time, to be refused (and said) again while it waits here.
            match refusal.document_id {
                Some(refused) => client.forget_sync_state(&refused),
                None => client.forget_unanswered(),
            }
        }
        // What arrived so far is applied below; only later pushes wake a waiting device.
        client.take_received();

        // The documents that may differ from what is stored: on a kept connection, those
        // merged or changed by the server since, and those that could not be stored last time.
        let changed_by_server = client.take_changed_documents();
        let candidates: Vec<DocumentId> = if fresh {
            client.document_ids()
        } else {
            let mut candidates: HashSet<DocumentId> = merged.into_iter().collect();
            candidates.extend(changed_by_server);
            candidates.extend(downloaded.iter().copied());
            candidates.extend(retry);
            candidates.insert(root_id);
            candidates.into_iter().collect()
        };
        let policy = SharingPolicy {
            share_health_details: connection.share_health_details,
        };
        let batch_id = new_remote_batch_id();
        let now = now_utc();
        let (mut received, mut sent) = (0, 0);
        // Documents whose local changes the server now holds (for the access log).
        let mut shared = Vec::new();
        let mut incoming = Vec::new();
        let mut marks = Vec::new();
        let mut retry = HashSet::new();
        for document_id in candidates {
            let Some(document) = client.document(&document_id) else {
                continue;
            };
            let heads = documents::heads_text(document);
            let server_has = client.server_has(&document_id)
                || downloaded_heads.get(&document_id) == Some(&heads);
            let stored = stored_heads.get(&document_id.to_string());
            let was_unsent = stored.is_some_and(|stored| stored.heads != stored.sent_heads);
            if server_has && was_unsent {
                sent += 1;
                shared.push(document_id);
            }
            if !server_has {
                retry.insert(document_id);
            }
            let changed_here = stored.map(|stored| &stored.heads) != Some(&heads);
            if !changed_here {
                if server_has && stored.is_some_and(|stored| stored.sent_heads != heads) {
                    marks.push((document_id, heads));
                }
                continue;
            }
            // Taken out while it is applied (no copy), and put back below.
            let Some(document) = client.take_document(&document_id) else {
                continue;
            };
            // Downloaded and unchanged since: stored as downloaded, not saved again.
            let saved = downloaded_bytes
                .remove(&document_id)
                .filter(|_| downloaded_heads.get(&document_id) == Some(&heads));
            incoming.push(Incoming {
                document_id,
                saved,
                document,
                heads,
                server_has,
            });
        }
        // Contacts before notes (a note needs its contact), and so on.
        incoming.sort_by_cached_key(|incoming| application_order(&incoming.document));
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            incoming = incoming.len(),
            "sync: incoming listed"
        );
        self.core.database.write(|transaction| {
            for (document_id, heads) in &marks {
                documents::mark_sent(transaction, document_id, heads)?;
            }
            Ok(())
        })?;
        write_prepared(&incoming, APPLY_CHUNK, root_id, |batch, prepared| {
            self.core.remote.write_batch(|writer| {
                let edited_here = edited_here_since_recorded(writer.connection())?;
                for (item, prepared) in batch.iter().zip(prepared) {
                    let sent_heads = item.server_has.then(|| item.heads.clone());
                    let Some(prepared) = prepared? else {
                        // The workspace root.
                        documents::save_document(
                            writer.connection(),
                            &root_id,
                            None,
                            "root",
                            &item.document,
                            None,
                            sent_heads.as_deref(),
                            &now,
                        )?;
                        held.insert(root_key.clone(), item.heads.clone());
                        continue;
                    };
                    match self.apply_incoming(
                        writer,
                        &edited_here,
                        item,
                        prepared,
                        &policy,
                        &batch_id,
                        sent_heads.as_deref(),
                        &now,
                    ) {
                        Ok(Applied {
                            stored: true,
                            changed,
                        }) => {
                            held.insert(item.document_id.to_string(), item.heads.clone());
                            if changed {
                                received += 1;
                            }
                        }
                        // A local edit waits to be sent first: tried again next time.
                        Ok(Applied { stored: false, .. }) => {
                            retry.insert(item.document_id);
                        }
                        // One record this device cannot take yet (it names a zone or parent
                        // task that is not here) does not stop the rest; its document is not
                        // stored, so the next sync tries it again.
                        Err(error) if is_record_refusal(&error) => {
                            tracing::warn!(
                                document = %item.document_id,
                                message = %error.message,
                                "a record from the team waits: it cannot be applied here yet"
                            );
                            retry.insert(item.document_id);
                        }
                        Err(error) => return Err(error),
                    }
                }
                Ok(())
            })
        })?;
        for item in incoming {
            client
                .merge(item.document_id, item.document)
                .map_err(server_error)?;
        }
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            received,
            "sync: applied"
        );
        *session = Some(Session {
            client,
            server: connection.server.clone(),
            root_id,
            held,
            retry,
            unsubscribed: downloaded,
        });
        drop(session);
        crate::disclosures::record_shared(&self.core, &shared, &connection.server)?;
        if let Some(message) = refusals.first() {
            return Err(self.refusal_error(message));
        }
        let pending_changes = self.pending_changes(self.require_connection()?.change_log_seq)?;
        Ok(SyncReport {
            sent,
            received,
            batch_id: (received > 0).then_some(batch_id),
            pending_changes,
            synced_at: now,
        })
    }

    /// What the server's refusal of a change means, in plain words: a record too large for
    /// the server is [`ErrorCode::TooLarge`] and names the kind of record.
    fn refusal_error(&self, message: &str) -> Error {
        let Some(too_large) = TooLargeRefusal::parse(message) else {
            return Error::new(
                ErrorCode::Network,
                format!("the team server refused a change: {message}"),
            );
        };
        let kind = too_large
            .document_id
            .and_then(|document_id| {
                self.core
                    .database
                    .read(|database| documents::kind_of(database, document_id))
                    .ok()
                    .flatten()
            })
            .filter(|kind| kind != "root" && kind != "unknown");
        let what = match kind.as_deref() {
            Some("interaction") => "A logged session".to_owned(),
            Some(kind) => format!("A {kind}"),
            None => "A record".to_owned(),
        };
        let limit = match too_large.limit_bytes {
            Some(bytes) => format!(" (its limit is {})", megabytes(bytes)),
            None => String::new(),
        };
        Error::new(
            ErrorCode::TooLarge,
            format!(
                "{what} is larger than the team server accepts{limit}. It stays on this device \
                 and is not shared; the other records still sync."
            ),
        )
    }

    /// Adds the record documents stored here that the workspace root does not list yet.
    fn list_in_root(&self, client: &mut SyncClient, root_id: DocumentId) -> Result<()> {
        let listed: HashSet<DocumentId> = client
            .document(&root_id)
            .map(WorkspaceRoot::entries)
            .transpose()
            .map_err(model_error)?
            .unwrap_or_default()
            .into_iter()
            .map(|entry| entry.document_id)
            .collect();
        let unlisted = self
            .core
            .database
            .read(|database| unlisted_documents(database, &listed))?;
        if let Some(root) = client.document_mut(&root_id) {
            for entry in &unlisted {
                WorkspaceRoot::add(root, entry).map_err(model_error)?;
            }
        }
        Ok(())
    }

    /// Fields that two devices wrote at the same time, newest first; only `record_id`'s when
    /// given.
    pub fn conflicts(&self, record_id: Option<&str>) -> Result<Vec<SyncConflict>> {
        self.core
            .database
            .read(|connection| conflicts::list(connection, record_id))
    }

    /// Settles conflict `id` on the chosen value or the one it was chosen over: the field is
    /// written again in the record's document (so every device ends the conflict the same
    /// way at its next sync) and the record here takes the value, as one undoable batch.
    pub async fn resolve_conflict(
        &self,
        id: &str,
        choice: ConflictChoice,
    ) -> Result<ConflictResolution> {
        let _turn = SYNC_TURN.lock().await;
        let connection = self.require_connection()?;
        let conflict = self
            .core
            .database
            .read(|database| conflicts::load(database, id))?;
        // Local edits first become document changes, so the record applies cleanly below.
        self.record_local_changes()?;
        let Some(stored) = self
            .core
            .database
            .read(|database| documents::load_by_record(database, &conflict.record_id))?
        else {
            return Err(Error::not_found("synced record", &conflict.record_id));
        };
        let value = match choice {
            ConflictChoice::KeepChosen => conflict.chosen.clone(),
            ConflictChoice::UseOther => conflict.other.clone(),
        };
        let mut document = stored.document;
        let author = ChangeAuthor::now(connection.member_name.as_deref());
        omnicrm_sync::conflicts::settle(&mut document, &conflict.field, &value, &author)
            .map_err(model_error)?;
        let policy = SharingPolicy {
            share_health_details: connection.share_health_details,
        };
        let batch_id = new_remote_batch_id();
        let now = now_utc();
        let item = Incoming {
            document_id: stored.document_id,
            saved: None,
            heads: documents::heads_text(&document),
            document,
            server_has: false,
        };
        let prepared = item.prepare()?;
        let applied = self.core.remote.write_batch(|writer| {
            let edited_here = edited_here_since_recorded(writer.connection())?;
            self.apply_incoming(
                writer,
                &edited_here,
                &item,
                prepared,
                &policy,
                &batch_id,
                None,
                &now,
            )
        })?;
        let changed = applied.changed;
        // The document was saved with the record (which refreshed its conflicts); a record
        // this device could not apply keeps its conflict listed.
        Ok(ConflictResolution {
            record_id: conflict.record_id,
            field_label: conflict.field_label,
            value,
            batch_id: changed.then_some(batch_id),
        })
    }

    /// Waits up to `limit` for the team's server to push a change over the connection the last
    /// sync left open: `Some(true)` when one came (the next sync applies it), `Some(false)` when
    /// none did or the connection ended (the next sync reconnects), `None` at once when no
    /// connection is open.
    ///
    /// Documents the last sync downloaded are first synced over the connection (which may take
    /// longer than `limit`: about a second per 10,000 here), so the server pushes their
    /// changes from then on.
    pub async fn wait_for_team_changes(&self, limit: Duration) -> Option<bool> {
        let mut session = self.session.lock().await;
        let open = session.as_mut()?;
        if !open.unsubscribed.is_empty() {
            let downloaded = std::mem::take(&mut open.unsubscribed);
            if let Err(error) = open.client.sync_documents(downloaded, QUIET, LIMIT).await {
                tracing::debug!(%error, "the connection to the team server ended");
                *session = None;
                return Some(false);
            }
        }
        let deadline = tokio::time::Instant::now() + limit;
        match open.client.wait_for_changes(deadline).await {
            Ok(changed) => Some(changed),
            Err(error) => {
                tracing::debug!(%error, "the connection to the team server ended");
                *session = None;
                Some(false)
            }
        }
    }

    /// Closes the connection the last sync left open.
    pub async fn close_session(&self) {
        self.session.lock().await.take();
    }

    /// Re-derives the local rows of synced records from their stored documents: the escape
    /// hatch for when a row and its document drifted apart. Every rewrite goes through the
    /// core, as one undoable batch.
    pub fn rebuild(&self) -> Result<RebuildOutcome> {
        let connection = self.require_connection()?;
        let policy = SharingPolicy {
            share_health_details: connection.share_health_details,
        };
        let mut stored: Vec<_> = self
            .core
            .database
            .read(documents::load_all)?
            .into_iter()
            .filter(|stored| stored.record_id.is_some())
            .collect();
        stored.sort_by_cached_key(|stored| application_order(&stored.document));
        let batch_id = new_remote_batch_id();
        let now = now_utc();
        let (mut documents_read, mut changed) = (0, 0);
        self.core.remote.write_batch(|writer| {
            let edited_here = edited_here_since_recorded(writer.connection())?;
            for stored in stored {
                documents_read += 1;
                let item = Incoming {
                    document_id: stored.document_id,
                    saved: None,
                    document: stored.document,
                    heads: stored.heads,
                    server_has: false,
                };
                let sent = stored.sent_heads;
                let applied = self.apply_incoming(
                    writer,
                    &edited_here,
                    &item,
                    item.prepare()?,
                    &policy,
                    &batch_id,
                    Some(&sent),
                    &now,
                )?;
                if applied.changed {
                    changed += 1;
                }
            }
            Ok(())
        })?;
        Ok(RebuildOutcome {
            documents: documents_read,
            changed,
            batch_id: (changed > 0).then_some(batch_id),
        })
    }

    /// Applies one document that changed on the server, in `writer`'s transaction.
    #[allow(clippy::too_many_arguments)]
    fn apply_incoming(
        &self,
        writer: &RemoteWriter<'_>,
        edited_here: &HashSet<String>,
        item: &Incoming,
        prepared: Prepared,
        policy: &SharingPolicy,
        batch_id: &str,
        sent_heads: Option<&str>,
        now: &str,
    ) -> Result<Applied> {
        let document_id = item.document_id;
        let Prepared {
            deleted,
            record,
            saved,
            conflicts,
        } = prepared;
        let stored = StoredParts {
            heads: &item.heads,
            // As downloaded, or as saved while preparing.
            bytes: item
                .saved
                .as_deref()
                .or(saved.as_deref())
                .unwrap_or_default(),
            conflicts: &conflicts,
        };
        let Some(record) = record else {
            return keep_document(writer.connection(), item, stored, sent_heads, now);
        };
        let kind = record.kind().as_str();
        let record_id = record.record_id().to_string();
        // Stores the document with the record, unless a local edit waits to be sent.
        let store = |transaction: &rusqlite::Connection| {
            if edited_here.contains(&record_id) {
                return Ok(false);
            }
            documents::store_document(
                transaction,
                &document_id,
                Some(&record_id),
                kind,
                stored,
                sent_heads,
                now,
            )?;
            Ok(true)
        };
        let applied = match record {
            AnyRecord::Contact(contact) => {
                let local = writer.live_contact(&record_id)?;
                let mapped = mapping::contact_from_sync(&contact, local.as_ref(), policy)
                    .map_err(mapping_error)?;
                writer.apply_contact(
                    batch_id,
                    &mapped.id,
                    mapped.input,
                    &mapped.identities,
                    deleted,
                    store,
                )?
            }
            AnyRecord::Note(note) => {
                let mapped = mapping::note_from_sync(&note).map_err(mapping_error)?;
                writer.apply_note(
                    batch_id,
                    &mapped.id,
                    &mapped.contact_id,
                    mapped.input,
                    deleted,
                    store,
                )?
            }
            AnyRecord::Task(task) => {
                let mapped = mapping::task_from_sync(&task).map_err(mapping_error)?;
                writer.apply_task(
                    batch_id,
                    &mapped.id,
                    mapped.input,
                    mapped.completed_at,
                    deleted,
                    store,
                )?
            }
            AnyRecord::Project(project) => {
                let mapped = mapping::project_from_sync(&project).map_err(mapping_error)?;
                writer.apply_project(batch_id, &mapped.id, mapped.input, deleted, store)?
            }
            AnyRecord::Goal(goal) => {
                let mapped = mapping::goal_from_sync(&goal).map_err(mapping_error)?;
                writer.apply_goal(batch_id, &mapped.id, mapped.input, deleted, store)?
            }
            AnyRecord::Zone(zone) => {
                let mapped = mapping::zone_from_sync(&zone).map_err(mapping_error)?;
                writer.apply_zone(
                    batch_id,
                    &mapped.id,
                    mapped.input,
                    mapped.position,
                    deleted,
                    store,
                )?
            }
            AnyRecord::Consent(consent) => {
                let mapped = mapping::consent_from_sync(&consent).map_err(mapping_error)?;
                writer.apply_consent(
                    batch_id,
                    &mapped.id,
                    &mapped.contact_id,
                    mapped.input,
                    deleted,
                    store,
                )?
            }
            AnyRecord::Interaction(interaction) => {
                let mapped = mapping::interaction_from_sync(&interaction).map_err(mapping_error)?;
                writer.apply_interaction(batch_id, &mapped.id, mapped.input, deleted, store)?
            }
            AnyRecord::Tag(tag) => {
                let mapped = mapping::tag_from_sync(&tag).map_err(mapping_error)?;
                // A tag made here under the same name as this older one follows it from now
                // on: its edits go into this definition's document, and the definition's
                // changes (a rename too) go to it.
                let following = documents::tag_following(writer.connection(), &mapped.id)?;
                let target = match following {
                    Some(tag_id) => tag_id,
                    None => writer.tag_target(&mapped.id, &mapped.input.name)?,
                };
                let follows = (target != mapped.id && mapped.id < target && !deleted)
                    .then(|| (target.clone(), mapped.id.clone()));
                writer.apply_tag(
                    batch_id,
                    &mapped.id,
                    &target,
                    mapped.input,
                    mapped.is_system,
                    deleted,
                    |transaction| {
                        if let Some((tag_id, record_id)) = &follows {
                            documents::follow_tag(transaction, tag_id, record_id)?;
                        }
                        store(transaction)
                    },
                )?
            }
        };
        Ok(Applied {
            stored: applied != RemoteApplied::Deferred,
            changed: matches!(
                applied,
                RemoteApplied::Created
                    | RemoteApplied::Updated
                    | RemoteApplied::Deleted
                    | RemoteApplied::Restored
            ),
        })
    }
}

/// Keeps a document this device does not apply as it is, so it stays in step.
fn keep_document(
    connection: &rusqlite::Connection,
    item: &Incoming,
    stored: StoredParts<'_>,
    sent_heads: Option<&str>,
    now: &str,
) -> Result<Applied> {
    let record_id = RecordDocument::record_id(&item.document)
        .ok()
        .map(|id| id.to_string());
    let kind = RecordDocument::kind(&item.document)
        .map(|kind| kind.as_str().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    documents::store_document(
        connection,
        &item.document_id,
        record_id.as_deref(),
        &kind,
        stored,
        sent_heads,
        now,
    )?;
    Ok(Applied {
        stored: true,
        changed: false,
    })
}

/// The change-log entities whose records travel, as an SQL list.
const TRAVELLING_ENTITIES: &str =
    "'contact', 'note', 'task', 'project', 'goal', 'zone', 'consent', 'interaction', 'tag'";

/// The table that holds the records of a travelling change-log entity.
fn table_of(entity: &str) -> Option<&'static str> {
    Some(match entity {
        "contact" => "contacts",
        "note" => "notes",
        "task" => "tasks",
        "project" => "projects",
        "goal" => "goals",
        "zone" => "zones",
        "consent" => "consents",
        "interaction" => "interactions",
        "tag" => "tags",
        _ => return None,
    })
}

/// The store's before-commit work (set by [`TeamSync::new`]): while the device is connected,
/// the records the transaction changed become document changes in it. A failure here leaves
/// the write to commit alone (its changes wait in the change log for the next sync, which
/// records them), so team sync can never stop a local edit.
pub fn record_in_transaction(transaction: &rusqlite::Connection) -> Result<()> {
    transaction
        .prepare_cached("SAVEPOINT team_sync_record")?
        .execute([])?;
    match record_changes(transaction, RECORDED_AT_COMMIT) {
        Ok(_) => {
            transaction
                .prepare_cached("RELEASE team_sync_record")?
                .execute([])?;
        }
        Err(error) => {
            transaction
                .prepare_cached("ROLLBACK TO team_sync_record")?
                .execute([])?;
            transaction
                .prepare_cached("RELEASE team_sync_record")?
                .execute([])?;
            tracing::warn!(
                message = %error.message,
                "local changes wait in the change log: they could not become document changes now"
            );
        }
    }
    Ok(())
}

/// The most records a write transaction turns into document changes itself: one that changed
/// more (an import, a device joining with its data) leaves them to the next sync, which
/// records them without making the write wait.
const RECORDED_AT_COMMIT: usize = 500;

/// Turns the travelling records changed here after the recorded change-log position into
/// changes of their documents, on `transaction` (which sees what it wrote), and moves the
/// position past every entry so far; how many documents changed. Nothing while the device is
/// not connected, or when more than `limit` records changed.
fn record_changes(transaction: &rusqlite::Connection, limit: usize) -> Result<u32> {
    let Some(connection) = documents::load_connection(transaction)? else {
        return Ok(0);
    };
    let policy = SharingPolicy {
        share_health_details: connection.share_health_details,
    };
    let changed = {
        let mut statement = transaction.prepare_cached(&changes_to_record_sql())?;
        let rows = statement
            .query_map(
                params![connection.change_log_seq, format!("{REMOTE_BATCH_PREFIX}%")],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    if changed.len() > limit {
        return Ok(0);
    }
    // Every entry up to the newest is now recorded, or came from the team.
    let newest: i64 = transaction
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM change_log")?
        .query_row([], |row| row.get(0))?;
    let mut count = 0;
    if !changed.is_empty() {
        let reader = RecordReader::new(transaction);
        let now = now_utc();
        let author = ChangeAuthor::now(connection.member_name.as_deref());
        for (entity, id) in changed {
            let record = outgoing(&reader, transaction, &entity, &id, &policy)?;
            if write_outgoing(transaction, record, &author, &now)? {
                count += 1;
            }
        }
    }
    if newest > connection.change_log_seq {
        documents::set_change_log_seq(transaction, newest)?;
    }
    Ok(count)
}

/// Record `id` of change-log `entity` as it leaves the device, read with `reader`.
fn outgoing(
    reader: &RecordReader<'_>,
    connection: &rusqlite::Connection,
    entity: &str,
    id: &str,
    policy: &SharingPolicy,
) -> Result<Outgoing> {
    let Some(table) = table_of(entity) else {
        return Err(Error::internal(format!("{entity} records do not travel")));
    };
    // A record that is not there at all is gone too; a failing read is an error, never taken
    // for a deletion.
    let deleted = connection
        .prepare_cached(&format!(
            "SELECT deleted_at IS NOT NULL FROM {table} WHERE id = ?1"
        ))?
        .query_row([id], |row| row.get::<_, bool>(0))
        .optional()?
        .unwrap_or(true);
    // A tag that follows an older team tag of its name is written into that tag's document.
    let followed = match entity {
        "tag" => documents::followed_tag(connection, id)?,
        _ => None,
    };
    if deleted {
        return Ok(Outgoing::Gone {
            id: followed.unwrap_or_else(|| id.to_owned()),
        });
    }
    let record = match entity {
        "contact" => {
            let contact = reader.contact(id)?;
            let identifiers = reader.identifiers(id)?;
            let local = LocalContact {
                contact: &contact,
                identifiers: &identifiers,
                private: false,
            };
            mapping::contact_to_sync(&local, policy)
                .map(|record| AnyRecord::Contact(Box::new(record)))
        }
        "note" => mapping::note_to_sync(&reader.note(id)?).map(AnyRecord::Note),
        "task" => mapping::task_to_sync(&reader.task(id)?).map(AnyRecord::Task),
        "project" => mapping::project_to_sync(&reader.project(id)?).map(AnyRecord::Project),
        "goal" => mapping::goal_to_sync(&reader.goal(id)?).map(AnyRecord::Goal),
        "zone" => mapping::zone_to_sync(&reader.zone(id)?).map(AnyRecord::Zone),
        "consent" => mapping::consent_to_sync(&reader.consent(id)?).map(AnyRecord::Consent),
        "tag" => mapping::tag_to_sync(&reader.tag(id)?).and_then(|mut tag| {
            if let Some(followed) = &followed {
                tag.id =
                    uuid::Uuid::parse_str(followed).map_err(|_| MappingError::UnknownValue {
                        field: "id",
                        value: followed.clone(),
                    })?;
            }
            Ok(AnyRecord::Tag(tag))
        }),
        _ => mapping::interaction_to_sync(&reader.interaction(id)?).map(AnyRecord::Interaction),
    };
    match record {
        Ok(record) => Ok(Outgoing::Shared(Box::new(record))),
        // A record made private after it was shared leaves the team's copy; one that was never
        // shareable (an imported email) never had one.
        Err(MappingError::NotShareable { .. }) => Ok(Outgoing::Gone { id: id.to_owned() }),
        Err(error) => Err(mapping_error(error)),
    }
}

/// The order records are applied in, so each finds what it refers to: tags (a contact names
/// them), contacts, zones, projects, top-level tasks, subtasks, then notes and the other kinds.
fn application_order(document: &Automerge) -> u8 {
    match RecordDocument::kind(document) {
        Ok(RecordKind::Tag) => 0,
        Ok(RecordKind::Contact) => 1,
        Ok(RecordKind::Zone) => 2,
        Ok(RecordKind::Project) => 3,
        Ok(RecordKind::Task) => {
            let is_subtask = RecordDocument::read::<omnicrm_sync::Task>(document)
                .map(|task| task.parent_task_id.is_some())
                .unwrap_or(false);
            if is_subtask {
                5
            } else {
                4
            }
        }
        _ => 6,
    }
}

/// Whether an error concerns only the record being applied (it does not validate here).
fn is_record_refusal(error: &Error) -> bool {
    matches!(
        error.code,
        ErrorCode::ValidationFailed | ErrorCode::NotFound
    )
}

// The change log grows with every write; these three read only its entries after the
// recorded position (`seq`, the rowid). `+entity` keeps SQLite from walking the whole log in
// the entity index's order instead (22 ms per sync at 100k contacts; the plans are pinned by
// `the_change_log_is_read_from_the_recorded_position_not_whole`).

/// `changed (entity, entity_id, seq)`: each change-log entry after `since` that concerns a
/// travelling record and did not come from the team (`batch_pattern`: the remote batch
/// pattern). An added identity's change is its contact's (the identities travel with it); a
/// tag's change is also each of its contacts' (they carry the tag by name).
fn changed_records_sql(since: &str, batch_pattern: &str) -> String {
    format!(
        "WITH recent AS MATERIALIZED (
             SELECT entity, entity_id, seq FROM change_log
             WHERE seq > {since} AND +entity IN ({TRAVELLING_ENTITIES}, 'identity')
               AND (batch_id IS NULL OR batch_id NOT LIKE {batch_pattern})),
         changed AS (
             SELECT entity, entity_id, seq FROM recent WHERE entity <> 'identity'
             UNION ALL
             SELECT 'contact', i.contact_id, recent.seq FROM recent
             JOIN contact_identities i ON i.id = recent.entity_id
             WHERE recent.entity = 'identity'
             UNION ALL
             SELECT 'contact', t.contact_id, recent.seq FROM recent
             JOIN contact_tags t ON t.tag_id = recent.entity_id
             WHERE recent.entity = 'tag')"
    )
}

/// Each travelling record changed here after `?1`, with its newest change's seq.
fn changes_to_record_sql() -> String {
    format!(
        "{} SELECT entity, entity_id, MAX(seq) FROM changed
         GROUP BY entity, entity_id ORDER BY MAX(seq)",
        changed_records_sql("?1", "?2")
    )
}

/// How many records changed here after `?1` wait to become document changes (private notes
/// and imported interactions never shared do not count).
fn waiting_changes_sql() -> String {
    format!(
        "{} SELECT COUNT(DISTINCT entity || ':' || entity_id) FROM changed c
         WHERE NOT (NOT EXISTS (SELECT 1 FROM sync_documents d
                                WHERE d.record_id = c.entity_id)
                    AND (EXISTS (SELECT 1 FROM notes n
                                 WHERE n.id = c.entity_id AND n.is_private = 1)
                         OR EXISTS (SELECT 1 FROM interactions i
                                    WHERE i.id = c.entity_id AND i.source != 'manual')))",
        changed_records_sql("?1", "?2")
    )
}

/// The records changed here after the recorded position (`?1`: the remote batch pattern).
fn edited_here_sql() -> String {
    format!(
        "{} SELECT DISTINCT entity_id FROM changed",
        changed_records_sql(
            "(SELECT change_log_seq FROM sync_connection WHERE id = 1)",
            "?1"
        )
    )
}

/// The records with a local edit not yet turned into a document change (in the change log
/// after the recorded position, not from the team). Read in the transaction that applies
/// remote records, so an edit cannot slip in between.
fn edited_here_since_recorded(transaction: &rusqlite::Connection) -> Result<HashSet<String>> {
    let mut statement = transaction.prepare_cached(&edited_here_sql())?;
    let ids = statement
        .query_map([format!("{REMOTE_BATCH_PREFIX}%")], |row| row.get(0))?
        .collect::<rusqlite::Result<HashSet<String>>>()?;
    Ok(ids)
}

enum Outgoing {
    Shared(Box<AnyRecord>),
    /// Deleted here, or no longer shareable: the document is tombstoned.
    Gone {
        id: String,
    },
}

/// Writes one outgoing record into its document; true when the document changed.
fn write_outgoing(
    transaction: &rusqlite::Connection,
    record: Outgoing,
    author: &ChangeAuthor,
    now: &str,
) -> Result<bool> {
    let (record_id, kind) = match &record {
        Outgoing::Shared(shared) => (shared.record_id().to_string(), shared.kind().as_str()),
        Outgoing::Gone { id } => (id.clone(), ""),
    };
    let stored = documents::load_by_record(transaction, &record_id)?;
    let (document_id, mut document, before) = match stored {
        Some(stored) => {
            let before = stored.heads.clone();
            (stored.document_id, stored.document, Some(before))
        }
        None => match &record {
            // Never shared and gone: nothing to tell the team.
            Outgoing::Gone { .. } => return Ok(false),
            Outgoing::Shared(shared) => (
                DocumentId::random(),
                shared.create_document(author).map_err(model_error)?,
                None,
            ),
        },
    };
    if before.is_some() {
        match &record {
            Outgoing::Shared(shared) => shared
                .update_document(&mut document, author)
                .map_err(model_error)?,
            Outgoing::Gone { .. } => {
                if RecordDocument::deleted_at(&document)
                    .map_err(model_error)?
                    .is_none()
                {
                    RecordDocument::tombstone_by(&mut document, now, author)
                        .map_err(model_error)?;
                }
            }
        }
    }
    let kind = if kind.is_empty() {
        RecordDocument::kind(&document)
            .map(|kind| kind.as_str().to_owned())
            .unwrap_or_default()
    } else {
        kind.to_owned()
    };
    // A record restored here (after a delete) is alive again in its document too: writing its
    // fields does not clear the tombstone, so it is cleared here.
    if !matches!(record, Outgoing::Gone { .. })
        && RecordDocument::deleted_at(&document)
            .map_err(model_error)?
            .is_some()
    {
        RecordDocument::restore_by(&mut document, author).map_err(model_error)?;
    }
    let changed = before.as_deref() != Some(documents::heads_text(&document).as_str());
    if changed {
        documents::save_document(
            transaction,
            &document_id,
            Some(&record_id),
            &kind,
            &document,
            None,
            None,
            now,
        )?;
    }
    Ok(changed)
}

/// Live records of the kinds that travel, not private: what joining shares.
fn shareable_count(connection: &rusqlite::Connection) -> Result<u32> {
    Ok(connection.query_row(
        "SELECT (SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL)
              + (SELECT COUNT(*) FROM notes WHERE deleted_at IS NULL AND is_private = 0)
              + (SELECT COUNT(*) FROM tasks WHERE deleted_at IS NULL)
              + (SELECT COUNT(*) FROM projects WHERE deleted_at IS NULL)
              + (SELECT COUNT(*) FROM goals WHERE deleted_at IS NULL)
              + (SELECT COUNT(*) FROM consents WHERE deleted_at IS NULL)
              + (SELECT COUNT(*) FROM interactions
                  WHERE deleted_at IS NULL AND source = 'manual')
              + (SELECT COUNT(*) FROM zones WHERE deleted_at IS NULL
                   AND id IN (SELECT entity_id FROM change_log WHERE entity = 'zone'))
              + (SELECT COUNT(*) FROM tags WHERE deleted_at IS NULL
                   AND id IN (SELECT entity_id FROM change_log WHERE entity = 'tag'))",
        [],
        |row| row.get(0),
    )?)
}

/// `http://host:port` without a trailing slash; `server` names the field in errors.
fn normalize_server(server: &str) -> Result<String> {
    let server = server.trim().trim_end_matches('/');
    let Some(rest) = server
        .strip_prefix("http://")
        .or_else(|| server.strip_prefix("https://"))
    else {
        return Err(Error::invalid_field(
            "server",
            "must start with http:// or https:// (for example http://192.168.1.20:3030)",
        ));
    };
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(Error::invalid_field("server", "names no host"));
    }
    Ok(server.to_owned())
}

/// The WebSocket address of the server's sync endpoint.
fn sync_url(server: &str) -> String {
    let rest = server
        .strip_prefix("https://")
        .map(|rest| format!("wss://{rest}"))
        .or_else(|| {
            server
                .strip_prefix("http://")
                .map(|rest| format!("ws://{rest}"))
        })
        .unwrap_or_else(|| server.to_owned());
    format!("{rest}/sync")
}

async fn fetch_workspace(server: &str, token: &str) -> Result<WorkspaceAnswer> {
    let response = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|error| Error::new(ErrorCode::Internal, format!("no HTTP client: {error}")))?
        .get(format!("{server}/v1/workspace"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|error| {
            Error::new(
                ErrorCode::Network,
                format!("the team server at {server} could not be reached ({error})"),
            )
        })?;
    match response.status().as_u16() {
        200 => response.json::<WorkspaceAnswer>().await.map_err(|_| {
            Error::new(
                ErrorCode::Network,
                "the server's answer is not an OmniCRM team server's",
            )
        }),
        status => Err(http_status_error(status)),
    }
}

/// What an HTTP answer other than 200 from the team server means, in plain words.
pub(crate) fn http_status_error(status: u16) -> Error {
    match status {
        401 | 403 => Error::new(
            ErrorCode::AuthRequired,
            "the team server refused this device token (it may have been revoked); ask for a new one",
        ),
        404 => Error::new(
            ErrorCode::NotFound,
            "the team's workspace no longer exists on the server",
        ),
        429 => Error::new(
            ErrorCode::RateLimited,
            "the team server asks to slow down; try again in a minute",
        ),
        status => Error::new(
            ErrorCode::Network,
            format!("the team server answered with an error (HTTP {status})"),
        ),
    }
}

/// A refusal because of size, as the server words it: a document over its size limit
/// ("document ID would exceed the size limit of N bytes; …") or a message over its message
/// limit ("message of N bytes exceeds the limit of M bytes").
#[derive(Debug, PartialEq, Eq)]
struct TooLargeRefusal {
    document_id: Option<DocumentId>,
    limit_bytes: Option<u64>,
}

impl TooLargeRefusal {
    fn parse(message: &str) -> Option<Self> {
        if let Some((before, after)) = message.split_once(" would exceed the size limit of ") {
            return Some(Self {
                document_id: before
                    .strip_prefix("document ")
                    .and_then(|id| id.parse().ok()),
                limit_bytes: leading_number(after),
            });
        }
        let (_, after) = message
            .strip_prefix("message of ")?
            .split_once(" exceeds the limit of ")?;
        Some(Self {
            document_id: None,
            limit_bytes: leading_number(after),
        })
    }
}

fn leading_number(text: &str) -> Option<u64> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A byte count in megabytes, as people read them ("16 MB", "0.1 MB").
fn megabytes(bytes: u64) -> String {
    let megabytes = bytes as f64 / (1024.0 * 1024.0);
    if megabytes >= 1.0 {
        format!("{megabytes:.0} MB")
    } else {
        format!("{megabytes:.1} MB")
    }
}

fn client_error(server: &str, error: ClientError) -> Error {
    match error {
        ClientError::WebSocket(detail) if detail.contains("401") || detail.contains("403") => Error::new(
            ErrorCode::AuthRequired,
            "the team server refused this device token (it may have been revoked); ask for a new one",
        ),
        ClientError::WebSocket(detail) => Error::new(
            ErrorCode::Network,
            format!("the team server at {server} could not be reached ({detail})"),
        ),
        ClientError::Timeout => Error::new(
            ErrorCode::Network,
            format!("the team server at {server} stopped answering; the changes wait here for the next sync"),
        ),
        ClientError::Closed(reason) if reason.contains("rate limit") => Error::new(
            ErrorCode::RateLimited,
            "the team server is taking in too much from this device right now; the changes wait here and the next sync tries again",
        ),
        ClientError::Closed(reason) if reason.contains("revoked") => Error::new(
            ErrorCode::AuthRequired,
            "the team server revoked this device token; ask for a new one",
        ),
        other => Error::new(
            ErrorCode::Network,
            format!("the connection to the team server ended ({other})"),
        ),
    }
}

pub(crate) fn model_error(error: ModelError) -> Error {
    match error {
        ModelError::SchemaTooNew { .. } => Error::new(
            ErrorCode::SchemaTooNew,
            format!("a record on the team server was written by a newer OmniCRM ({error}); update OmniCRM to sync it"),
        ),
        other => Error::internal(format!("a sync document could not be used: {other}")),
    }
}

fn mapping_error(error: MappingError) -> Error {
    Error::new(
        ErrorCode::ValidationFailed,
        format!("a record from the team could not be read: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::{
        changes_to_record_sql, edited_here_sql, megabytes, waiting_changes_sql, worth_downloading,
        TooLargeRefusal,
    };

    #[test]
    fn the_servers_size_refusals_are_recognised_with_their_limit() {
        let document = omnicrm_sync::DocumentId::random();
        assert_eq!(
            TooLargeRefusal::parse(&format!(
                "document {document} would exceed the size limit of 16777216 bytes; change not accepted"
            )),
            Some(TooLargeRefusal {
                document_id: Some(document),
                limit_bytes: Some(16_777_216),
            })
        );
        assert_eq!(
            TooLargeRefusal::parse("message of 5000000 bytes exceeds the limit of 4194304 bytes"),
            Some(TooLargeRefusal {
                document_id: None,
                limit_bytes: Some(4_194_304),
            })
        );
        assert_eq!(
            TooLargeRefusal::parse("document x: changes refused: bad"),
            None
        );
        assert_eq!(megabytes(16_777_216), "16 MB");
        assert_eq!(megabytes(65_536), "0.1 MB");
    }

    #[test]
    fn the_change_log_is_read_from_the_recorded_position_not_whole() {
        let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let core =
            omnicrm_core::Core::open(directory.path()).unwrap_or_else(|error| panic!("{error:?}"));
        for sql in [
            changes_to_record_sql(),
            waiting_changes_sql(),
            edited_here_sql(),
        ] {
            let plan = core
                .database
                .read(|connection| {
                    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let count = statement.parameter_count();
                    let details = statement
                        .query_map(
                            rusqlite::params_from_iter(std::iter::repeat_n(0, count)),
                            |row| row.get::<_, String>(3),
                        )?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    Ok(details.join("\n"))
                })
                .unwrap_or_else(|error| panic!("{error:?}"));
            assert!(
                plan.contains("USING INTEGER PRIMARY KEY (rowid>?)"),
                "{plan}"
            );
            assert!(!plan.contains("change_log_by_entity"), "{plan}");
        }
    }

    #[test]
    fn a_new_device_downloads_and_a_few_new_records_in_a_large_workspace_are_requested() {
        assert!(worth_downloading(25_000, 25_000), "a new device");
        assert!(!worth_downloading(49, 49), "a small workspace");
        assert!(worth_downloading(3_000, 25_000), "a large import");
        assert!(
            !worth_downloading(1_000, 25_000),
            "a few hundred records more"
        );
    }
}

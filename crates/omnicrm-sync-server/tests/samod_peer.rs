//! samod (the published Rust automerge-repo) as an independent peer: it dials the server over a
//! WebSocket with a device token, finds a contact our client wrote by its automerge-repo id,
//! reads and edits it, receives our client's next edit, creates a record of its own, and is told
//! another workspace's document is unavailable.
//!
//! samod is used with its `tokio` feature only (its `tungstenite` feature pulls native-tls and
//! a second tungstenite), so the WebSocket glue below is written over our tokio-tungstenite.
//! The samod side touches documents with plain automerge calls, never our record model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use futures_util::future::BoxFuture;
use futures_util::{SinkExt, StreamExt, TryStreamExt};
use omnicrm_sync::{Contact, DocumentId, Note, RecordDocument};
use omnicrm_sync_server::database::pool;
use omnicrm_sync_server::projection;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use samod::{BackoffConfig, DialError, Dialer, DocHandle, Repo, Transport};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WebSocketError, Message as Frame};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

/// Dials the sync server with the device token in the `Authorization` header, and hands samod
/// the binary frames as its byte transport (other frames carry nothing for it).
struct SyncServerDialer {
    url: String,
    token: String,
}

impl Dialer for SyncServerDialer {
    type Error = Infallible;

    fn url(&self) -> samod::Url {
        samod::Url::parse(&self.url).expect("server URL")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let url = self.url.clone();
        let token = self.token.clone();
        Box::pin(async move {
            let mut request = url.into_client_request().map_err(DialError::transient)?;
            let bearer = format!("Bearer {token}")
                .parse()
                .map_err(DialError::transient)?;
            request.headers_mut().insert("Authorization", bearer);
            let (socket, _response) = tokio_tungstenite::connect_async(request)
                .await
                .map_err(DialError::transient)?;
            let (outgoing, incoming) = socket.split();
            let incoming = incoming.try_filter_map(|frame| async move {
                Ok(match frame {
                    Frame::Binary(bytes) => Some(bytes.to_vec()),
                    _ => None,
                })
            });
            let outgoing = outgoing.with(|bytes: Vec<u8>| async move {
                Ok::<_, WebSocketError>(Frame::Binary(bytes.into()))
            });
            Ok(Transport::new(Box::pin(incoming), Box::pin(outgoing)))
        })
    }
}

/// A string field as any automerge-repo client sees it: a scalar string or a text object.
fn string_field(document: &Automerge, key: &str) -> Option<String> {
    match document.get(ROOT, key).expect("read field")? {
        (Value::Scalar(scalar), _) => match scalar.as_ref() {
            ScalarValue::Str(text) => Some(text.to_string()),
            _ => None,
        },
        (Value::Object(ObjType::Text), id) => Some(document.text(id).expect("read text")),
        (Value::Object(_), _) => None,
    }
}

/// Waits (at most `LIMIT`) until `handle`'s document satisfies `done`.
async fn samod_sees(handle: &DocHandle, done: impl Fn(&Automerge) -> bool) {
    let mut changes = handle.changes();
    tokio::time::timeout(LIMIT, async {
        while !handle.with_document(|document| done(document)) {
            changes.next().await.expect("document still open");
        }
    })
    .await
    .expect("samod received the change in time");
}

/// Polls the server's Postgres projection (at most `LIMIT`) until a row satisfies `done`.
async fn projection_has(url: &str, workspace_id: Uuid, done: impl Fn(&str) -> bool) {
    let database = pool(url, 2).expect("pool");
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let rows = projection::snapshot(&database, workspace_id)
            .await
            .expect("snapshot");
        if rows.iter().any(|row| done(row)) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "projection never matched: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_as_an_independent_peer_reads_and_edits_what_our_client_wrote() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let other = workspace(&url, "Other").await;
    let server = TestServer::start(config(&url)).await;

    // Our client writes a contact.
    let mut ours = common::client(&server, &team.token).await;
    let contact_id = DocumentId::random();
    let written = Contact {
        company: Some("Analytical Engines".into()),
        ..Contact::named(Uuid::now_v7(), "Ada Lovelace")
    };
    ours.insert(contact_id, RecordDocument::create(&written).unwrap());
    ours.sync(QUIET, LIMIT).await.unwrap();

    // samod dials the server with the device token and finds the contact by its id.
    let repo = Repo::build_tokio().load().await;
    let dialer = repo
        .dial(
            BackoffConfig::default(),
            Arc::new(SyncServerDialer {
                url: server.sync_url(),
                token: team.token.clone(),
            }),
        )
        .unwrap();
    within("samod's handshake with the server", dialer.established())
        .await
        .expect("samod connected");
    let samod_id: samod::DocumentId = contact_id.to_string().parse().unwrap();
    let handle = within("samod finds the contact", repo.find(samod_id))
        .await
        .unwrap()
        .expect("the server has the contact");
    handle.with_document(|document| {
        assert_eq!(
            string_field(document, "display_name").as_deref(),
            Some("Ada Lovelace")
        );
        assert_eq!(
            string_field(document, "company").as_deref(),
            Some("Analytical Engines")
        );
    });

    // samod edits the company; our client and the server's projection see it.
    handle.with_document(|document| {
        document
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(ROOT, "company", "Babbage & Co")?;
                Ok(())
            })
            .unwrap();
    });
    ours.pump_until(LIMIT, |client| {
        client
            .document(&contact_id)
            .and_then(|document| RecordDocument::read::<Contact>(document).ok())
            .and_then(|contact| contact.company)
            .as_deref()
            == Some("Babbage & Co")
    })
    .await
    .expect("our client received samod's edit");
    projection_has(&url, team.id, |row| {
        row.contains("\"Ada Lovelace\"") && row.contains("\"Babbage & Co\"")
    })
    .await;

    // Reverse: our client renames the contact; samod receives the change.
    let mut renamed = RecordDocument::read::<Contact>(ours.document(&contact_id).unwrap()).unwrap();
    renamed.display_name = "Ada King".into();
    RecordDocument::update(ours.document_mut(&contact_id).unwrap(), &renamed).unwrap();
    ours.push().await.unwrap();
    samod_sees(&handle, |document| {
        string_field(document, "display_name").as_deref() == Some("Ada King")
    })
    .await;
    handle.with_document(|document| {
        assert_eq!(
            string_field(document, "company").as_deref(),
            Some("Babbage & Co"),
            "samod's own edit survived the merge"
        );
    });

    // samod creates a note with plain automerge calls; our client requests and reads it.
    let mut note = Automerge::new();
    note.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "schema_version", 1_u64)?;
        tx.put(ROOT, "kind", "note")?;
        tx.put(ROOT, "id", Uuid::now_v7().to_string())?;
        tx.put(ROOT, "deleted_at", ScalarValue::Null)?;
        tx.put(ROOT, "body", "written by samod")?;
        tx.put(ROOT, "contact_id", written.id.to_string())?;
        Ok(())
    })
    .unwrap();
    let created = within("samod creates a note", repo.create(note))
        .await
        .unwrap();
    let connection = dialer.connection_id().expect("samod is connected");
    within(
        "the server has samod's note",
        created.they_have_our_changes(connection),
    )
    .await;
    let created_id: DocumentId = created.document_id().to_string().parse().unwrap();
    ours.request(created_id).await.unwrap();
    ours.pump_until(LIMIT, |client| {
        client
            .document(&created_id)
            .is_some_and(|document| RecordDocument::read::<Note>(document).is_ok())
    })
    .await
    .expect("our client received samod's note");
    let from_samod = RecordDocument::read::<Note>(ours.document(&created_id).unwrap()).unwrap();
    assert_eq!(from_samod.body, "written by samod");
    assert_eq!(from_samod.contact_id, Some(written.id));

    // Another workspace's document is unavailable to samod, as to any client of this token.
    let foreign: samod::DocumentId = other.root_document_id.to_string().parse().unwrap();
    let found = within(
        "samod is told the foreign document is unavailable",
        repo.find(foreign),
    )
    .await
    .unwrap();
    assert!(found.is_none(), "samod read another workspace's document");

    assert!(ours.errors().is_empty(), "{:?}", ours.errors());
    dialer.close();
    within("samod stops", repo.stop()).await;
    server.stop().await;
}

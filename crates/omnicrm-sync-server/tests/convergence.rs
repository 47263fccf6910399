//! Rust clients editing the same and different records, live and offline, converge through
//! the server; the projection matches the merged documents and equals a rebuild.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use omnicrm_sync::client::{SyncClient, TokenPlacement};
use omnicrm_sync::{Contact, DocumentId, Identity, Note, RecordDocument};
use omnicrm_sync_server::database::pool;
use omnicrm_sync_server::projection;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

fn contact(name: &str) -> Contact {
    Contact {
        identities: vec![Identity {
            kind: "email".into(),
            value: format!("{}@example.com", name.to_lowercase()),
            provider: None,
        }],
        tags: vec!["client".into()],
        ..Contact::named(Uuid::now_v7(), name)
    }
}

/// Pumps `client` until its copy of `id` has `heads`.
async fn wait_for_heads(
    client: &mut SyncClient,
    id: DocumentId,
    heads: Vec<automerge::ChangeHash>,
) {
    client
        .pump_until(LIMIT, |client| {
            client.document(&id).map(|doc| doc.get_heads()) == Some(heads.clone())
        })
        .await
        .expect("document converged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_to_same_and_different_records_converge_live() {
    let url = fresh_database().await;
    let team = workspace(&url, "Practice").await;
    let server = TestServer::start(config(&url)).await;
    let mut alice = common::client(&server, &team.token).await;
    let mut bob = common::client(&server, &team.token).await;

    let shared_id = DocumentId::random();
    let original = contact("Ada");
    alice.insert(shared_id, RecordDocument::create(&original).unwrap());
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(shared_id).await.unwrap();
    wait_for_heads(
        &mut bob,
        shared_id,
        alice.document(&shared_id).unwrap().get_heads(),
    )
    .await;

    // Concurrent edits: Alice renames, Bob adds a tag; each also creates a record of their own.
    let mut renamed = original.clone();
    renamed.display_name = "Ada King".into();
    RecordDocument::update(alice.document_mut(&shared_id).unwrap(), &renamed).unwrap();
    let mut tagged = original.clone();
    tagged.tags.push("vip".into());
    RecordDocument::update(bob.document_mut(&shared_id).unwrap(), &tagged).unwrap();
    let alice_note = DocumentId::random();
    let note = Note {
        id: Uuid::now_v7(),
        body: "from Alice".into(),
        body_html: None,
        source_type: None,
        contact_id: Some(original.id),
        private: false,
    };
    alice.insert(alice_note, RecordDocument::create(&note).unwrap());
    let bob_contact = DocumentId::random();
    bob.insert(
        bob_contact,
        RecordDocument::create(&contact("Grace")).unwrap(),
    );

    alice.push().await.unwrap();
    bob.push().await.unwrap();
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(alice_note).await.unwrap();
    alice.request(bob_contact).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();
    alice.sync(QUIET, LIMIT).await.unwrap();

    for id in [shared_id, alice_note, bob_contact] {
        assert_eq!(
            alice.document(&id).unwrap().get_heads(),
            bob.document(&id).unwrap().get_heads(),
            "document {id} diverged"
        );
    }
    let merged = RecordDocument::read::<Contact>(alice.document(&shared_id).unwrap()).unwrap();
    assert_eq!(merged.display_name, "Ada King");
    assert_eq!(merged.tags, vec!["client", "vip"]);

    // The projection holds the merged contact, and a rebuild from the documents equals it.
    let database = pool(&url, 2).unwrap();
    let live = projection::snapshot(&database, team.id).await.unwrap();
    assert!(
        live.iter()
            .any(|row| row.contains("\"Ada King\"") && row.contains("\"vip\"")),
        "{live:#?}"
    );
    assert!(
        live.iter().any(|row| row.contains("\"Grace\"")),
        "{live:#?}"
    );
    assert!(
        live.iter().any(|row| row.contains("from Alice")),
        "{live:#?}"
    );
    let documents = projection::rebuild(&database, team.id).await.unwrap();
    assert_eq!(documents, 4, "root + three records");
    assert_eq!(
        projection::snapshot(&database, team.id).await.unwrap(),
        live
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_converge_when_the_client_comes_back() {
    let url = fresh_database().await;
    let team = workspace(&url, "Practice").await;
    let server = TestServer::start(config(&url)).await;
    let mut alice = common::client(&server, &team.token).await;
    let mut bob = common::client(&server, &team.token).await;
    let id = DocumentId::random();
    let note = Note {
        id: Uuid::now_v7(),
        body: "Session notes.".into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    alice.insert(id, RecordDocument::create(&note).unwrap());
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(id).await.unwrap();
    wait_for_heads(&mut bob, id, alice.document(&id).unwrap().get_heads()).await;

    bob.disconnect();
    let mut from_bob = note.clone();
    from_bob.body = "Offline: Session notes.".into();
    RecordDocument::update(bob.document_mut(&id).unwrap(), &from_bob).unwrap();
    let mut from_alice = note.clone();
    from_alice.body = "Session notes. Follow up Friday.".into();
    RecordDocument::update(alice.document_mut(&id).unwrap(), &from_alice).unwrap();
    alice.sync(QUIET, LIMIT).await.unwrap();

    bob.connect(&server.sync_url(), &team.token, TokenPlacement::Query)
        .await
        .unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();
    alice.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        alice.document(&id).unwrap().get_heads(),
        bob.document(&id).unwrap().get_heads()
    );
    let merged = RecordDocument::read::<Note>(bob.document(&id).unwrap()).unwrap();
    assert_eq!(merged.body, "Offline: Session notes. Follow up Friday.");
    server.stop().await;
}

//! A client syncs documents it holds unloaded (known by the heads the server holds, as a
//! device stores them): over a new connection, the documents in step are never read, and one
//! another device changed meanwhile is read once and takes the change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::Automerge;
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(400);
const LIMIT: Duration = Duration::from_secs(30);

fn note(body: &str) -> Note {
    Note {
        id: Uuid::now_v7(),
        body: body.to_owned(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connection_in_step_reads_no_document_and_reads_only_the_one_changed_meanwhile() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;

    // A device's stored documents, all sent to the server.
    let mut first = common::client(&server, &team.token).await;
    let mut stored: HashMap<DocumentId, Automerge> = HashMap::new();
    let mut notes = Vec::new();
    for index in 0..10 {
        let note = note(&format!("note {index}"));
        let id = DocumentId::random();
        let document = RecordDocument::create(&note).unwrap();
        first.insert(id, document.clone());
        stored.insert(id, document);
        notes.push((id, note));
    }
    let ids: Vec<DocumentId> = stored.keys().copied().collect();
    assert_eq!(
        first
            .sync_documents(ids.clone(), QUIET, LIMIT)
            .await
            .unwrap(),
        0
    );
    first.disconnect();

    // Meanwhile another device edits one of them.
    let (changed_id, changed_note) = notes[3].clone();
    let mut other = common::client(&server, &team.token).await;
    other.request(changed_id).await.unwrap();
    other
        .pump_until(LIMIT, |client| client.awaiting() == 0)
        .await
        .unwrap();
    let edited = Note {
        body: "edited on the other device".into(),
        ..changed_note
    };
    RecordDocument::update(other.document_mut(&changed_id).unwrap(), &edited).unwrap();
    assert_eq!(
        other
            .sync_documents(vec![changed_id], QUIET, LIMIT)
            .await
            .unwrap(),
        0
    );

    // The device comes back over a new connection, holding its documents unloaded.
    let reads = Arc::new(Mutex::new(Vec::new()));
    let mut again = common::client(&server, &team.token).await;
    let store = stored.clone();
    let log = reads.clone();
    again.set_loader(Box::new(move |id| {
        log.lock().unwrap().push(*id);
        store.get(id).cloned()
    }));
    for (id, document) in &stored {
        again.add_unloaded(*id, document.get_heads());
    }
    let unsettled = again
        .sync_documents(ids.clone(), QUIET, LIMIT)
        .await
        .unwrap();
    assert_eq!(unsettled, 0, "every document is in step");
    assert_eq!(
        *reads.lock().unwrap(),
        vec![changed_id],
        "only the document changed meanwhile was read"
    );
    let taken = RecordDocument::read::<Note>(again.document(&changed_id).unwrap()).unwrap();
    assert_eq!(taken.body, "edited on the other device");
    for id in ids.iter().filter(|id| **id != changed_id) {
        assert!(again.is_unloaded(id), "{id} stayed unloaded");
        assert!(again.is_in_step(id));
    }

    // The server pushes a later change of an unloaded document over this connection.
    again.take_received();
    let (pushed_id, pushed_note) = notes[7].clone();
    other.request(pushed_id).await.unwrap();
    other
        .pump_until(LIMIT, |client| client.awaiting() == 0)
        .await
        .unwrap();
    let pushed = Note {
        body: "pushed later".into(),
        ..pushed_note
    };
    RecordDocument::update(other.document_mut(&pushed_id).unwrap(), &pushed).unwrap();
    other
        .sync_documents(vec![pushed_id], QUIET, LIMIT)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    assert!(again.wait_for_changes(deadline).await.unwrap());
    let heard = RecordDocument::read::<Note>(again.document(&pushed_id).unwrap()).unwrap();
    assert_eq!(heard.body, "pushed later");
    server.stop().await;
}

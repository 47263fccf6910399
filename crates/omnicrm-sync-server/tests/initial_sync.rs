//! A new client's initial sync: the records a workspace root lists are loaded in batches when
//! the client first syncs the root, before it asks for them one by one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use omnicrm_sync::schema::RecordKind;
use omnicrm_sync::{DocumentId, Note, RecordDocument, RootEntry, WorkspaceRoot};
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(30);
const RECORDS: usize = 150;

async fn documents_loaded(server: &TestServer) -> usize {
    let metrics = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("omnicrm_sync_documents_loaded "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncing_the_root_preloads_its_records_and_a_new_client_gets_them_all() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let root = team.root_document_id;

    // A writer fills the workspace through one server.
    let first = TestServer::start(config(&url)).await;
    let mut writer = common::client(&first, &team.token).await;
    writer.request(root).await.unwrap();
    writer.sync(QUIET, LIMIT).await.unwrap();
    let mut written = Vec::new();
    for index in 0..RECORDS {
        let note = Note {
            id: Uuid::now_v7(),
            body: format!("note {index}"),
            body_html: None,
            source_type: None,
            contact_id: None,
            private: false,
        };
        let id = DocumentId::random();
        writer.insert(id, RecordDocument::create(&note).unwrap());
        WorkspaceRoot::add(
            writer.document_mut(&root).unwrap(),
            &RootEntry {
                record_id: note.id,
                kind: RecordKind::Note,
                document_id: id,
            },
        )
        .unwrap();
        written.push((id, note.body));
    }
    writer.sync(QUIET, LIMIT).await.unwrap();
    assert!(writer.errors().is_empty(), "{:?}", writer.errors());
    first.stop().await;

    // A fresh server (nothing in memory) and a new client.
    let second = TestServer::start(config(&url)).await;
    assert_eq!(documents_loaded(&second).await, 0);
    let mut reader = common::client(&second, &team.token).await;
    reader.request(root).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        WorkspaceRoot::entries(reader.document(&root).unwrap())
            .unwrap()
            .len(),
        RECORDS
    );
    // Before the client asked for any record, the server has them all in memory.
    let deadline = Instant::now() + Duration::from_secs(10);
    while documents_loaded(&second).await < RECORDS + 1 {
        assert!(
            Instant::now() < deadline,
            "records not preloaded: {} documents in memory",
            documents_loaded(&second).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    for (id, _) in &written {
        reader.request(*id).await.unwrap();
    }
    // Answers already come in while the requests go out (the client reads as it sends).
    assert!(reader.awaiting() <= RECORDS);
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(reader.awaiting(), 0);
    assert!(reader.errors().is_empty(), "{:?}", reader.errors());
    for (id, body) in &written {
        let document = reader
            .document(id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(&RecordDocument::read::<Note>(document).unwrap().body, body);
    }
    second.stop().await;
}

//! Compaction replaces chunks by a snapshot without losing a change, including changes that
//! arrive while it runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::database::{pool, Database};
use omnicrm_sync_server::hub::Hub;
use omnicrm_sync_server::metrics::Metrics;
use omnicrm_sync_server::storage;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use omnicrm_sync_server::Config;
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(200);
const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_keeps_every_change() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(Config {
        compact_after_chunks: 3,
        ..config(&url)
    })
    .await;
    let mut writer = common::client(&server, &team.token).await;
    let id = DocumentId::random();
    let mut note = Note {
        id: Uuid::now_v7(),
        body: String::new(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    writer.insert(id, RecordDocument::create(&note).unwrap());
    for round in 0..20 {
        note.body.push_str(&format!("{round};"));
        RecordDocument::update(writer.document_mut(&id).unwrap(), &note).unwrap();
        writer.sync(QUIET, LIMIT).await.unwrap();
    }
    // Compaction also runs concurrently with these direct calls; both must be safe.
    let database = pool(&url, 4).unwrap();
    storage::compact(&database, id).await.unwrap();
    let client = database.get().await.unwrap();
    let rows = client
        .query(
            "SELECT kind FROM document_chunks WHERE document_id = $1",
            &[&id.to_string()],
        )
        .await
        .unwrap();
    let kinds: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(
        kinds,
        vec!["snapshot"],
        "20 merges compacted into one snapshot"
    );
    let stored = storage::load(&database, id).await.unwrap().unwrap();
    assert_eq!(
        stored.document.get_heads(),
        writer.document(&id).unwrap().get_heads()
    );
    assert_eq!(
        RecordDocument::read::<Note>(&stored.document).unwrap().body,
        note.body
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_busy_document_runs_one_compaction_at_a_time_instead_of_one_per_change() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(Config {
        compact_after_chunks: 1_000,
        ..config(&url)
    })
    .await;
    let mut writer = common::client(&server, &team.token).await;
    let id = DocumentId::random();
    let mut note = Note {
        id: Uuid::now_v7(),
        body: String::new(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    writer.insert(id, RecordDocument::create(&note).unwrap());
    for round in 0..10 {
        note.body.push_str(&format!("{round};"));
        RecordDocument::update(writer.document_mut(&id).unwrap(), &note).unwrap();
        writer.sync(QUIET, LIMIT).await.unwrap();
    }
    server.stop().await;

    // Every change past the threshold asks for a compaction; while one runs, the others are
    // dropped instead of queueing behind the document's row lock.
    let config = Arc::new(config(&url));
    let hub = Arc::new(Hub::new(
        config.clone(),
        Database::connect(&config).unwrap(),
        Metrics::new().unwrap(),
    ));
    for _ in 0..5 {
        hub.compact_in_background(id);
    }
    assert!(hub.is_compacting(&id));
    assert_eq!(hub.metrics.compactions.get(), 1);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while hub.is_compacting(&id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "compaction never ended"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let client = pool(&url, 1).unwrap().get().await.unwrap();
    let kinds: Vec<String> = client
        .query(
            "SELECT kind FROM document_chunks WHERE document_id = $1",
            &[&id.to_string()],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(kinds, vec!["snapshot"]);
    // Once it ended, the next request starts a new one.
    hub.compact_in_background(id);
    assert_eq!(hub.metrics.compactions.get(), 2);
}

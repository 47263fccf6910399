//! An unmodified automerge-repo JS client (npm `@automerge/automerge-repo` with the WebSocket
//! adapter) syncs through the server: it reads and edits a document of its workspace, creates
//! one, and is told another workspace's document is unavailable.
//!
//! Needs `npm ci` in tests/js-client (scripts/setup.sh does it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automerge_repo_js_client_syncs_its_workspace_documents_only() {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js-client");
    assert!(
        directory
            .join("node_modules/@automerge/automerge-repo")
            .exists(),
        "npm packages missing in {}: run scripts/setup.sh (or npm ci there)",
        directory.display()
    );
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let other = workspace(&url, "Other").await;
    let server = TestServer::start(config(&url)).await;

    let mut rust = common::client(&server, &team.token).await;
    let shared = DocumentId::random();
    let note = Note {
        id: Uuid::now_v7(),
        body: "Written in Rust".into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    rust.insert(shared, RecordDocument::create(&note).unwrap());
    rust.sync(QUIET, LIMIT).await.unwrap();

    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg("client.mjs")
            .arg(format!("{}?token={}", server.sync_url(), team.token))
            .arg(shared.to_string())
            .arg(other.root_document_id.to_string())
            .current_dir(&directory)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output(),
    )
    .await
    .expect("node finished in time")
    .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON report");
    assert_eq!(report["body_before"], "Written in Rust");
    assert_eq!(report["foreign"], "unavailable");

    // The JS edit reached the server: the Rust client receives it.
    rust.sync(QUIET, LIMIT).await.unwrap();
    let merged = RecordDocument::read::<Note>(rust.document(&shared).unwrap()).unwrap();
    assert_eq!(merged.body, "Written in Rust (edited in JS)");

    // The document the JS client created belongs to the workspace and reads as a note.
    let created: DocumentId = report["created"].as_str().unwrap().parse().unwrap();
    rust.request(created).await.unwrap();
    rust.sync(QUIET, LIMIT).await.unwrap();
    let from_js = RecordDocument::read::<Note>(rust.document(&created).unwrap()).unwrap();
    assert_eq!(from_js.body, "written by automerge-repo");
    server.stop().await;
}

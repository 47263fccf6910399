//! An unmodified automerge-repo JS client (npm `@automerge/automerge-repo` with the WebSocket
//! adapter, in `omnicrm-sync-server/tests/js-client`) reads the workspace the app wrote: every
//! record the root lists, with the app's field names, and never the private note. Its edit
//! and its delete reach both devices.
//!
//! Needs `npm ci` there (scripts/setup.sh does it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{device, person};
use omnicrm_core::contacts::ContactInput;
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::TaskInput;
use omnicrm_core::ErrorCode;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_automerge_repo_client_reads_what_the_app_wrote_but_no_private_note_and_its_edits_reach_the_app(
) {
    let js_client =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../omnicrm-sync-server/tests/js-client");
    assert!(
        js_client
            .join("node_modules/@automerge/automerge-repo")
            .exists(),
        "npm packages missing in {}: run scripts/setup.sh (or npm ci there)",
        js_client.display()
    );
    let url = fresh_database().await;
    let team = workspace(&url, "Harbour Practice").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");

    let a = device();
    let ada = a
        .core
        .contacts
        .create(ContactInput {
            organization: Some("Analytical Engines".to_owned()),
            ..person("Ada Lovelace", "ada@example.com")
        })
        .unwrap();
    a.core
        .notes
        .create(&ada.id, NoteInput::plain("Prefers morning sessions."))
        .unwrap();
    let private_text = "Private: panic disorder, discussed in session 3.";
    a.core
        .notes
        .create(
            &ada.id,
            NoteInput {
                is_private: true,
                ..NoteInput::plain(private_text)
            },
        )
        .unwrap();
    let task = a
        .core
        .tasks
        .create(TaskInput {
            title: "Send Ada the intake form".to_owned(),
            contact_ids: vec![ada.id.clone()],
            ..TaskInput::default()
        })
        .unwrap();
    a.sync.connect(&address, &team.token).await.unwrap();
    a.sync.sync_now().await.unwrap();
    let b = device();
    b.sync.connect(&address, &team.token).await.unwrap();
    b.sync.sync_now().await.unwrap();

    let output = tokio::time::timeout(
        Duration::from_secs(90),
        tokio::process::Command::new("node")
            .arg("app_documents.mjs")
            .arg(format!("{}?token={}", server.sync_url(), team.token))
            .arg(team.root_document_id.to_string())
            .arg(&ada.id)
            .arg(&task.id)
            .current_dir(&js_client)
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
    let report: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON report");
    let documents = report["documents"].as_array().unwrap();

    // Every record the app shared, readable with the app's field names; the private note is
    // in none of them.
    let of_kind = |kind: &str| -> Vec<&Value> {
        documents
            .iter()
            .filter(|document| document["kind"] == kind)
            .collect()
    };
    assert_eq!(documents.len(), 3, "{documents:#?}");
    let contact = of_kind("contact")[0];
    assert_eq!(contact["root_kind"], "contact");
    assert_eq!(contact["id"], ada.id.as_str());
    assert_eq!(contact["display_name"], "Ada Lovelace");
    assert_eq!(contact["company"], "Analytical Engines");
    assert_eq!(contact["deleted_at"], Value::Null);
    let note = of_kind("note")[0];
    assert_eq!(note["body"], "Prefers morning sessions.");
    assert_eq!(note["contact_id"], ada.id.as_str());
    assert_eq!(of_kind("task")[0]["title"], "Send Ada the intake form");
    assert!(
        !stdout.contains("panic disorder"),
        "the private note reached a document: {stdout}"
    );

    // The JS client's edit and delete reach both devices.
    for device in [&a, &b] {
        device.sync.sync_now().await.unwrap();
        assert_eq!(
            device
                .core
                .contacts
                .get(&ada.id)
                .unwrap()
                .organization
                .as_deref(),
            Some("Edited in JS")
        );
        assert_eq!(
            device.core.tasks.get(&task.id).unwrap_err().code,
            ErrorCode::NotFound,
            "the task deleted in JS is deleted here"
        );
    }
    let kept = a.core.notes.list_for_contact(&ada.id).unwrap();
    assert!(kept.iter().any(|note| note.body == private_text));
    server.stop().await;
}

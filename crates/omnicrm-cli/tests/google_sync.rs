//! `omnicrm google preview|sync|undo` against the fake Gmail and Calendar on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use omnicrm_google_fake_server::{EventSpec, FakeConfig, FakeGoogleServer, MessageSpec};
use serde_json::Value;

const TOKEN: &str = "cli-token";
const OWNER: &str = "me@practice.example";

fn omnicrm(data_dir: &std::path::Path, server: &FakeGoogleServer) -> Command {
    let mut command = Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--json")
        .env_remove("OMNICRM_DATA_DIR")
        .env("OMNICRM_GOOGLE_ACCESS_TOKEN", TOKEN)
        .env("OMNICRM_GOOGLE_GMAIL_API_BASE", server.gmail_api_base())
        .env(
            "OMNICRM_GOOGLE_CALENDAR_API_BASE",
            server.calendar_api_base(),
        );
    command
}

fn run(command: &mut Command) -> Value {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_sync_and_undo_from_the_command_line() {
    let server = FakeGoogleServer::start(FakeConfig::new(TOKEN, OWNER))
        .await
        .unwrap();
    server.control().add_message(&MessageSpec::received(
        "Bob <bob@example.com>",
        OWNER,
        "Hello",
        "Hi",
    ));
    server.control().add_message(&MessageSpec::sent(
        OWNER,
        "ada@example.com",
        "Booking",
        "Tuesday",
    ));
    server
        .control()
        .add_event(&EventSpec::meeting("Intake", 1, &["ada@example.com"]));
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();

    let preview = run(omnicrm(data, &server).args(["google", "preview", "--account-email", OWNER]));
    assert_eq!(preview["gmail"]["estimated_messages"], 1);
    assert_eq!(preview["calendar"]["events"], 1);

    let synced = run(omnicrm(data, &server).args(["google", "sync", "--account-email", OWNER]));
    assert_eq!(synced["batch"]["status"], "completed");
    assert_eq!(
        synced["raw_events"]["unlinked"], 3,
        "no one is a contact yet"
    );
    let batch_id = synced["batch"]["id"].as_str().unwrap().to_owned();

    let suggestions = run(omnicrm(data, &server).args(["google", "suggestions", "list"]));
    let ada = suggestions
        .as_array()
        .unwrap()
        .iter()
        .find(|suggestion| suggestion["email"] == "ada@example.com")
        .expect("ada is suggested");
    let approved = run(omnicrm(data, &server).args([
        "google",
        "suggestions",
        "approve",
        ada["id"].as_str().unwrap(),
        "--name",
        "Ada Lovelace",
    ]));
    assert_eq!(approved["linked_interactions"], 2);

    let undone = run(omnicrm(data, &server).args(["google", "undo", &batch_id]));
    assert_eq!(undone["interactions_removed"], 2);
    assert_eq!(undone["raw_events_removed"], 3);
    let contacts = run(omnicrm(data, &server).args(["contacts", "list"]));
    assert_eq!(contacts["total"], 0);

    let output = omnicrm(data, &server)
        .env_remove("OMNICRM_GOOGLE_ACCESS_TOKEN")
        .args(["google", "sync", "--account-email", OWNER])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "auth_required");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("omnicrm google connect"),
        "without a token the account must have been connected: {error}"
    );
    server.stop().await;
}

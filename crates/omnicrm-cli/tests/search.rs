//! `omnicrm search` and `omnicrm models fetch` against a real data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/command.rs"]
#[allow(dead_code)]
mod command;

use assert_cmd::Command;
use command::json_output;
use serde_json::Value;

fn omnicrm(data_dir: &std::path::Path, models_dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OMNICRM_DATA_DIR")
        .env("OMNICRM_MODELS_DIR", models_dir);
    command
}

#[test]
fn search_without_the_model_finds_a_note_by_keyword_and_says_why() {
    let data = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let added = json_output(
        omnicrm(data.path(), models.path()).args(["contacts", "add", "--name", "Ann Lee"]),
    );
    let contact_id = added["id"].as_str().unwrap().to_owned();
    let note = json_output(omnicrm(data.path(), models.path()).args([
        "notes",
        "add",
        &contact_id,
        "Prefers hot stone massage in the evening",
    ]));

    let found = json_output(omnicrm(data.path(), models.path()).args(["search", "stone massage"]));
    assert_eq!(found["mode_requested"], "hybrid");
    assert_eq!(found["mode_used"], "keyword");
    assert_eq!(found["notice"]["reason"], "model_missing");
    let group = &found["groups"][0];
    assert_eq!(group["kind"], "note");
    assert_eq!(group["hits"][0]["item_id"], note["id"]);
    assert_eq!(group["hits"][0]["contact_id"], contact_id.as_str());

    let text = omnicrm(data.path(), models.path())
        .args(["search", "massage", "--mode", "keyword"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(printed.contains("«massage»"), "{printed}");

    let wrong = omnicrm(data.path(), models.path())
        .args(["search", "x", "--mode", "fuzzy", "--json"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    let error: Value = serde_json::from_slice(&wrong.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
}

#[test]
fn models_fetch_from_a_directory_rejects_files_that_do_not_match() {
    let data = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let source = tempfile::tempdir().unwrap();
    for name in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::write(source.path().join(name), b"not the model").unwrap();
    }
    let output = omnicrm(data.path(), models.path())
        .args(["models", "fetch", "--from"])
        .arg(source.path())
        .arg("--json")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert!(
        std::fs::read_dir(models.path()).unwrap().next().is_none(),
        "nothing installed"
    );
}

//! Encryption at rest, used from the CLI as a practitioner would: nothing under the data folder
//! (database, WAL, backups, staged imports, logs) holds a client's name, email or note; an
//! earlier plain folder is encrypted on first open; a folder or backup taken to another computer
//! opens only with its recovery key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/command.rs"]
mod command;
#[path = "support/database.rs"]
mod database;

use std::path::{Path, PathBuf};

use command::{json_output, omnicrm};
use serde_json::Value;

const CLIENT_NAME: &str = "Zephyrine Quillfeather";
const CLIENT_EMAIL: &str = "zephyrine.quillfeather@example.test";
const NOTE_TEXT: &str = "Talked through the panic attacks on the ferry";
const IMPORTED_NAME: &str = "Bartholomew Inkwhistle";
const NEEDLES: [&str; 5] = [
    CLIENT_NAME,
    CLIENT_EMAIL,
    NOTE_TEXT,
    IMPORTED_NAME,
    "Quillfeather",
];

/// `omnicrm` on `data_dir` as on a computer whose keys are kept in `key_dir`.
fn on_computer(data_dir: &Path, key_dir: &Path) -> assert_cmd::Command {
    let mut command = omnicrm(data_dir);
    command.env("OMNICRM_KEY_DIR", key_dir);
    command
}

fn add_client(data_dir: &Path, key_dir: &Path) -> String {
    let added = json_output(on_computer(data_dir, key_dir).args([
        "contacts",
        "add",
        "--name",
        CLIENT_NAME,
        "--email",
        CLIENT_EMAIL,
    ]));
    let id = added["id"].as_str().unwrap().to_owned();
    json_output(on_computer(data_dir, key_dir).args(["notes", "add", &id, NOTE_TEXT]));
    id
}

fn all_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Each file under `folder` that holds one of `needles`, and which.
fn readable_client_data(folder: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in all_files(folder) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        for needle in needles {
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push(format!("{} holds {needle:?}", path.display()));
            }
        }
    }
    found
}

fn error_code(command: &mut assert_cmd::Command) -> String {
    let output = command.arg("--json").output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    error["code"].as_str().unwrap().to_owned()
}

#[test]
fn a_data_folder_the_cli_made_holds_no_readable_client_data_in_any_file() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    add_client(data.path(), keys.path());
    json_output(on_computer(data.path(), keys.path()).args(["backup", "create"]));
    json_output(on_computer(data.path(), keys.path()).args(["search", "Quillfeather"]));
    // An import the app queued waits as a staged copy in the data folder.
    let staged = {
        // This test process opens the folder as the app would, with the same keys.
        std::env::set_var("OMNICRM_KEY_DIR", keys.path());
        let core = database::open_core(data.path());
        let queue = omnicrm_jobs::JobQueue::new(core.database.clone());
        let vcard = format!("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{IMPORTED_NAME}\r\nEND:VCARD\r\n");
        omnicrm_app::job_handlers::stage_import(
            &core,
            &queue,
            vcard.as_bytes(),
            omnicrm_core::imports::ImportOptions::default(),
        )
        .unwrap()
    };
    assert!(!all_files(&omnicrm_app::job_handlers::staging_dir(data.path())).is_empty());
    assert_eq!(
        readable_client_data(data.path(), &NEEDLES),
        Vec::<String>::new()
    );
    // The key is not in the data folder either.
    let key_files = all_files(keys.path());
    assert_eq!(key_files.len(), 1, "{key_files:?}");
    let key_hex = std::fs::read_to_string(&key_files[0]).unwrap();
    assert_eq!(
        readable_client_data(data.path(), &[key_hex.trim()]),
        Vec::<String>::new()
    );

    // The staged import still applies, and the client is there.
    let summary = json_output(on_computer(data.path(), keys.path()).args([
        "jobs",
        "run",
        "--until-idle",
        "--timeout",
        "120",
    ]));
    assert_eq!(summary["dead"], 0, "{summary}");
    let imports = json_output(on_computer(data.path(), keys.path()).args(["imports", "list"]));
    assert!(imports.to_string().contains(&staged.id), "{imports}");
    let found = json_output(on_computer(data.path(), keys.path()).args([
        "contacts",
        "search",
        "Inkwhistle",
    ]));
    // The daily backup the job run made is encrypted too.
    let backups = json_output(on_computer(data.path(), keys.path()).args(["backup", "list"]));
    assert!(backups.as_array().unwrap().len() >= 2, "{backups}");
    assert!(found.to_string().contains(IMPORTED_NAME), "{found}");
    assert_eq!(
        readable_client_data(data.path(), &NEEDLES),
        Vec::<String>::new()
    );
}

#[test]
fn a_plain_folder_from_an_earlier_version_is_encrypted_on_first_open_with_its_backups() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let mut plain = on_computer(data.path(), keys.path());
    plain.env("OMNICRM_ENCRYPTION", "off");
    plain.args([
        "contacts",
        "add",
        "--name",
        CLIENT_NAME,
        "--email",
        CLIENT_EMAIL,
    ]);
    json_output(&mut plain);
    let mut backup = on_computer(data.path(), keys.path());
    backup
        .env("OMNICRM_ENCRYPTION", "off")
        .args(["backup", "create"]);
    json_output(&mut backup);
    // The search can fail: the plain folder shows the client in its files.
    assert!(!readable_client_data(data.path(), &NEEDLES).is_empty());

    let status = json_output(on_computer(data.path(), keys.path()).args(["encryption", "status"]));
    assert_eq!(status["encrypted"], true, "{status}");
    assert_eq!(status["plain_backups"], 0, "{status}");
    assert_eq!(status["key_location"]["kind"], "key_file", "{status}");
    let listed = json_output(on_computer(data.path(), keys.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 1, "{listed}");
    let backups = json_output(on_computer(data.path(), keys.path()).args(["backup", "list"]));
    assert_eq!(backups[0]["contact_count"], 1, "{backups}");
    assert_eq!(
        readable_client_data(data.path(), &NEEDLES),
        Vec::<String>::new()
    );
    let doctor = json_output(on_computer(data.path(), keys.path()).args(["doctor"]));
    assert_eq!(doctor["encryption"], "encrypted", "{doctor}");
    assert_eq!(doctor["healthy"], true, "{doctor}");
}

#[test]
fn a_folder_copied_to_another_computer_opens_only_with_its_recovery_key() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    add_client(data.path(), keys.path());
    let recovery_file = keys.path().join("recovery.txt");
    json_output(on_computer(data.path(), keys.path()).args([
        "encryption",
        "export-recovery-key",
        "--output",
        recovery_file.to_str().unwrap(),
    ]));

    // The other computer has the folder (copied) and none of this one's keys.
    let other_keys = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    for file in ["omnicrm.sqlite3", "omnicrm.sqlite3-wal", "folder-id"] {
        if data.path().join(file).exists() {
            std::fs::copy(data.path().join(file), copy.path().join(file)).unwrap();
        }
    }
    assert_eq!(
        error_code(on_computer(copy.path(), other_keys.path()).args(["contacts", "list"])),
        "encryption_key_missing"
    );
    let doctor = on_computer(copy.path(), other_keys.path())
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(doctor.status.code(), Some(1));

    // Another folder's recovery key is refused and keeps nothing.
    let stranger = tempfile::tempdir().unwrap();
    add_client(stranger.path(), keys.path());
    let wrong_file = keys.path().join("wrong.txt");
    json_output(on_computer(stranger.path(), keys.path()).args([
        "encryption",
        "export-recovery-key",
        "--output",
        wrong_file.to_str().unwrap(),
    ]));
    assert_eq!(
        error_code(on_computer(copy.path(), other_keys.path()).args([
            "encryption",
            "recover",
            "--recovery-key-file",
            wrong_file.to_str().unwrap(),
        ])),
        "encryption_key_wrong"
    );
    assert!(all_files(other_keys.path()).is_empty());

    json_output(on_computer(copy.path(), other_keys.path()).args([
        "encryption",
        "recover",
        "--recovery-key-file",
        recovery_file.to_str().unwrap(),
    ]));
    let listed =
        json_output(on_computer(copy.path(), other_keys.path()).args(["contacts", "list"]));
    assert_eq!(listed["items"][0]["display_name"], CLIENT_NAME);
}

#[test]
fn an_encrypted_backup_restores_on_another_computer_with_the_recovery_key_after_a_rotation() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    add_client(data.path(), keys.path());
    let backup = json_output(on_computer(data.path(), keys.path()).args(["backup", "create"]));
    let backup_path = data
        .path()
        .join("backups")
        .join(backup["file_name"].as_str().unwrap());
    let before = json_output(
        on_computer(data.path(), keys.path()).args(["encryption", "export-recovery-key"]),
    );
    let rotated =
        json_output(on_computer(data.path(), keys.path()).args(["encryption", "rotate-key"]));
    assert_ne!(rotated["recovery_key"], before["recovery_key"]);
    let listed = json_output(on_computer(data.path(), keys.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 1);

    let old_file = keys.path().join("old.txt");
    std::fs::write(&old_file, before["recovery_key"].as_str().unwrap()).unwrap();
    let new_file = keys.path().join("new.txt");
    std::fs::write(&new_file, rotated["recovery_key"].as_str().unwrap()).unwrap();
    let other_keys = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let fresh_data = fresh.path().join("data");
    // The backup was re-keyed with the database: the old recovery key opens nothing now.
    assert_eq!(
        error_code(on_computer(&fresh_data, other_keys.path()).args([
            "encryption",
            "recover",
            "--backup",
            backup_path.to_str().unwrap(),
            "--recovery-key-file",
            old_file.to_str().unwrap(),
        ])),
        "encryption_key_wrong"
    );
    json_output(on_computer(&fresh_data, other_keys.path()).args([
        "encryption",
        "recover",
        "--backup",
        backup_path.to_str().unwrap(),
        "--recovery-key-file",
        new_file.to_str().unwrap(),
    ]));
    let listed =
        json_output(on_computer(&fresh_data, other_keys.path()).args(["contacts", "list"]));
    assert_eq!(listed["items"][0]["display_name"], CLIENT_NAME);
    assert_eq!(
        readable_client_data(&fresh_data, &NEEDLES),
        Vec::<String>::new()
    );
}

#[test]
fn the_access_log_shows_who_opened_and_exported_a_client() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let id = add_client(data.path(), keys.path());
    json_output(on_computer(data.path(), keys.path()).args(["contacts", "show", &id]));
    // Exports are the one plain output; this one goes outside the data folder.
    let exports = tempfile::tempdir().unwrap();
    let file = exports.path().join("client.json");
    json_output(on_computer(data.path(), keys.path()).args([
        "export",
        "--format",
        "json",
        "--contact",
        &id,
        "--out",
        file.to_str().unwrap(),
    ]));
    let log =
        json_output(on_computer(data.path(), keys.path()).args(["access-log", "--contact", &id]));
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["exported", "viewed"], "{log}");
    assert_eq!(log[0]["contact_name"], CLIENT_NAME);
    // The client's own export carries who had seen their data before it.
    let exported: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(exported["access_log"][0]["action"], "viewed");
    // In the table, in plain words; the log lives in the encrypted database.
    let table = on_computer(data.path(), keys.path())
        .args(["access-log"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("opened with omnicrm contacts show"), "{text}");
    assert_eq!(
        readable_client_data(data.path(), &["opened with omnicrm contacts show"]),
        Vec::<String>::new()
    );
}

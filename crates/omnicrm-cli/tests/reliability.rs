//! Issue 20: what the command line does when its output goes nowhere, when another
//! process holds the database, and when the data folder is damaged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/database.rs"]
mod database;

use std::process::Stdio;

use assert_cmd::cargo::CommandCargoExt;

fn omnicrm(data_dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OMNICRM_DATA_DIR");
    command
}

fn succeeds(command: &mut std::process::Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn contact_count(data_dir: &std::path::Path) -> u64 {
    let listed = succeeds(omnicrm(data_dir).args(["contacts", "list", "--json"]));
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    listed["total"].as_u64().unwrap()
}

/// Runs `omnicrm ARGS` with its stdout read by nobody: the pipe's reading end is closed before
/// the command writes (`omnicrm … | head -c 0`).
fn with_closed_stdout(data_dir: &std::path::Path, arguments: &[&str]) -> std::process::Output {
    let mut child = omnicrm(data_dir)
        .args(arguments)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_list_piped_into_a_reader_that_stops_early_ends_quietly_instead_of_panicking() {
    let directory = tempfile::tempdir().unwrap();
    succeeds(omnicrm(directory.path()).args(["demo", "--contacts", "50"]));
    let output = with_closed_stdout(directory.path(), &["contacts", "list", "--json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn a_write_whose_reader_has_gone_still_commits_and_exits_zero() {
    let directory = tempfile::tempdir().unwrap();
    let output = with_closed_stdout(
        directory.path(),
        &["contacts", "add", "--name", "Ada Piped", "--json"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(contact_count(directory.path()), 1);
}

#[test]
fn output_to_a_full_disk_is_an_error_with_an_honest_exit_status() {
    let directory = tempfile::tempdir().unwrap();
    succeeds(omnicrm(directory.path()).args(["contacts", "add", "--name", "Ada Full"]));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = omnicrm(directory.path())
        .args(["contacts", "list"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not write the output") && stderr.contains("No space left"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_export_to_a_device_writes_to_it_and_never_replaces_it_with_a_file() {
    use std::os::unix::fs::FileTypeExt;
    let directory = tempfile::tempdir().unwrap();
    succeeds(omnicrm(directory.path()).args(["contacts", "add", "--name", "Ada Device"]));
    let output = omnicrm(directory.path())
        .args([
            "export",
            "--format",
            "json",
            "--force",
            "--out",
            "/dev/full",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());

    let written = succeeds(omnicrm(directory.path()).args([
        "export",
        "--format",
        "vcard",
        "--force",
        "--out",
        "/dev/stdout",
    ]));
    assert!(written.contains("FN:Ada Device"), "{written}");

    let folder = directory.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let output = omnicrm(directory.path())
        .args(["export", "--format", "json", "--force", "--out"])
        .arg(&folder)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is not a file"), "{stderr}");
    assert!(folder.is_dir());
}

#[test]
fn a_command_waits_for_another_process_writing_for_longer_than_five_seconds_and_says_so() {
    let directory = tempfile::tempdir().unwrap();
    succeeds(omnicrm(directory.path()).args(["contacts", "add", "--name", "Ada First"]));
    let other_process = database::open_database(directory.path());
    other_process.execute_batch("BEGIN IMMEDIATE").unwrap();
    let holder = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(6_500));
        other_process.execute_batch("COMMIT").unwrap();
    });
    let output = omnicrm(directory.path())
        .args(["contacts", "add", "--name", "Ada Second"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("another OmniCRM process is writing: waiting"),
        "{stderr}"
    );
    holder.join().unwrap();
    assert_eq!(contact_count(directory.path()), 2);
}

#[test]
fn doctor_exits_non_zero_when_the_database_is_not_a_database_or_is_damaged() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("omnicrm.sqlite3"),
        b"these are not the pages of a database, just words".repeat(200),
    )
    .unwrap();
    let output = omnicrm(directory.path())
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["healthy"], false);
    assert!(!report["problems"].as_array().unwrap().is_empty());

    let healthy = tempfile::tempdir().unwrap();
    succeeds(omnicrm(healthy.path()).args(["contacts", "add", "--name", "Ada Doctor"]));
    let report: serde_json::Value = serde_json::from_str(&succeeds(
        omnicrm(healthy.path()).args(["doctor", "--json"]),
    ))
    .unwrap();
    assert_eq!(report["healthy"], true);
    assert_eq!(report["unfinished_backups"], 0);
}

fn stored_contacts(data_dir: &std::path::Path) -> i64 {
    let connection =
        database::open_database_with_flags(data_dir, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY);
    connection
        .query_row(
            "SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap_or(0)
}

/// Issue 20: a large import is committed in chunks now; one killed after some chunks
/// committed is rolled back as a whole the next time the data folder is opened, and a rerun
/// imports exactly the file.
#[test]
fn an_import_killed_after_some_chunks_committed_is_rolled_back_when_the_folder_is_next_opened() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("people.vcf");
    let people = 40_000;
    let cards: String = (0..people)
        .map(|i| {
            format!(
                "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person Number{i}\r\nEMAIL:person{i}@example.com\r\nEND:VCARD\r\n"
            )
        })
        .collect();
    std::fs::write(&file, cards).unwrap();
    succeeds(omnicrm(directory.path()).args(["contacts", "add", "--name", "Ada Before"]));
    let mut import = omnicrm(directory.path())
        .arg("import")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while stored_contacts(directory.path()) < 2_001 {
        assert!(std::time::Instant::now() < deadline, "no chunk committed");
        assert!(
            import.try_wait().unwrap().is_none(),
            "the import ended first"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    import.kill().unwrap();
    import.wait().unwrap();
    let left = stored_contacts(directory.path());
    assert!(
        left > 1 && left < people + 1,
        "{left} contacts after the kill"
    );

    assert_eq!(contact_count(directory.path()), 1);
    let report: serde_json::Value = serde_json::from_str(&succeeds(
        omnicrm(directory.path()).args(["doctor", "--json"]),
    ))
    .unwrap();
    assert_eq!(report["integrity"][0], "ok");

    succeeds(omnicrm(directory.path()).arg("import").arg(&file));
    assert_eq!(
        contact_count(directory.path()),
        u64::try_from(people).unwrap() + 1
    );
}

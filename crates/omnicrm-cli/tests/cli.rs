//! The `omnicrm` binary against a real data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/database.rs"]
mod database;

#[path = "support/command.rs"]
mod command;

use command::{json_output, omnicrm};
use serde_json::Value;

#[test]
fn add_search_show_delete_and_undo_a_contact() {
    let directory = tempfile::tempdir().unwrap();
    let added = json_output(omnicrm(directory.path()).args([
        "contacts",
        "add",
        "--name",
        "Maya Lindqvist",
        "--email",
        "maya@example.com",
        "--phone",
        "+1 415 555 0134",
        "--stage",
        "core_client",
        "--tag",
        "yoga",
    ]));
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["phones"][0]["number"], "+14155550134");
    assert_eq!(added["lifecycle_stage"], "core_client");

    let found = json_output(omnicrm(directory.path()).args(["contacts", "search", "lindq"]));
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], id.as_str());

    let shown = json_output(omnicrm(directory.path()).args(["contacts", "show", &id]));
    assert_eq!(shown["contact"]["emails"][0]["address"], "maya@example.com");

    let deleted = json_output(omnicrm(directory.path()).args(["contacts", "delete", &id]));
    let change_id = deleted["change_id"].as_str().unwrap().to_owned();
    let listed = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 0);

    json_output(omnicrm(directory.path()).args(["undo", &change_id]));
    let listed = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 1);
}

#[test]
fn invalid_input_prints_the_error_contract_and_exits_non_zero() {
    let directory = tempfile::tempdir().unwrap();
    let output = omnicrm(directory.path())
        .args([
            "--json",
            "contacts",
            "add",
            "--name",
            "Bad Email",
            "--email",
            "nope",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "emails[0].address");

    let output = omnicrm(directory.path())
        .args([
            "contacts",
            "add",
            "--name",
            "Bad Stage",
            "--stage",
            "sleepy",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("stage: 'sleepy' is not a lifecycle stage"),
        "{stderr}"
    );
}

#[test]
fn demo_data_fills_a_list_that_filters_and_pages() {
    let directory = tempfile::tempdir().unwrap();
    let summary = json_output(omnicrm(directory.path()).args(["demo", "--contacts", "120"]));
    assert_eq!(summary["contacts"], 120);
    let page = json_output(omnicrm(directory.path()).args([
        "contacts", "list", "--limit", "10", "--offset", "5", "--sort", "updated", "--desc",
    ]));
    assert_eq!(page["total"], 120);
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    let vip =
        json_output(omnicrm(directory.path()).args(["contacts", "list", "--stage", "vip_client"]));
    for item in vip["items"].as_array().unwrap() {
        assert_eq!(item["lifecycle_stage"], "vip_client");
    }
}

#[test]
fn the_human_list_is_a_table_with_a_total() {
    let directory = tempfile::tempdir().unwrap();
    omnicrm(directory.path())
        .args(["contacts", "add", "--name", "Table Person"])
        .assert()
        .success();
    let output = omnicrm(directory.path())
        .args(["contacts", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Table Person"), "{text}");
    assert!(text.contains("1 of 1 contacts"), "{text}");
}

#[test]
fn doctor_reports_schema_integrity_and_keyring() {
    let directory = tempfile::tempdir().unwrap();
    let before = json_output(omnicrm(directory.path()).arg("doctor"));
    assert_eq!(before["database_exists"], false);
    omnicrm(directory.path())
        .args(["contacts", "add", "--name", "Doctor Check"])
        .assert()
        .success();
    let report = json_output(omnicrm(directory.path()).arg("doctor"));
    assert_eq!(report["database_exists"], true);
    assert_eq!(report["schema_version"], report["supported_schema_version"]);
    assert_eq!(report["integrity"], serde_json::json!(["ok"]));
    assert!(["available", "unavailable"].contains(&report["keyring"]["status"].as_str().unwrap()));
}

#[test]
fn a_database_from_a_newer_version_is_reported_not_touched() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("omnicrm.sqlite3");
    omnicrm(directory.path())
        .args(["contacts", "add", "--name", "Future"])
        .assert()
        .success();
    database::open_database(directory.path())
        .pragma_update(None, "user_version", 500)
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let output = omnicrm(directory.path())
        .args(["--json", "contacts", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "schema_too_new");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn jobs_can_be_listed_retried_and_canceled() {
    let directory = tempfile::tempdir().unwrap();
    // Make a dead job through the queue itself, as a worker would.
    let dead_id = {
        let core = omnicrm_core::Core::open(directory.path()).unwrap();
        let queue = omnicrm_jobs::JobQueue::new(core.database.clone());
        let mut new = omnicrm_jobs::NewJob::new("gmail_sync", serde_json::json!(null));
        new.max_attempts = 1;
        let job = queue.enqueue(new).unwrap();
        queue
            .claim("w", &[], std::time::Duration::from_secs(30))
            .unwrap();
        queue.fail(&job.id, "w", "invalid_grant").unwrap();
        queue
            .enqueue(omnicrm_jobs::NewJob::new("embed", serde_json::json!(null)))
            .unwrap();
        job.id
    };
    let dead = json_output(omnicrm(directory.path()).args(["jobs", "list", "--status", "dead"]));
    assert_eq!(dead.as_array().unwrap().len(), 1);
    assert_eq!(dead[0]["last_error"], "invalid_grant");

    let retried = json_output(omnicrm(directory.path()).args(["jobs", "retry", &dead_id]));
    assert_eq!(retried["status"], "queued");
    let canceled = json_output(omnicrm(directory.path()).args(["jobs", "cancel", &dead_id]));
    assert_eq!(canceled["status"], "canceled");

    let table = omnicrm(directory.path())
        .args(["jobs", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("embed") && text.contains("canceled"),
        "{text}"
    );

    let output = omnicrm(directory.path())
        .args(["--json", "jobs", "list", "--status", "sleeping"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["details"]["fields"][0]["field"], "status");
}

#[test]
fn jobs_run_applies_an_import_the_app_queued_and_the_recurring_jobs_until_idle() {
    let directory = tempfile::tempdir().unwrap();
    // Queued as the desktop app queues it, through the shared application layer.
    let import_job = {
        let core = omnicrm_core::Core::open(directory.path()).unwrap();
        let queue = omnicrm_jobs::JobQueue::new(core.database.clone());
        let vcards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jonas Okafor\r\nEMAIL:jonas@tidewater.example\r\nEND:VCARD\r\n";
        let options = omnicrm_core::imports::ImportOptions {
            file_name: Some("clients.vcf".into()),
            format: Some(omnicrm_core::imports::ImportFormat::Vcard),
            mapping: None,
            accept_valid_rows: false,
        };
        omnicrm_app::job_handlers::stage_import(&core, &queue, vcards.as_bytes(), options)
            .unwrap()
            .id
    };

    let summary = json_output(omnicrm(directory.path()).args([
        "jobs",
        "run",
        "--until-idle",
        "--timeout",
        "120",
    ]));
    assert_eq!(summary["idle"], true, "{summary}");
    assert_eq!(summary["dead"], 0, "{summary}");

    let jobs = json_output(omnicrm(directory.path()).args(["jobs", "list"]));
    let status_of = |kind: &str| {
        jobs.as_array()
            .unwrap()
            .iter()
            .find(|job| job["kind"] == kind)
            .map(|job| job["status"].clone())
    };
    assert_eq!(status_of("import.apply"), Some(Value::from("succeeded")));
    assert_eq!(status_of("backup.create"), Some(Value::from("succeeded")));
    assert_eq!(status_of("jobs.purge"), Some(Value::from("succeeded")));
    let listed = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 1, "the import the app queued was applied");
    let imports = json_output(omnicrm(directory.path()).args(["imports", "list"]));
    assert_eq!(
        imports[0]["id"],
        import_job.as_str(),
        "the import's id is its job's"
    );
    let backups = json_output(omnicrm(directory.path()).args(["backup", "list"]));
    assert_eq!(
        backups.as_array().map(Vec::len),
        Some(1),
        "the daily backup was made"
    );
}

#[test]
fn backups_can_be_created_listed_and_restored() {
    let directory = tempfile::tempdir().unwrap();
    let added =
        json_output(omnicrm(directory.path()).args(["contacts", "add", "--name", "Backup Person"]));
    let id = added["id"].as_str().unwrap().to_owned();

    let empty = omnicrm(directory.path())
        .args(["backup", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&empty.stdout).contains("No backups yet"));

    let created = json_output(omnicrm(directory.path()).args(["backup", "create"]));
    let file_name = created["file_name"].as_str().unwrap().to_owned();
    assert_eq!(created["reason"], "manual");
    assert_eq!(created["contact_count"], 1);
    assert!(directory.path().join("backups").join(&file_name).exists());

    let listed = json_output(omnicrm(directory.path()).args(["backup", "list"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["file_name"], file_name.as_str());
    assert!(listed[0]["size_bytes"].as_f64().unwrap() > 0.0);
    let table = omnicrm(directory.path())
        .args(["backup", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains(&file_name) && text.contains("manual"),
        "{text}"
    );

    json_output(omnicrm(directory.path()).args(["contacts", "delete", &id]));
    let restored = json_output(omnicrm(directory.path()).args(["backup", "restore", &file_name]));
    assert_eq!(restored["restored_from"], file_name.as_str());
    let previous = restored["previous_saved_as"].as_str().unwrap();
    assert!(previous.ends_with("-before_restore.sqlite3"), "{previous}");
    let contacts = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(contacts["total"], 1);
    let listed = json_output(omnicrm(directory.path()).args(["backup", "list"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);

    let output = omnicrm(directory.path())
        .args(["--json", "backup", "restore", "../omnicrm.sqlite3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "file_name");
}

#[test]
fn import_dry_run_then_import_twice_export_and_undo() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("clients.csv");
    std::fs::write(
        &file,
        "Full name;E-mail;Mobile\nAna Ruiz;ana@example.com;+34 612 345 678\n\
         Ben Cole;ben@example.com;\n",
    )
    .unwrap();
    let data = directory.path().join("data");
    let file_arg = file.to_str().unwrap();

    let preview = json_output(omnicrm(&data).args(["import", file_arg, "--dry-run"]));
    assert_eq!(preview["counts"]["create"], 2);
    let listed = json_output(omnicrm(&data).args(["contacts", "list"]));
    assert_eq!(listed["total"], 0, "a dry run writes nothing");

    let first = json_output(omnicrm(&data).args(["import", file_arg]));
    assert_eq!(first["counts"]["create"], 2);
    let second = json_output(omnicrm(&data).args(["import", file_arg]));
    assert_eq!(second["counts"]["create"], 0);
    assert_eq!(second["counts"]["skip"], 2);

    let out = directory.path().join("out.vcf");
    let exported = json_output(omnicrm(&data).args([
        "export",
        "--format",
        "vcard",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert_eq!(exported["contacts"], 2);
    let vcards = std::fs::read_to_string(&out).unwrap();
    assert!(vcards.contains("FN:Ana Ruiz"), "{vcards}");

    // An existing file is only replaced when asked to.
    let out_arg = out.to_str().unwrap();
    let refused = omnicrm(&data)
        .args(["--json", "export", "--format", "json", "--out", out_arg])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(error["details"]["fields"][0]["field"], "out");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        vcards,
        "left as it was"
    );
    json_output(omnicrm(&data).args(["export", "--format", "json", "--out", out_arg, "--force"]));
    assert!(std::fs::read_to_string(&out).unwrap().starts_with('{'));

    let import_id = first["id"].as_str().unwrap();
    json_output(omnicrm(&data).args(["imports", "undo", import_id]));
    let listed = json_output(omnicrm(&data).args(["contacts", "list"]));
    assert_eq!(listed["total"], 0);
}

#[test]
fn tasks_tags_and_notes_from_the_command_line() {
    let directory = tempfile::tempdir().unwrap();
    let contact =
        json_output(omnicrm(directory.path()).args(["contacts", "add", "--name", "Cleo Dune"]));
    let id = contact["id"].as_str().unwrap();
    let note = json_output(omnicrm(directory.path()).args([
        "notes",
        "add",
        id,
        "Call her at 415-555-0123",
    ]));
    assert_eq!(note["pii_kinds"], serde_json::json!(["phone"]));

    let tagged = json_output(omnicrm(directory.path()).args(["tags", "apply", "Reiki", id]));
    let tags = json_output(omnicrm(directory.path()).args(["tags", "list"]));
    let reiki = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|tag| tag["tag"]["name"] == "Reiki")
        .unwrap();
    assert_eq!(reiki["usage_count"], 1);
    json_output(omnicrm(directory.path()).args([
        "undo",
        "--batch",
        tagged["batch_id"].as_str().unwrap(),
    ]));

    let task = json_output(omnicrm(directory.path()).args([
        "tasks",
        "add",
        "Send intake form",
        "--contact",
        id,
    ]));
    json_output(omnicrm(directory.path()).args(["tasks", "done", task["id"].as_str().unwrap()]));
    let closed = json_output(omnicrm(directory.path()).args(["tasks", "list", "--view", "closed"]));
    assert_eq!(closed[0]["title"], "Send intake form");

    let bad = omnicrm(directory.path())
        .args(["tasks", "add", "x", "--priority", "urgent", "--json"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let error: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(error["details"]["fields"][0]["field"], "priority");
}

fn add_contact(data_dir: &std::path::Path, arguments: &[&str]) -> String {
    let added = json_output(omnicrm(data_dir).args(["contacts", "add"]).args(arguments));
    added["id"].as_str().unwrap().to_owned()
}

#[test]
fn duplicates_are_listed_as_json_and_as_a_table() {
    let directory = tempfile::tempdir().unwrap();
    let first = add_contact(
        directory.path(),
        &["--name", "Maya Lindqvist", "--email", "maya@example.com"],
    );
    let second = add_contact(
        directory.path(),
        &["--name", "Maja Lindqvist", "--email", "MAYA@example.com"],
    );
    add_contact(directory.path(), &["--name", "Noah Okafor"]);

    let listed =
        json_output(omnicrm(directory.path()).args(["duplicates", "list", "--limit", "5"]));
    let suggestions = listed.as_array().unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0]["confidence"], "exact");
    assert_eq!(
        suggestions[0]["contact_ids"],
        serde_json::json!([first, second])
    );
    assert_eq!(
        suggestions[0]["reasons"],
        serde_json::json!(["same email maya@example.com"])
    );

    let output = omnicrm(directory.path())
        .args(["duplicates", "list"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Maja Lindqvist"), "{text}");
    assert!(text.contains("1 suggestions"), "{text}");
}

#[test]
fn duplicates_merge_takes_fields_and_undoes_as_one_batch() {
    let directory = tempfile::tempdir().unwrap();
    let survivor = add_contact(
        directory.path(),
        &["--name", "Maya Lindqvist", "--email", "maya@example.com"],
    );
    let merged = add_contact(
        directory.path(),
        &[
            "--name",
            "Maja Lindqvist",
            "--email",
            "maya.work@calm.test",
            "--phone",
            "+1 415 555 0134",
            "--tag",
            "Reiki",
        ],
    );

    let outcome = json_output(omnicrm(directory.path()).args([
        "duplicates",
        "merge",
        &survivor,
        &merged,
        "--take",
        &format!("display_name={merged}"),
    ]));
    assert_eq!(outcome["survivor"]["id"], survivor.as_str());
    assert_eq!(outcome["survivor"]["display_name"], "Maja Lindqvist");
    assert_eq!(outcome["survivor"]["emails"].as_array().unwrap().len(), 2);
    assert_eq!(outcome["survivor"]["phones"][0]["number"], "+14155550134");
    assert_eq!(outcome["survivor"]["tags"], serde_json::json!(["Reiki"]));
    assert_eq!(outcome["moved"]["notes"], 0);
    let batch_id = outcome["batch_id"].as_str().unwrap().to_owned();
    let listed = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 1);

    let undone = json_output(omnicrm(directory.path()).args(["undo", "--batch", &batch_id]));
    assert_eq!(undone["undone"], 2);
    let listed = json_output(omnicrm(directory.path()).args(["contacts", "list"]));
    assert_eq!(listed["total"], 2);
    let shown = json_output(omnicrm(directory.path()).args(["contacts", "show", &survivor]));
    assert_eq!(shown["contact"]["display_name"], "Maya Lindqvist");

    // The human output names the batch and how to undo it.
    let output = omnicrm(directory.path())
        .args(["duplicates", "merge", &survivor, &merged])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("undo with: omnicrm undo --batch "), "{text}");

    // A bad --take is a field error in the error contract.
    let output = omnicrm(directory.path())
        .args([
            "--json",
            "duplicates",
            "merge",
            &survivor,
            &survivor,
            "--take",
            "shoe_size=x",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "fields");
}

/// Issue 19: the CLI had no timeline.
#[test]
fn a_contacts_timeline_lists_calls_and_notes_newest_first_a_page_at_a_time() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let added = json_output(omnicrm(data).args(["contacts", "add", "--name", "Tia Line"]));
    let id = added["id"].as_str().unwrap().to_owned();
    json_output(omnicrm(data).args([
        "interactions",
        "add",
        &id,
        "--kind",
        "call",
        "--at",
        "2026-10-01T09:00:00Z",
        "--summary",
        "First call",
    ]));
    json_output(omnicrm(data).args(["notes", "add", &id, "Prefers mornings."]));
    let first = json_output(omnicrm(data).args(["contacts", "timeline", &id, "--limit", "1"]));
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["kind"], "note");
    let next = format!(
        "{}/{}",
        first["next"]["at"].as_str().unwrap(),
        first["next"]["id"].as_str().unwrap()
    );
    let second = json_output(omnicrm(data).args([
        "contacts", "timeline", &id, "--limit", "1", "--after", &next,
    ]));
    assert_eq!(second["items"][0]["title"], "First call");
    let text = omnicrm(data)
        .args(["contacts", "timeline", &id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("First call") && text.contains("Prefers mornings."),
        "{text}"
    );
}

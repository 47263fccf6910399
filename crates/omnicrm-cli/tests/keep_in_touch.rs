//! `omnicrm today`, `contacts edit --cadence`, `interactions add`, `reminders` (issue 22).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/command.rs"]
mod command;

use command::{json_output as json, omnicrm};
use serde_json::Value;

#[test]
fn a_person_with_a_cadence_is_due_today_until_a_touch_is_logged_and_the_cadence_undoes() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let ada = json(omnicrm(data).args(["contacts", "add", "--name", "Ada Cadence"]));
    let id = ada["id"].as_str().unwrap().to_owned();
    json(omnicrm(data).args([
        "interactions",
        "add",
        &id,
        "--kind",
        "call",
        "--at",
        "2026-01-05T10:00:00Z",
    ]));
    let set = json(omnicrm(data).args(["contacts", "edit", &id, "--cadence", "2w"]));
    assert_eq!(set["keep_in_touch"]["cadence"], "2w");

    let today = json(omnicrm(data).arg("today"));
    assert_eq!(today["due"][0]["contact_id"], id.as_str());
    assert_eq!(today["due"][0]["last_contact"]["kind"], "call");

    json(omnicrm(data).args(["interactions", "add", &id, "--kind", "session"]));
    let today = json(omnicrm(data).arg("today"));
    assert_eq!(today["due"].as_array().unwrap().len(), 0);

    let bad = omnicrm(data)
        .args([
            "contacts",
            "edit",
            &id,
            "--cadence",
            "fortnightly",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "cadence");

    json(omnicrm(data).args(["undo", set["change_id"].as_str().unwrap()]));
    let shown = json(omnicrm(data).args(["keep-in-touch", "show", &id]));
    assert_eq!(shown["cadence"], Value::Null);
}

#[test]
fn a_reminder_is_added_shown_when_due_and_done() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let ada = json(omnicrm(data).args(["contacts", "add", "--name", "Ada Reminded"]));
    let id = ada["id"].as_str().unwrap().to_owned();
    let on = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let reminder = json(omnicrm(data).args([
        "reminders",
        "add",
        &id,
        "--on",
        &on,
        "--text",
        "Ask about the new job",
    ]));
    let today = json(omnicrm(data).arg("today"));
    assert_eq!(today["reminders"][0]["title"], "Ask about the new job");
    json(omnicrm(data).args(["reminders", "done", reminder["id"].as_str().unwrap()]));
    let today = json(omnicrm(data).arg("today"));
    assert_eq!(today["reminders"].as_array().unwrap().len(), 0);
}

#[test]
fn reminders_and_birthdays_export_as_an_icalendar_file() {
    let directory = tempfile::tempdir().unwrap();
    let data = directory.path();
    let ada = json(omnicrm(data).args([
        "contacts",
        "add",
        "--name",
        "Ada Calendar",
        "--birthday",
        "--05-14",
    ]));
    let id = ada["id"].as_str().unwrap().to_owned();
    json(omnicrm(data).args([
        "reminders",
        "add",
        &id,
        "--on",
        "2027-03-01",
        "--text",
        "Review the plan",
    ]));
    let out = data.join("reminders.ics");
    let summary = json(
        omnicrm(data)
            .args(["export", "--format", "ics", "--out"])
            .arg(&out),
    );
    assert_eq!(summary["contacts"], 2);
    let text = std::fs::read_to_string(&out).unwrap();
    let calendar: icalendar::Calendar = text.parse().unwrap();
    assert_eq!(calendar.components.len(), 2, "{text}");
    assert!(text.contains("SUMMARY:Ada Calendar's birthday"), "{text}");
    assert!(text.contains("DTSTART;VALUE=DATE:20000514"), "{text}");
}

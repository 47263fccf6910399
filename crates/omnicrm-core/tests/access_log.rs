//! The access log: every disclosure of a client's data is recorded, newest first; the log is
//! append-only, keeps entries for the chosen retention, is part of the client's own export, and
//! goes with "delete all data".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{open_core, person};
use omnicrm_core::access_log::{AccessAction, Disclosure};
use omnicrm_core::export::{ExportFormat, DELETE_ALL_CONFIRMATION};

#[test]
fn viewing_and_exporting_a_client_are_recorded_and_in_their_own_export() {
    let (directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Logged")).unwrap();
    let bo = core.contacts.create(person("Bo Other")).unwrap();
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    // A page reloading the record after an edit is the same viewing.
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    core.access_log
        .record_view(&bo.id, "opened in the app")
        .unwrap();
    core.access_log
        .record(Disclosure::of_contact(
            &ada.id,
            AccessAction::SentToAi,
            "to OpenRouter (model-x): name, notes",
        ))
        .unwrap();
    let file = directory.path().join("ada.json");
    core.export
        .write(ExportFormat::Json, &file, Some(&ada.id))
        .unwrap();

    let of_ada = core.access_log.list(Some(&ada.id), 100).unwrap();
    let actions: Vec<AccessAction> = of_ada.iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        vec![
            AccessAction::Exported,
            AccessAction::SentToAi,
            AccessAction::Viewed
        ]
    );
    assert_eq!(of_ada[0].contact_name.as_deref(), Some("Ada Logged"));
    assert!(
        of_ada[0]
            .detail
            .contains("this client exported as OmniCRM JSON to ada.json"),
        "{}",
        of_ada[0].detail
    );
    assert!(!of_ada[0].device.is_empty());
    assert_eq!(core.access_log.list(None, 100).unwrap().len(), 4);

    // The client's own export answers "who has seen my data" (it was written before its own
    // entry, so it holds the two before it).
    let exported: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let logged = exported["access_log"].as_array().unwrap();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(logged[0]["action"], "sent_to_ai");
    assert!(logged
        .iter()
        .all(|entry| entry["contact_id"] == ada.id.as_str()));

    // A whole export is one entry about several clients.
    core.export
        .write(ExportFormat::Vcard, &directory.path().join("all.vcf"), None)
        .unwrap();
    let newest = &core.access_log.list(None, 1).unwrap()[0];
    assert_eq!(newest.contact_id, None);
    assert!(
        newest.detail.contains("all 2 contacts exported as vCard"),
        "{}",
        newest.detail
    );
}

#[test]
fn the_access_log_refuses_changes_and_deletions_within_its_retention() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Kept")).unwrap();
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    let changed = core.database.with_writer(|connection| {
        connection.execute("UPDATE access_log SET detail = 'nothing happened'", [])?;
        Ok(())
    });
    assert!(changed.unwrap_err().message.contains("append-only"));
    let deleted = core.database.with_writer(|connection| {
        connection.execute("DELETE FROM access_log", [])?;
        Ok(())
    });
    assert!(deleted.unwrap_err().message.contains("retention"));
    assert_eq!(core.access_log.list(None, 10).unwrap().len(), 1);
}

#[test]
fn a_shorter_retention_removes_only_older_entries() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Old")).unwrap();
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    core.database
        .with_writer(|connection| {
            connection.execute(
                "INSERT INTO access_log (id, occurred_at, contact_id, action, detail, device)
                 VALUES ('old', '2022-01-01T00:00:00.000Z', ?1, 'viewed', 'long ago', 'laptop')",
                [&ada.id],
            )?;
            Ok(())
        })
        .unwrap();
    assert_eq!(core.access_log.prune().unwrap(), 0, "six years by default");
    assert_eq!(core.access_log.retention_days().unwrap(), 2190);
    assert_eq!(
        core.access_log
            .set_retention_days(10)
            .unwrap_err()
            .field_errors()[0]
            .field,
        "retention_days"
    );
    core.access_log.set_retention_days(365).unwrap();
    let left = core.access_log.list(None, 10).unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].id, "old");
}

#[test]
fn deleting_all_data_empties_the_access_log() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Gone")).unwrap();
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    core.export
        .delete_all_data(DELETE_ALL_CONFIRMATION)
        .unwrap();
    assert!(core.access_log.list(None, 10).unwrap().is_empty());
    // And the log keeps refusing deletions afterwards.
    core.access_log
        .record_view(&ada.id, "opened in the app")
        .unwrap();
    let deleted = core.database.with_writer(|connection| {
        connection.execute("DELETE FROM access_log", [])?;
        Ok(())
    });
    assert!(deleted.is_err());
}

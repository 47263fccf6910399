//! Large imports write new contacts many at a time (one statement per table per chunk) and
//! look each tag name up once per import. These tests import files larger than one chunk and
//! check that every row, keyword index entry, tag, note and change-log entry is what writing
//! one contact at a time gave, and that undoing such an import puts everything back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{email, open_core};
use omnicrm_core::contacts::{Contact, ContactInput, ContactListQuery};
use omnicrm_core::imports::ImportOptions;
use omnicrm_core::Core;
use omnicrm_interchange::{ContactRecord, LabeledValue};

/// More than two chunks of new contacts, and not a multiple of the chunk size.
const RECORDS: usize = 1_234;

fn google_csv(records: &[ContactRecord]) -> Vec<u8> {
    omnicrm_interchange::write_google_csv(records).into_bytes()
}

fn google_options() -> ImportOptions {
    ImportOptions {
        file_name: Some("contacts.csv".to_owned()),
        ..ImportOptions::default()
    }
}

/// Record `i`: a name, one or two emails, a phone, tags in several spellings, sometimes a note.
fn record(i: usize) -> ContactRecord {
    let mut emails = vec![LabeledValue {
        value: format!("client{i}@example.com"),
        label: Some("home".to_owned()),
        preferred: true,
    }];
    if i.is_multiple_of(3) {
        emails.push(LabeledValue::new(
            format!("work{i}@example.org"),
            Some("work"),
        ));
    }
    let mut categories = Vec::new();
    if i.is_multiple_of(2) {
        // The seeded system tag is spelled "Yoga".
        categories.push("yoga".to_owned());
    }
    match i % 5 {
        0 => categories.push("Reiki Level 2".to_owned()),
        1 => categories.push("reiki LEVEL 2".to_owned()),
        _ => {}
    }
    // SQLite's NOCASE folds ASCII letters only: these are two different tags.
    if i == 700 {
        categories.push("Über".to_owned());
    }
    if i == 701 {
        categories.push("über".to_owned());
    }
    ContactRecord {
        display_name: format!("Client Number{i}"),
        emails,
        phones: vec![LabeledValue::new(
            format!("+1 415 234 {:04}", i % 10_000),
            Some("mobile"),
        )],
        note: (i.is_multiple_of(4)).then(|| format!("First visit of client {i}")),
        categories,
        ..ContactRecord::default()
    }
}

fn database(core: &Core) -> rusqlite::Connection {
    rusqlite::Connection::open(core.database.path()).expect("open the database file")
}

fn tag_rows(core: &Core, name: &str) -> Vec<(String, String)> {
    let connection = database(core);
    let mut statement = connection
        .prepare("SELECT id, name FROM tags WHERE name = ?1 ORDER BY name")
        .unwrap();
    statement
        .query_map([name], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn contact_by_email(core: &Core, address: &str) -> Contact {
    let connection = database(core);
    let id: String = connection
        .query_row(
            "SELECT e.contact_id FROM contact_emails e JOIN contacts c ON c.id = e.contact_id
             WHERE e.address_normalized = ?1 AND c.deleted_at IS NULL",
            [address],
            |row| row.get(0),
        )
        .unwrap_or_else(|error| panic!("{address}: {error}"));
    core.contacts.get(&id).unwrap()
}

#[test]
fn a_chunked_import_stores_every_contact_with_its_details_index_tags_notes_and_change() {
    let (_directory, core) = open_core();
    let records: Vec<ContactRecord> = (0..RECORDS).map(record).collect();
    let mut reports = Vec::new();
    let summary = core
        .imports
        .run(
            google_csv(&records),
            &google_options(),
            &mut |done, total| reports.push((done, total)),
        )
        .unwrap();
    assert_eq!(summary.counts.create as usize, RECORDS);

    // Progress starts at zero, never goes back, and ends with everything written.
    let total = RECORDS as u32;
    assert_eq!(reports.first(), Some(&(0, total)));
    assert_eq!(reports.last(), Some(&(total, total)));
    assert!(reports.windows(2).all(|pair| pair[0].0 <= pair[1].0));
    assert!(reports.len() >= 3, "{reports:?}");

    // The live-contact counter (kept by a trigger) and the list agree.
    let listed = core.contacts.list(&ContactListQuery::default()).unwrap();
    assert_eq!(listed.total as usize, RECORDS);

    // One tag per spelling that NOCASE folds together, in its first (or seeded) spelling.
    assert_eq!(tag_rows(&core, "yoga"), tag_rows(&core, "Yoga"));
    assert_eq!(tag_rows(&core, "yoga").len(), 1);
    let reiki = tag_rows(&core, "reiki level 2");
    assert_eq!(reiki.len(), 1);
    assert_eq!(reiki[0].1, "Reiki Level 2");
    assert_eq!(tag_rows(&core, "Über").len(), 1);
    assert_eq!(tag_rows(&core, "über").len(), 1);
    assert_ne!(tag_rows(&core, "Über"), tag_rows(&core, "über"));

    let connection = database(&core);
    for i in 0..RECORDS {
        let contact = contact_by_email(&core, &format!("client{i}@example.com"));
        assert_eq!(contact.display_name, format!("Client Number{i}"));
        let addresses: Vec<&str> = contact.emails.iter().map(|e| e.address.as_str()).collect();
        let mut expected = vec![format!("client{i}@example.com")];
        if i.is_multiple_of(3) {
            expected.push(format!("work{i}@example.org"));
        }
        assert_eq!(addresses, expected, "record {i}");
        assert!(contact.emails[0].is_primary, "record {i}");
        assert_eq!(
            contact.primary_phone(),
            Some(format!("+1415234{:04}", i).as_str())
        );

        let mut tags = Vec::new();
        if i % 5 < 2 {
            tags.push("Reiki Level 2".to_owned());
        }
        if i == 700 {
            tags.push("Über".to_owned());
        }
        if i == 701 {
            tags.push("über".to_owned());
        }
        if i.is_multiple_of(2) {
            tags.push("Yoga".to_owned());
        }
        tags.sort_by_key(|tag| tag.to_lowercase());
        let mut stored = contact.tags.clone();
        stored.sort_by_key(|tag| tag.to_lowercase());
        assert_eq!(stored, tags, "record {i}");

        // Exactly one change: the creation, in the import's batch, holding the stored contact.
        let changes: Vec<(String, String, Option<String>)> = connection
            .prepare(
                "SELECT operation, after_json, batch_id FROM change_log
                 WHERE entity = 'contact' AND entity_id = ?1",
            )
            .unwrap()
            .query_map([&contact.id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(changes.len(), 1, "record {i}");
        let (operation, after, batch) = &changes[0];
        assert_eq!(operation, "create");
        assert_eq!(batch.as_deref(), Some(summary.id.as_str()));
        let snapshot: Contact = serde_json::from_str(after).unwrap();
        assert_eq!(snapshot, contact, "record {i}");

        let notes = core.notes.list_for_contact(&contact.id).unwrap();
        if i.is_multiple_of(4) {
            assert_eq!(notes.len(), 1, "record {i}");
            assert_eq!(notes[0].body, format!("First visit of client {i}"));
        } else {
            assert!(notes.is_empty(), "record {i}");
        }
    }

    // Every contact is in the keyword index once, found by name, email and phone.
    let indexed: i64 = connection
        .query_row("SELECT count(*) FROM contacts_fts", [], |row| row.get(0))
        .unwrap();
    assert_eq!(indexed as usize, RECORDS);
    for text in ["Number1233", "client617@example.com", "4152340999"] {
        let found = core.contacts.search(text, 5).unwrap();
        assert_eq!(found.len(), 1, "{text}: {found:?}");
    }

    // Change-log entries are in file order: contact seq and change seq rise together.
    let out_of_order: i64 = connection
        .query_row(
            "SELECT count(*) FROM change_log a JOIN contacts ca ON ca.id = a.entity_id
             JOIN change_log b ON b.seq = a.seq + 1 JOIN contacts cb ON cb.id = b.entity_id
             WHERE a.entity = 'contact' AND b.entity = 'contact' AND cb.seq < ca.seq",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(out_of_order, 0);
}

#[test]
fn a_tag_created_earlier_in_the_same_import_is_attached_not_created_again() {
    let (_directory, core) = open_core();
    // An existing client whose record in the file brings a new tag: the update creates it
    // through the one-at-a-time path, then new contacts later in the file carry it too.
    let existing = core
        .contacts
        .create(ContactInput {
            display_name: "Existing Client".to_owned(),
            emails: vec![email("existing@example.com")],
            ..ContactInput::default()
        })
        .unwrap();
    let mut records = vec![ContactRecord {
        display_name: "Existing Client".to_owned(),
        emails: vec![LabeledValue::new("existing@example.com", None)],
        categories: vec!["Sound Bath".to_owned()],
        ..ContactRecord::default()
    }];
    for i in 0..600u32 {
        records.push(ContactRecord {
            display_name: format!("New Client{i}"),
            emails: vec![LabeledValue::new(format!("new{i}@example.com"), None)],
            categories: vec![if i.is_multiple_of(2) {
                "sound bath"
            } else {
                "SOUND BATH"
            }
            .to_owned()],
            ..ContactRecord::default()
        });
    }
    let summary = core
        .imports
        .run(google_csv(&records), &google_options(), &mut |_, _| {})
        .unwrap();
    assert_eq!((summary.counts.update, summary.counts.create), (1, 600));

    let tags = tag_rows(&core, "sound bath");
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0].1, "Sound Bath");
    assert_eq!(
        core.contacts.get(&existing.id).unwrap().tags,
        vec!["Sound Bath".to_owned()]
    );
    let usage = core
        .tags
        .list()
        .unwrap()
        .into_iter()
        .find(|tag| tag.tag.id == tags[0].0)
        .unwrap();
    assert_eq!(usage.usage_count, 601);
    let page = core
        .contacts
        .list(&ContactListQuery {
            tag: Some("Sound Bath".to_owned()),
            ..ContactListQuery::default()
        })
        .unwrap();
    assert_eq!(page.total, 601);
}

/// The contacts and notes of a full export, without the times an undo moves on.
fn contacts_and_notes(core: &Core) -> serde_json::Value {
    let export = core.export.json(None).unwrap();
    let mut value = serde_json::json!({ "contacts": export.contacts, "notes": export.notes });
    strip_updated_at(&mut value);
    value
}

fn strip_updated_at(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("updated_at");
            map.values_mut().for_each(strip_updated_at);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_updated_at),
        _ => {}
    }
}

const PHOTO: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

#[test]
fn undoing_a_chunked_import_restores_contacts_notes_index_and_counter_exactly() {
    let (_directory, core) = open_core();
    let with_photo = core
        .contacts
        .create(ContactInput {
            // The same given name as record 3 ("Client Number3"), or the import would keep
            // it apart as someone else sharing the email.
            display_name: "Client Photo".to_owned(),
            emails: vec![email("client3@example.com")],
            photo: Some(PHOTO.to_owned()),
            tags: vec!["Massage".to_owned()],
            ..ContactInput::default()
        })
        .unwrap();
    core.notes
        .create(
            &with_photo.id,
            omnicrm_core::notes::NoteInput::plain("Prefers mornings"),
        )
        .unwrap();
    core.contacts
        .create(ContactInput {
            display_name: "Untouched Client".to_owned(),
            emails: vec![email("untouched@example.com")],
            ..ContactInput::default()
        })
        .unwrap();
    let before = contacts_and_notes(&core);

    // Record 3 matches the photo client (adds a phone, an email, tags and a note); the rest
    // are new.
    let records: Vec<ContactRecord> = (0..RECORDS).map(record).collect();
    let summary = core
        .imports
        .run(google_csv(&records), &google_options(), &mut |_, _| {})
        .unwrap();
    assert_eq!(summary.counts.update, 1);
    assert_eq!(summary.counts.create as usize, RECORDS - 1);
    let updated = core.contacts.get(&with_photo.id).unwrap();
    assert_eq!(updated.photo.as_deref(), Some(PHOTO));
    assert_eq!(updated.phones.len(), 1);

    let outcome = core.imports.undo(&summary.id).unwrap();
    assert!(outcome.undone as usize >= RECORDS);

    assert_eq!(contacts_and_notes(&core), before);
    let restored = core.contacts.get(&with_photo.id).unwrap();
    assert_eq!(restored.photo.as_deref(), Some(PHOTO));
    assert_eq!(restored.tags, vec!["Massage".to_owned()]);
    let listed = core.contacts.list(&ContactListQuery::default()).unwrap();
    assert_eq!(listed.total, 2);
    assert!(core.contacts.search("Number1000", 5).unwrap().is_empty());
    assert_eq!(core.contacts.search("Client Photo", 5).unwrap().len(), 1);
    let connection = database(&core);
    let indexed: i64 = connection
        .query_row("SELECT count(*) FROM contacts_fts", [], |row| row.get(0))
        .unwrap();
    assert_eq!(indexed, 2);
    let imports = core.imports.list().unwrap();
    assert!(imports[0].undone);
}

fn unfinished_batches(core: &Core) -> i64 {
    database(core)
        .query_row("SELECT COUNT(*) FROM unfinished_batches", [], |row| {
            row.get(0)
        })
        .unwrap()
}

fn live_contacts(core: &Core) -> u32 {
    core.contacts
        .list(&ContactListQuery::default())
        .unwrap()
        .total
}

/// Issue 20: a large import held the write lock for its whole length, so every other writer
/// waited (and gave up after 5 s). It is now committed a few thousand records at a time; a
/// failure in a later chunk still leaves nothing of the import behind.
#[test]
fn an_import_that_fails_after_some_chunks_committed_leaves_nothing_behind() {
    let (_directory, core) = open_core();
    core.contacts
        .create(ContactInput {
            display_name: "Ada Before".to_owned(),
            ..ContactInput::default()
        })
        .unwrap();
    // The disk "fills" once the second chunk of the import is being written.
    database(&core)
        .execute_batch(
            "CREATE TRIGGER simulated_full_disk BEFORE INSERT ON contacts
             WHEN (SELECT COUNT(*) FROM contacts) >= 3000
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    let records: Vec<ContactRecord> = (0..5_000).map(record).collect();
    let mut committed_before_failing = 0;
    let error = core
        .imports
        .run(google_csv(&records), &google_options(), &mut |done, _| {
            committed_before_failing = done;
        })
        .unwrap_err();
    assert!(error.message.contains("full"), "{}", error.message);
    assert!(
        committed_before_failing >= 2_000,
        "{committed_before_failing}"
    );
    assert_eq!(live_contacts(&core), 1);
    assert!(core.imports.list().unwrap().is_empty());
    assert_eq!(unfinished_batches(&core), 0);
}

/// Issue 20: while a large import runs, another process adds contacts; none of its writes
/// fails, and they get their turn between the import's chunks instead of after the import.
#[test]
fn another_process_keeps_writing_while_a_large_import_runs() {
    let (directory, core) = open_core();
    let records: Vec<ContactRecord> = (0..9_000).map(record).collect();
    let other_process = Core::open(directory.path()).unwrap();
    let importing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still_importing = importing.clone();
    let writer = std::thread::spawn(move || {
        let mut added = 0;
        while still_importing.load(std::sync::atomic::Ordering::SeqCst) {
            other_process
                .contacts
                .create(ContactInput {
                    display_name: format!("Ada Meanwhile{added}"),
                    ..ContactInput::default()
                })
                .unwrap();
            added += 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        added
    });
    let summary = core
        .imports
        .run(google_csv(&records), &google_options(), &mut |_, _| {})
        .unwrap();
    importing.store(false, std::sync::atomic::Ordering::SeqCst);
    let added = writer.join().unwrap();
    assert_eq!(summary.counts.create, 9_000);
    let stored: u32 = database(&core)
        .query_row(
            "SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, 9_000 + added);
    // The other process's changes that landed between the import's first and last.
    let between: u32 = database(&core)
        .query_row(
            "SELECT COUNT(*) FROM change_log
             WHERE (batch_id IS NULL OR batch_id <> ?1)
               AND seq > (SELECT MIN(seq) FROM change_log WHERE batch_id = ?1)
               AND seq < (SELECT MAX(seq) FROM change_log WHERE batch_id = ?1)",
            [&summary.id],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        between >= 1,
        "{between} of {added} writes landed during the import's writing"
    );
}

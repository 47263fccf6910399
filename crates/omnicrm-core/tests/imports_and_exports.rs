//! Imports (preview, idempotence, merging, invalid records, undo), exports and their round trips,
//! against real SQLite files and the export fixtures of the interchange crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{email, open_core, person, phone};
use omnicrm_core::contacts::{Address, ContactInput, LifecycleStage};
use omnicrm_core::export::{ExportFormat, DELETE_ALL_CONFIRMATION};
use omnicrm_core::imports::{ImportAction, ImportFormat, ImportOptions};
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::{Core, ErrorCode};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../omnicrm-interchange/tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn options(file_name: &str) -> ImportOptions {
    ImportOptions {
        file_name: Some(file_name.to_owned()),
        ..ImportOptions::default()
    }
}

fn live_contacts(core: &Core) -> u32 {
    core.contacts
        .list(&omnicrm_core::contacts::ContactListQuery::default())
        .unwrap()
        .total
}

#[test]
fn every_fixture_imports_and_importing_it_again_creates_nothing() {
    for name in [
        "apple-contacts-3.0.vcf",
        "android-2.1.vcf",
        "contacts-4.0.vcf",
        "google-contacts.csv",
        "google-contacts-older.csv",
        "outlook-contacts.csv",
    ] {
        let (_directory, core) = open_core();
        let bytes = fixture(name);
        let mut options = options(name);
        // Some fixtures hold an empty card, as real exports do; it is reported, not imported.
        options.accept_valid_rows = true;
        let options = &options;
        let preview = core.imports.preview(&bytes, options).unwrap();
        for item in &preview.items {
            if item.action == ImportAction::Invalid {
                assert!(
                    item.reason.contains("no name, email or phone"),
                    "{name}: {item:?}"
                );
            }
        }
        assert!(preview.counts.create > 0, "{name}");
        assert_eq!(live_contacts(&core), 0, "{name}: a preview writes nothing");

        let first = core.imports.run(&bytes, options, &mut |_, _| {}).unwrap();
        assert_eq!(first.counts, preview.counts, "{name}");
        assert_eq!(live_contacts(&core), preview.counts.create, "{name}");

        let again = core.imports.preview(&bytes, options).unwrap();
        assert_eq!(again.counts.create, 0, "{name}: {:#?}", again.items);
        assert_eq!(again.counts.update, 0, "{name}: {:#?}", again.items);
        let second = core.imports.run(&bytes, options, &mut |_, _| {}).unwrap();
        assert_eq!(second.counts.create, 0, "{name}");
        assert_eq!(live_contacts(&core), preview.counts.create, "{name}");
    }
}

#[test]
fn formats_are_detected_and_vcard_details_survive() {
    let (_directory, core) = open_core();
    let bytes = fixture("apple-contacts-3.0.vcf");
    let options = ImportOptions {
        accept_valid_rows: true,
        ..ImportOptions::default()
    };
    let preview = core.imports.preview(&bytes, &options).unwrap();
    assert_eq!(preview.format, ImportFormat::Vcard);
    core.imports.run(&bytes, &options, &mut |_, _| {}).unwrap();
    let page = core
        .contacts
        .list(&omnicrm_core::contacts::ContactListQuery::default())
        .unwrap();
    let with_photo = page
        .items
        .iter()
        .map(|summary| core.contacts.get(&summary.id).unwrap())
        .filter(|contact| contact.photo.is_some())
        .count();
    assert!(with_photo >= 1, "the embedded photo is kept");
    assert!(page
        .items
        .iter()
        .all(|item| item.source == omnicrm_core::contacts::ContactSource::Upload));
}

#[test]
fn an_import_matches_existing_contacts_by_phone_in_any_format_and_adds_what_is_new() {
    let (_directory, core) = open_core();
    let mut input = person("Maya Lindqvist");
    input.phones = vec![phone("(415) 555-0134")];
    input.lifecycle_stage = Some(LifecycleStage::CoreClient);
    let existing = core.contacts.create(input).unwrap();

    let csv = "Name,Phone,Email\nMaya L.,+1 415 555 0134,maya@example.com\n";
    let mapping = core
        .imports
        .csv_preview(csv.as_bytes())
        .unwrap()
        .suggested_mapping;
    let options = ImportOptions {
        mapping: Some(mapping),
        format: Some(ImportFormat::Csv),
        ..ImportOptions::default()
    };
    let preview = core.imports.preview(csv.as_bytes(), &options).unwrap();
    assert_eq!(preview.counts.update, 1);
    let item = &preview.items[0];
    assert_eq!(item.action, ImportAction::Update);
    assert_eq!(item.contact_id.as_deref(), Some(existing.id.as_str()));
    assert!(
        item.reason.contains("phone +14155550134"),
        "{}",
        item.reason
    );
    assert!(
        item.reason.contains("email maya@example.com"),
        "{}",
        item.reason
    );

    let summary = core
        .imports
        .run(csv.as_bytes(), &options, &mut |_, _| {})
        .unwrap();
    let updated = core.contacts.get(&existing.id).unwrap();
    assert_eq!(
        updated.display_name, "Maya Lindqvist",
        "the name on file wins"
    );
    assert_eq!(updated.lifecycle_stage, Some(LifecycleStage::CoreClient));
    assert_eq!(updated.emails[0].address, "maya@example.com");

    core.imports.undo(&summary.id).unwrap();
    assert!(core.contacts.get(&existing.id).unwrap().emails.is_empty());
    let history = core.imports.list().unwrap();
    assert!(history[0].undone);
}

#[test]
fn records_of_one_file_with_the_same_email_are_combined() {
    let (_directory, core) = open_core();
    let vcards =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Ruiz\r\nEMAIL:ana@example.com\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana R.\r\nEMAIL:ANA@example.com\r\n\
                  TEL;TYPE=CELL:+34 612 345 678\r\nEND:VCARD\r\n";
    let preview = core
        .imports
        .preview(vcards.as_bytes(), &ImportOptions::default())
        .unwrap();
    assert_eq!((preview.counts.create, preview.counts.merge), (1, 1));
    assert!(preview.items[1]
        .reason
        .contains("same email ana@example.com as line 1"));
    core.imports
        .run(vcards.as_bytes(), &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    let found = core.contacts.search("Ana", 5).unwrap();
    assert_eq!(found.len(), 1);
    let ana = core.contacts.get(&found[0].id).unwrap();
    assert_eq!(ana.phones[0].number, "+34612345678");
}

/// Regression: a file holding a client already in OmniCRM twice, the second time with a new
/// phone and a note, lost both: the first record was "already in OmniCRM; nothing new", the
/// second was combined with it, and a record with nothing new writes nothing.
#[test]
fn a_second_record_of_a_client_already_here_still_adds_its_new_phone_and_note() {
    let (_directory, core) = open_core();
    let mut ana = person("Ana Ruiz");
    ana.emails = vec![email("ana@example.com")];
    let ana = core.contacts.create(ana).unwrap();
    let vcards =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Ruiz\r\nEMAIL:ana@example.com\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana Ruiz\r\nEMAIL:ana@example.com\r\n\
                  TEL;TYPE=CELL:+34 612 345 678\r\nNOTE:Prefers mornings.\r\nEND:VCARD\r\n";
    let preview = core
        .imports
        .preview(vcards.as_bytes(), &ImportOptions::default())
        .unwrap();
    assert_eq!(
        (
            preview.counts.update,
            preview.counts.merge,
            preview.counts.skip
        ),
        (1, 1, 0),
        "{:?}",
        preview.items
    );
    assert!(
        preview.items[0].reason.contains("adds phone +34612345678"),
        "{}",
        preview.items[0].reason
    );
    let summary = core
        .imports
        .run(vcards.as_bytes(), &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    let after = core.contacts.get(&ana.id).unwrap();
    assert_eq!(after.phones.len(), 1);
    assert_eq!(after.phones[0].number, "+34612345678");
    let notes = core.notes.list_for_contact(&ana.id).unwrap();
    assert!(notes
        .iter()
        .any(|note| note.body.contains("Prefers mornings.")));
    assert_eq!(live_contacts(&core), 1);

    // Undone, the client is as before the import.
    core.imports.undo(&summary.id).unwrap();
    assert!(core.contacts.get(&ana.id).unwrap().phones.is_empty());
}

/// A file is planned a chunk of records at a time: a record is still combined with an
/// earlier one of the same person thousands of records before it, and kept apart from
/// someone sharing only a phone.
#[test]
fn records_far_apart_in_a_large_file_are_still_combined() {
    let (_directory, core) = open_core();
    let mut csv = String::from("Name,E-mail 1 - Value,Phone 1 - Value\n");
    csv.push_str("Ana Ruiz,ana@example.com,\n");
    csv.push_str("Tom Shared,,+1 415 555 0100\n");
    for index in 0..5_000 {
        csv.push_str(&format!("Client {index},client{index}@example.com,\n"));
    }
    csv.push_str("Ana Ruiz,ANA@example.com,+34 612 345 678\n");
    csv.push_str("Mia Shared,,+1 415 555 0100\n");
    let options = ImportOptions {
        format: Some(ImportFormat::GoogleCsv),
        ..ImportOptions::default()
    };
    let preview = core.imports.preview(csv.as_bytes(), &options).unwrap();
    assert_eq!(preview.records, 5_004);
    assert_eq!(
        (preview.counts.create, preview.counts.merge),
        (5_003, 1),
        "{:?}",
        preview.counts
    );
    core.imports
        .run(csv.as_bytes(), &options, &mut |_, _| {})
        .unwrap();
    let found = core.contacts.search("Ana Ruiz", 5).unwrap();
    assert_eq!(found.len(), 1);
    let ana = core.contacts.get(&found[0].id).unwrap();
    assert_eq!(ana.phones[0].number, "+34612345678");
    assert_eq!(core.contacts.search("Mia Shared", 5).unwrap().len(), 1);
    assert_eq!(live_contacts(&core), 5_003);
}

/// Regression: a vCard with a husband and wife who share a home phone imported as one person
/// ("same phone +1503... as line 1; combined with it"); the wife disappeared into his record.
#[test]
fn a_wife_who_shares_her_husbands_home_phone_is_not_combined_with_him() {
    let (_directory, core) = open_core();
    let vcards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:David Okafor\r\nN:Okafor;David;;;\r\n\
                  TEL;TYPE=HOME:(503) 555-0147\r\nEMAIL:david@okafor.test\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Okafor\r\nN:Okafor;Grace;;;\r\n\
                  TEL;TYPE=HOME:+1 503 555 0147\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dave Okafor\r\n\
                  TEL;TYPE=CELL:+1 503 555 0147\r\nEND:VCARD\r\n";
    let preview = core
        .imports
        .preview(vcards.as_bytes(), &ImportOptions::default())
        .unwrap();
    let actions: Vec<ImportAction> = preview.items.iter().map(|item| item.action).collect();
    assert_eq!(
        actions,
        [
            ImportAction::Create,
            ImportAction::KeptApart,
            ImportAction::Merge
        ],
        "{:#?}",
        preview.items
    );
    assert_eq!((preview.counts.create, preview.counts.merge), (2, 1));
    let grace = &preview.items[1];
    assert!(
        grace.reason.starts_with(
            "possible duplicate, kept apart: same phone +15035550147 as line 1 (David Okafor)"
        ),
        "{}",
        grace.reason
    );
    // A nickname of the husband is still him.
    assert!(
        preview.items[2]
            .reason
            .contains("as line 1; combined with it"),
        "{}",
        preview.items[2].reason
    );

    core.imports
        .run(vcards.as_bytes(), &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    assert_eq!(live_contacts(&core), 2);
    let found = core.contacts.search("Grace", 5).unwrap();
    assert_eq!(found.len(), 1);
    let grace = core.contacts.get(&found[0].id).unwrap();
    assert_eq!(grace.display_name, "Grace Okafor");
    assert_eq!(grace.phones[0].number, "+15035550147");
    let found = core.contacts.search("David", 5).unwrap();
    let david = core.contacts.get(&found[0].id).unwrap();
    assert_eq!(david.display_name, "David Okafor");
    assert_eq!(david.emails.len(), 1);
}

/// The same for a contact already in OmniCRM: her card does not update his contact.
#[test]
fn a_record_sharing_an_existing_contacts_phone_with_another_first_name_is_kept_apart() {
    let (_directory, core) = open_core();
    let mut input = person("David Okafor");
    input.phones = vec![phone("(503) 555-0147")];
    let husband = core.contacts.create(input).unwrap();
    let mut input = person("");
    input.emails = vec![email("family@okafor.test")];
    input.display_name = "Okafor household".to_owned();
    core.contacts.create(input).unwrap();

    let vcards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Okafor\r\n\
                  TEL;TYPE=HOME:+1 503 555 0147\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dr. David Okafor\r\n\
                  TEL;TYPE=HOME:503-555-0147\r\nEMAIL:david@okafor.test\r\nEND:VCARD\r\n\
                  BEGIN:VCARD\r\nVERSION:3.0\r\nFN:family@okafor.test\r\n\
                  EMAIL:family@okafor.test\r\nTEL:+1 503 555 0199\r\nEND:VCARD\r\n";
    let preview = core
        .imports
        .preview(vcards.as_bytes(), &ImportOptions::default())
        .unwrap();
    let grace = &preview.items[0];
    assert_eq!(grace.action, ImportAction::KeptApart, "{grace:?}");
    assert_eq!(grace.contact_id.as_deref(), Some(husband.id.as_str()));
    assert!(
        grace.reason.starts_with(
            "possible duplicate, kept apart: same phone +15035550147 as David Okafor, already in \
             OmniCRM, but a different first name"
        ),
        "{}",
        grace.reason
    );
    // The husband's own card, with a title, still updates him.
    assert_eq!(preview.items[1].action, ImportAction::Update);
    assert_eq!(
        preview.items[1].contact_id.as_deref(),
        Some(husband.id.as_str())
    );
    // A record without a real name still matches by email, as before.
    assert_eq!(
        preview.items[2].action,
        ImportAction::Update,
        "{:?}",
        preview.items[2]
    );

    core.imports
        .run(vcards.as_bytes(), &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    assert_eq!(live_contacts(&core), 3);
    let husband = core.contacts.get(&husband.id).unwrap();
    assert_eq!(husband.display_name, "David Okafor");
    assert_eq!(husband.emails[0].address, "david@okafor.test");
}

#[test]
fn invalid_records_block_the_import_unless_the_valid_ones_are_accepted() {
    let (_directory, core) = open_core();
    let csv = "Name,Email\nGood Person,good@example.com\nBad Email,not-an-email\n";
    let mapping = core
        .imports
        .csv_preview(csv.as_bytes())
        .unwrap()
        .suggested_mapping;
    let mut options = ImportOptions {
        mapping: Some(mapping),
        format: Some(ImportFormat::Csv),
        ..ImportOptions::default()
    };
    let refused = core
        .imports
        .run(csv.as_bytes(), &options, &mut |_, _| {})
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::ValidationFailed);
    assert_eq!(refused.field_errors()[0].field, "row 3");
    assert!(refused.field_errors()[0].message.contains("emails[0]"));
    assert_eq!(live_contacts(&core), 0, "nothing is partially written");

    options.accept_valid_rows = true;
    let summary = core
        .imports
        .run(csv.as_bytes(), &options, &mut |_, _| {})
        .unwrap();
    assert_eq!((summary.counts.create, summary.counts.invalid), (1, 1));
    assert_eq!(live_contacts(&core), 1);
}

#[test]
fn hostile_files_get_a_clear_error_naming_the_place() {
    let (_directory, core) = open_core();
    let binary: Vec<u8> = (0..4096u32).map(|n| (n * 7 % 256) as u8).collect();
    let error = core
        .imports
        .preview(&binary, &ImportOptions::default())
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "file");
    assert!(error.message.contains("line"), "{}", error.message);

    let truncated = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Off\r\n";
    let error = core
        .imports
        .preview(truncated, &ImportOptions::default())
        .unwrap_err();
    assert!(error.message.contains("line 1"), "{}", error.message);

    let not_export =
        br#"{"format": "something-else", "version": 1, "exported_at": "x", "contacts": []}"#;
    let error = core
        .imports
        .preview(not_export, &ImportOptions::default())
        .unwrap_err();
    assert!(
        error.message.contains("not an OmniCRM export"),
        "{}",
        error.message
    );

    let no_mapping = core
        .imports
        .preview(b"a;b\n1;2\n", &ImportOptions::default())
        .unwrap_err();
    assert_eq!(no_mapping.field_errors()[0].field, "mapping");
}

fn rich_contact(name: &str, address: &str, number: &str) -> ContactInput {
    let mut input = person(name);
    input.organization = Some("Calm Studio".into());
    input.emails = vec![email(address), email(&format!("work.{address}"))];
    input.emails[0].is_primary = true;
    input.phones = vec![phone(number)];
    input.phones[0].is_primary = true;
    input.address = Some(Address {
        street: Some("12 River Road".into()),
        city: Some("Portland".into()),
        region: Some("OR".into()),
        postal_code: Some("97201".into()),
        country: Some("USA".into()),
    });
    input.date_of_birth = Some("1985-04-12".into());
    input.tags = vec!["Reiki".into(), "Sunday group".into()];
    input
}

/// The fields a contact file carries.
fn portable(core: &Core) -> Vec<serde_json::Value> {
    let page = core
        .contacts
        .list(&omnicrm_core::contacts::ContactListQuery::default())
        .unwrap();
    page.items
        .iter()
        .map(|summary| {
            let contact = core.contacts.get(&summary.id).unwrap();
            serde_json::json!({
                "name": contact.display_name,
                "organization": contact.organization,
                "emails": contact.emails.iter().map(|e| (&e.address, e.is_primary)).collect::<Vec<_>>(),
                "phones": contact.phones.iter().map(|p| (&p.number, p.is_primary)).collect::<Vec<_>>(),
                "address": contact.address,
                "birthday": contact.date_of_birth,
                "tags": contact.tags,
                "photo": contact.photo,
            })
        })
        .collect()
}

#[test]
fn vcard_and_google_csv_exports_import_back_to_the_same_contacts() {
    let (directory, source) = open_core();
    source
        .contacts
        .create(rich_contact(
            "Zoë Lindqvist",
            "zoe@example.org",
            "+14155550134",
        ))
        .unwrap();
    let mut with_photo = rich_contact("José Ñúñez", "jose@example.org", "+34612345678");
    with_photo.photo = Some("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==".into());
    source.contacts.create(with_photo).unwrap();
    source.contacts.create(person("Name Only")).unwrap();

    for format in [ExportFormat::Vcard, ExportFormat::GoogleCsv] {
        let path = directory.path().join(format!("export-{format:?}"));
        let summary = source.export.write(format, &path, None).unwrap();
        assert_eq!(summary.contacts, 3);
        let (_target_directory, target) = open_core();
        let imported = target
            .imports
            .run_file(&path, &ImportOptions::default(), &mut |_, _| {})
            .unwrap();
        assert_eq!(imported.counts.create, 3, "{format:?}");
        let mut expected = portable(&source);
        if format == ExportFormat::GoogleCsv {
            // Google's CSV carries a photo link, not the picture.
            for contact in &mut expected {
                contact["photo"] = serde_json::Value::Null;
            }
        }
        assert_eq!(portable(&target), expected, "{format:?}");
    }
}

#[test]
fn the_json_export_imports_back_with_the_same_ids_and_notes() {
    let (directory, source) = open_core();
    let contact = source
        .contacts
        .create(rich_contact(
            "Ada Brook",
            "ada@example.org",
            "+442079460958",
        ))
        .unwrap();
    source
        .notes
        .create(&contact.id, NoteInput::plain("Prefers mornings."))
        .unwrap();
    let path = directory.path().join("everything.json");
    source
        .export
        .write(ExportFormat::Json, &path, None)
        .unwrap();

    let (_target_directory, target) = open_core();
    let summary = target
        .imports
        .run_file(&path, &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    assert_eq!(summary.format, ImportFormat::Json);
    let copy = target.contacts.get(&contact.id).unwrap();
    assert_eq!(copy.emails, contact.emails);
    assert_eq!(copy.tags, contact.tags);
    assert_eq!(copy.created_at, contact.created_at);
    let notes = target.notes.list_for_contact(&contact.id).unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body, "Prefers mornings.");
    let again = target
        .imports
        .run_file(&path, &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    assert_eq!((again.counts.create, again.counts.skip), (0, 1));
}

#[test]
fn a_client_export_holds_that_client_only() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Brook")).unwrap();
    let ben = core.contacts.create(person("Ben Cole")).unwrap();
    core.notes
        .create(&ada.id, NoteInput::plain("Ada's note"))
        .unwrap();
    core.notes
        .create(&ben.id, NoteInput::plain("Ben's note"))
        .unwrap();
    core.interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Call),
            subject: Some("Intake call".into()),
            contact_ids: vec![ada.id.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    let export = core.export.json(Some(&ada.id)).unwrap();
    assert_eq!(export.contacts.len(), 1);
    assert_eq!(export.notes.len(), 1);
    assert_eq!(export.notes[0].body, "Ada's note");
    assert_eq!(export.interactions.len(), 1);
    let missing = core.export.json(Some("nobody")).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[test]
fn deleting_all_data_needs_the_typed_confirmation() {
    let (_directory, core) = open_core();
    core.contacts.create(person("Ada Brook")).unwrap();
    core.backups
        .create(omnicrm_core::backups::BackupReason::Manual)
        .unwrap();
    let refused = core.export.delete_all_data("yes").unwrap_err();
    assert_eq!(refused.field_errors()[0].field, "confirmation");
    assert_eq!(live_contacts(&core), 1);

    let summary = core
        .export
        .delete_all_data(DELETE_ALL_CONFIRMATION)
        .unwrap();
    assert_eq!((summary.contacts, summary.backups), (1, 1));
    assert_eq!(live_contacts(&core), 0);
    assert!(core.backups.list().unwrap().is_empty());
    assert!(core.changes.history("contact", "any").unwrap().is_empty());
    assert!(core
        .tags
        .list()
        .unwrap()
        .iter()
        .all(|tag| tag.tag.is_system));
}

/// `value` without the `updated_at` fields, which an import stamps anew for contacts.
fn without_updated_at(mut value: serde_json::Value) -> serde_json::Value {
    match &mut value {
        serde_json::Value::Object(map) => {
            map.remove("updated_at");
            for item in map.values_mut() {
                *item = without_updated_at(item.take());
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter_mut() {
                *item = without_updated_at(item.take());
            }
        }
        _ => {}
    }
    value
}

#[test]
fn a_full_json_export_imports_back_to_identical_data() {
    use omnicrm_core::consents::{ConsentInput, ConsentKind};
    use omnicrm_core::productivity::{GoalInput, GoalKind, ProjectInput, TaskInput};
    use omnicrm_core::tags::{TagCategory, TagInput};

    let (directory, source) = open_core();
    let ada = source
        .contacts
        .create(rich_contact(
            "Ada Brook",
            "ada@example.org",
            "+442079460958",
        ))
        .unwrap();
    source
        .tags
        .create(TagInput {
            name: "Sunday group".into(),
            category: Some(TagCategory::ScheduleAttendance),
            color: Some("#aa3366".into()),
        })
        .ok();
    source
        .notes
        .create(&ada.id, NoteInput::plain("First visit."))
        .unwrap();
    source
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Meeting),
            subject: Some("Intake".into()),
            occurred_at: Some("2026-11-20T10:00:00Z".into()),
            contact_ids: vec![ada.id.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    let project = source
        .projects
        .create(ProjectInput {
            name: "Winter workshop".into(),
            ..ProjectInput::default()
        })
        .unwrap();
    let parent = source
        .tasks
        .create(TaskInput {
            title: "Book the hall".into(),
            project_id: Some(project.id.clone()),
            contact_ids: vec![ada.id.clone()],
            due_date: Some("2026-12-01".into()),
            ..TaskInput::default()
        })
        .unwrap();
    source
        .tasks
        .create(TaskInput {
            title: "Confirm the deposit".into(),
            parent_task_id: Some(parent.id.clone()),
            ..TaskInput::default()
        })
        .unwrap();
    source
        .goals
        .create(GoalInput {
            title: "Sleep 7 hours".into(),
            description: None,
            kind: GoalKind::ClientWellness,
            status: None,
            contact_id: Some(ada.id.clone()),
            target_date: None,
            progress: Some(20),
        })
        .unwrap();
    source
        .consents
        .record(
            &ada.id,
            ConsentInput {
                kind: ConsentKind::Hipaa,
                granted: true,
                recorded_at: Some("2026-11-01T09:00:00Z".into()),
                note: None,
            },
        )
        .unwrap();
    source
        .identities
        .add(
            &ada.id,
            omnicrm_core::identities::IdentityKind::Handle,
            "@ada",
            "instagram",
        )
        .unwrap();
    source
        .identities
        .ignore("*@newsletters.example", None)
        .unwrap();

    let path = directory.path().join("everything.json");
    source
        .export
        .write(ExportFormat::Json, &path, None)
        .unwrap();
    let (_target_directory, target) = open_core();
    let summary = target
        .imports
        .run_file(&path, &ImportOptions::default(), &mut |_, _| {})
        .unwrap();

    let mut expected = serde_json::to_value(source.export.json(None).unwrap()).unwrap();
    let mut actual = serde_json::to_value(target.export.json(None).unwrap()).unwrap();
    expected["exported_at"] = serde_json::Value::Null;
    actual["exported_at"] = serde_json::Value::Null;
    assert_eq!(without_updated_at(actual), without_updated_at(expected));

    // Everything the import added goes away with its undo.
    target.imports.undo(&summary.id).unwrap();
    let after_undo = target.export.json(None).unwrap();
    assert!(after_undo.contacts.is_empty());
    assert!(after_undo.tasks.is_empty());
    assert!(after_undo.interactions.is_empty());
    assert!(after_undo.consents.is_empty());
}

/// Imports and bulk edits write the keyword index once, at the end of their transaction. Every
/// contact they touch must still be found exactly once, with what the import added.
#[test]
fn imported_and_bulk_edited_contacts_are_found_once_by_keyword_search() {
    let (_directory, core) = open_core();
    let mut input = person("Maya Lindqvist");
    input.phones = vec![phone("(415) 555-0134")];
    let existing = core.contacts.create(input).unwrap();

    let csv = "Name,Phone,Email\n\
               Maya L.,+1 415 555 0134,maya@lindqvist.example\n\
               Oskar Brandt,,oskar@brandt.example\n\
               Oskar B.,,oskar@brandt.example\n\
               Ines Okafor,+44 20 7946 0958,\n";
    let mapping = core
        .imports
        .csv_preview(csv.as_bytes())
        .unwrap()
        .suggested_mapping;
    let options = ImportOptions {
        mapping: Some(mapping),
        format: Some(ImportFormat::Csv),
        ..ImportOptions::default()
    };
    let summary = core
        .imports
        .run(csv.as_bytes(), &options, &mut |_, _| {})
        .unwrap();
    assert_eq!((summary.counts.create, summary.counts.update), (2, 1));

    let found = |text: &str| -> Vec<String> {
        core.contacts
            .search(text, 10)
            .unwrap()
            .into_iter()
            .map(|summary| summary.display_name)
            .collect()
    };
    assert_eq!(
        found("lindqvist.example"),
        ["Maya Lindqvist"],
        "the added email"
    );
    assert_eq!(found("Maya"), ["Maya Lindqvist"], "indexed once, not twice");
    assert_eq!(found("Oskar"), ["Oskar Brandt"]);
    assert_eq!(found("2079460958"), ["Ines Okafor"]);

    let ids: Vec<String> = core
        .contacts
        .list(&omnicrm_core::contacts::ContactListQuery::default())
        .unwrap()
        .items
        .into_iter()
        .map(|summary| summary.id)
        .collect();
    let tagged = core
        .tags
        .tag_contacts(&ids, &["Workshop".to_owned()])
        .unwrap();
    assert_eq!(
        found("Maya"),
        ["Maya Lindqvist"],
        "still once after a bulk tag"
    );
    assert_eq!(found("Oskar"), ["Oskar Brandt"]);

    core.undo.batch(&tagged.batch_id).unwrap();
    core.imports.undo(&summary.id).unwrap();
    assert!(found("Oskar").is_empty(), "undone contacts leave the index");
    assert!(found("lindqvist.example").is_empty());
    assert_eq!(
        core.contacts.get(&existing.id).unwrap().display_name,
        "Maya Lindqvist"
    );
}

/// An export of two contacts, each with a note, as JSON to alter.
fn json_export_of_two() -> serde_json::Value {
    let (_directory, source) = open_core();
    for name in ["Ada Brook", "Bo Brook"] {
        let contact = source.contacts.create(person(name)).unwrap();
        source
            .notes
            .create(&contact.id, NoteInput::plain("Prefers mornings."))
            .unwrap();
    }
    serde_json::to_value(source.export.json(None).unwrap()).unwrap()
}

fn import_json(
    core: &Core,
    export: &serde_json::Value,
    accept_valid: bool,
) -> omnicrm_core::Result<omnicrm_core::imports::ImportSummary> {
    let bytes = serde_json::to_vec(export).unwrap();
    core.imports.run(
        &bytes,
        &ImportOptions {
            accept_valid_rows: accept_valid,
            ..ImportOptions::default()
        },
        &mut |_, _| {},
    )
}

fn field_messages(error: &omnicrm_core::Error) -> Vec<String> {
    error
        .field_errors()
        .iter()
        .map(|field| format!("{}: {}", field.field, field.message))
        .collect()
}

/// Issue 20: a JSON import accepted `created_at: "yesterday"`, an empty id and `version: 99`,
/// dropped a note whose contact was missing without a word, and reported duplicate ids as a
/// raw "UNIQUE constraint failed".
#[test]
fn a_json_import_names_each_bad_field_and_skips_only_those_records_when_asked() {
    let (_directory, core) = open_core();
    let mut newer = json_export_of_two();
    newer["version"] = serde_json::json!(99);
    let error = import_json(&core, &newer, true).unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "version");
    assert!(error.field_errors()[0].message.contains("newer OmniCRM"));

    let mut yesterday = json_export_of_two();
    yesterday["contacts"][0]["created_at"] = serde_json::json!("yesterday");
    let error = import_json(&core, &yesterday, false).unwrap_err();
    let messages = field_messages(&error);
    assert!(
        messages
            .iter()
            .any(|message| message.starts_with("contact 1")
                && message.contains("created_at is not a date and time")),
        "{messages:?}"
    );
    // The note of the refused contact is named too: it has nowhere to go.
    assert!(
        messages.iter().any(|message| message.starts_with("note ")
            && message.contains("is not among the file's contacts")),
        "{messages:?}"
    );
    assert_eq!(live_contacts(&core), 0);

    let mut empty_id = json_export_of_two();
    empty_id["contacts"][1]["id"] = serde_json::json!("");
    let messages = field_messages(&import_json(&core, &empty_id, false).unwrap_err());
    assert!(
        messages
            .iter()
            .any(|message| message.starts_with("contact 2") && message.contains("id is empty")),
        "{messages:?}"
    );

    let mut repeated = json_export_of_two();
    let first_id = repeated["contacts"][0]["id"].clone();
    repeated["contacts"][1]["id"] = first_id;
    let error = import_json(&core, &repeated, false).unwrap_err();
    assert!(!error.message.contains("UNIQUE"), "{}", error.message);
    let messages = field_messages(&error);
    assert!(
        messages
            .iter()
            .any(|message| message.starts_with("contact 2")
                && message.contains("also the id of contact 1")),
        "{messages:?}"
    );

    // With "import only the valid records", the good contact and its note come in.
    let summary = import_json(&core, &yesterday, true).unwrap();
    assert_eq!(summary.counts.create, 1);
    assert_eq!(summary.counts.invalid, 2);
    assert_eq!(live_contacts(&core), 1);
}

/// Issue 20: a vCard whose NOTE was longer than a note may be failed the whole file ("body is
/// longer than 100000 characters", naming no card), even with "import only the valid records".
#[test]
fn a_card_with_an_over_long_note_is_named_and_skipped_when_only_valid_records_are_imported() {
    let (_directory, core) = open_core();
    let file = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Short\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bo Long\r\nNOTE:{}\r\nEND:VCARD\r\n",
        "x".repeat(120_000)
    );
    let error = core
        .imports
        .run(file.as_bytes(), &options("long.vcf"), &mut |_, _| {})
        .unwrap_err();
    assert_eq!(
        field_messages(&error),
        vec!["line 5: Bo Long: note is longer than 100000 characters".to_owned()]
    );
    assert_eq!(live_contacts(&core), 0);
    let summary = core
        .imports
        .run(
            file.as_bytes(),
            &ImportOptions {
                accept_valid_rows: true,
                ..options("long.vcf")
            },
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!((summary.counts.create, summary.counts.invalid), (1, 1));
}

/// Issue 20: the app refused its own minified 13 MB export ("line longer than 1 MiB").
#[test]
fn a_minified_json_export_larger_than_a_mebibyte_imports() {
    let (_directory, source) = open_core();
    let notes = "A long session note. ".repeat(2_000);
    for index in 0..40 {
        let contact = source
            .contacts
            .create(person(&format!("Ada Number{index}")))
            .unwrap();
        source
            .notes
            .create(&contact.id, NoteInput::plain(&notes))
            .unwrap();
    }
    let minified = serde_json::to_vec(&source.export.json(None).unwrap()).unwrap();
    assert!(minified.len() > 1024 * 1024 && !minified.contains(&b'\n'));
    let (_target_directory, target) = open_core();
    let summary = target
        .imports
        .run(&minified, &ImportOptions::default(), &mut |_, _| {})
        .unwrap();
    assert_eq!(summary.counts.create, 40);
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use common::{email, open_core, person, phone};
use omnicrm_core::contacts::{
    Address, ClientStatus, ContactInput, ContactListQuery, ContactSort, ContactSource,
    LifecycleStage, SortDirection,
};
use omnicrm_core::ErrorCode;
use serde_json::json;

fn field_names(error: &omnicrm_core::Error) -> Vec<&str> {
    error
        .field_errors()
        .iter()
        .map(|field| field.field.as_str())
        .collect()
}

#[test]
fn create_normalizes_and_stamps_a_contact() {
    let (_directory, core) = open_core();
    let mut input = person("  Maya   Lindqvist ");
    input.emails = vec![email(" Maya@Example.com "), email("maya.work@example.org")];
    input.phones = vec![phone("(415) 555-0134"), phone("+44 20 7946 0958")];
    input.tags = vec!["Yoga".into(), "yoga".into(), " sleep ".into()];
    input.health_context = json!({"focus": "lower back"});
    let contact = core.contacts.create(input).unwrap();

    assert_eq!(contact.display_name, "Maya Lindqvist");
    assert_eq!(contact.emails[0].address, "Maya@Example.com");
    assert!(contact.emails[0].is_primary, "first entry becomes primary");
    assert!(!contact.emails[1].is_primary);
    assert_eq!(contact.phones[0].number, "+14155550134");
    assert_eq!(contact.phones[1].number, "+442079460958");
    // Tags take the stored spelling: "sleep" is the seeded system tag "Sleep".
    assert_eq!(contact.tags, vec!["Sleep", "Yoga"]);
    assert_eq!(contact.client_status, ClientStatus::Active);
    assert_eq!(contact.source, ContactSource::Manual);
    let id = uuid::Uuid::parse_str(&contact.id).unwrap();
    assert_eq!(id.get_version_num(), 7);
    assert!(contact.created_at.ends_with('Z'));
    assert_eq!(contact.created_at, contact.updated_at);

    let fetched = core.contacts.get(&contact.id).unwrap();
    assert_eq!(fetched.emails, contact.emails);
    assert_eq!(fetched.phones, contact.phones);
    assert_eq!(fetched.health_context, json!({"focus": "lower back"}));
    assert_eq!(fetched, contact);
}

#[test]
fn invalid_input_returns_one_field_error_per_problem_and_writes_nothing() {
    let (_directory, core) = open_core();
    let input = ContactInput {
        display_name: "   ".into(),
        emails: vec![email("not-an-email"), email("ok@example.com")],
        phones: vec![phone("12"), phone("+1 415 555 0134")],
        date_of_birth: Some("1990-02-30".into()),
        photo: Some("data:text/html;base64,PHNjcmlwdD4=".into()),
        health_context: json!(["not", "an", "object"]),
        tags: vec!["x".repeat(51)],
        address: Some(Address {
            postal_code: Some("9".repeat(21)),
            ..Address::default()
        }),
        ..ContactInput::default()
    };
    let error = core.contacts.create(input).unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(
        field_names(&error),
        vec![
            "display_name",
            "emails[0].address",
            "phones[0].number",
            "address.postal_code",
            "date_of_birth",
            "photo",
            "health_context",
            "tags[0]",
        ]
    );
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 0);
}

#[test]
fn hostile_strings_never_panic() {
    let (_directory, core) = open_core();
    let nasty = [
        "",
        "\0",
        "💥".repeat(300).as_str().to_owned().leak(),
        "\u{202e}evil",
        "'; DROP TABLE contacts; --",
        "a\u{0007}b",
        "+",
        "++++++++++++++++++++++++++++++++++++++++++++++",
        "data:image/png;base64,",
        "data:image/png;base64,@@@@",
    ];
    for text in nasty {
        let input = ContactInput {
            display_name: text.to_owned(),
            organization: Some(text.to_owned()),
            emails: vec![email(text)],
            phones: vec![phone(text)],
            date_of_birth: Some(text.to_owned()),
            photo: Some(text.to_owned()),
            emergency_contact_phone: Some(text.to_owned()),
            tags: vec![text.to_owned()],
            ..ContactInput::default()
        };
        let error = core.contacts.create(input).unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationFailed, "{text:?}");
    }
}

#[test]
fn two_primaries_and_duplicate_entries_are_rejected() {
    let (_directory, core) = open_core();
    let mut first = email("a@example.com");
    first.is_primary = true;
    let mut second = email("b@example.com");
    second.is_primary = true;
    let mut input = person("Two Primaries");
    input.emails = vec![first, second];
    input.phones = vec![phone("+1 415 555 0134"), phone("4155550134")];
    let error = core.contacts.create(input).unwrap_err();
    assert_eq!(field_names(&error), vec!["emails", "phones[1].number"]);
}

#[test]
fn a_future_or_ancient_birth_date_is_rejected() {
    let (_directory, core) = open_core();
    for date in ["2999-01-01", "1850-06-01", "01/02/1990"] {
        let mut input = person("Dated");
        input.date_of_birth = Some(date.into());
        let error = core.contacts.create(input).unwrap_err();
        assert_eq!(field_names(&error), vec!["date_of_birth"], "{date}");
    }
}

#[test]
fn a_photo_over_one_mebibyte_is_rejected() {
    use base64::Engine;
    let (_directory, core) = open_core();
    let bytes = vec![0u8; 1024 * 1024 + 1];
    let mut input = person("Big Photo");
    input.photo = Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ));
    let error = core.contacts.create(input).unwrap_err();
    assert_eq!(field_names(&error), vec!["photo"]);

    let mut small = person("Small Photo");
    small.photo = Some("data:image/png;base64,iVBORw0KGgo=".into());
    assert!(core.contacts.create(small).is_ok());
}

#[test]
fn update_replaces_fields_and_moves_updated_at_forward() {
    let (_directory, core) = open_core();
    let created = core.contacts.create(person("Before Name")).unwrap();
    let mut input = person("After Name");
    input.lifecycle_stage = Some(LifecycleStage::VipClient);
    input.phones = vec![phone("+1 503 555 0199")];
    let updated = core.contacts.update(&created.id, input).unwrap();
    assert_eq!(updated.display_name, "After Name");
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.updated_at > created.updated_at);
    assert_eq!(core.contacts.get(&created.id).unwrap(), updated);
}

#[test]
fn updating_or_deleting_a_missing_contact_is_not_found() {
    let (_directory, core) = open_core();
    let missing = "01900000-0000-7000-8000-000000000000";
    assert_eq!(
        core.contacts.update(missing, person("X")).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        core.contacts.delete(missing).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(
        core.contacts.get(missing).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn delete_is_a_tombstone_and_undo_brings_the_contact_back() {
    let (directory, core) = open_core();
    let mut input = person("Undo Me");
    input.emails = vec![email("undo@example.com")];
    input.tags = vec!["reiki".into()];
    let created = core.contacts.create(input).unwrap();
    let receipt = core.contacts.delete(&created.id).unwrap();

    assert_eq!(
        core.contacts.get(&created.id).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 0);
    assert!(core.contacts.search("Undo", 10).unwrap().is_empty());
    let connection = rusqlite::Connection::open(directory.path().join("omnicrm.sqlite3")).unwrap();
    let deleted_at: Option<String> = connection
        .query_row(
            "SELECT deleted_at FROM contacts WHERE id = ?1",
            [&created.id],
            |row| row.get(0),
        )
        .unwrap();
    assert!(deleted_at.is_some(), "the row stays as a tombstone");

    let outcome = core.undo.change(&receipt.change_id).unwrap();
    assert_eq!(outcome.entity, "contact");
    assert_eq!(outcome.entity_id, created.id);
    let restored = core.contacts.get(&created.id).unwrap();
    assert_eq!(restored.emails, created.emails);
    assert_eq!(restored.tags, created.tags);
    assert_eq!(core.contacts.search("Undo", 10).unwrap().len(), 1);

    let again = core.undo.change(&receipt.change_id).unwrap_err();
    assert_eq!(again.code, ErrorCode::UndoUnavailable);
}

#[test]
fn undo_of_an_update_restores_the_earlier_state() {
    let (_directory, core) = open_core();
    let created = core.contacts.create(person("Original")).unwrap();
    core.contacts.update(&created.id, person("Edited")).unwrap();
    let history = core.changes.history("contact", &created.id).unwrap();
    let update = history.last().unwrap();
    core.undo.change(&update.id).unwrap();
    assert_eq!(
        core.contacts.get(&created.id).unwrap().display_name,
        "Original"
    );
    assert_eq!(core.contacts.search("Original", 5).unwrap().len(), 1);
    assert!(core.contacts.search("Edited", 5).unwrap().is_empty());
}

#[test]
fn undo_refuses_to_overwrite_a_later_change() {
    let (_directory, core) = open_core();
    let created = core.contacts.create(person("First")).unwrap();
    core.contacts.update(&created.id, person("Second")).unwrap();
    let history = core.changes.history("contact", &created.id).unwrap();
    let create = history.first().unwrap();
    let error = core.undo.change(&create.id).unwrap_err();
    assert_eq!(error.code, ErrorCode::UndoUnavailable);
    assert_eq!(
        core.contacts.get(&created.id).unwrap().display_name,
        "Second"
    );
}

#[test]
fn every_write_is_in_the_change_log() {
    let (_directory, core) = open_core();
    let created = core.contacts.create(person("Logged")).unwrap();
    core.contacts
        .update(&created.id, person("Logged Again"))
        .unwrap();
    let receipt = core.contacts.delete(&created.id).unwrap();
    core.undo.change(&receipt.change_id).unwrap();
    let operations: Vec<&str> = core
        .changes
        .history("contact", &created.id)
        .unwrap()
        .iter()
        .map(|entry| entry.operation.as_str())
        .collect::<Vec<_>>()
        .leak()
        .to_vec();
    assert_eq!(operations, vec!["create", "update", "delete", "restore"]);
}

fn seed_people(core: &omnicrm_core::Core) {
    let people = [
        (
            "Zoë Ångström",
            Some(LifecycleStage::VipClient),
            ClientStatus::Active,
            "yoga",
            ContactSource::Manual,
        ),
        (
            "aaron Brooks",
            Some(LifecycleStage::Prospect),
            ClientStatus::Inactive,
            "reiki",
            ContactSource::Upload,
        ),
        (
            "Maya Lindqvist",
            Some(LifecycleStage::CoreClient),
            ClientStatus::Active,
            "yoga",
            ContactSource::GmailImport,
        ),
        (
            "Bea Nakamura",
            None,
            ClientStatus::Churned,
            "sleep",
            ContactSource::Manual,
        ),
    ];
    for (name, stage, status, tag, source) in people {
        let mut input = person(name);
        input.lifecycle_stage = stage;
        input.client_status = Some(status);
        input.tags = vec![tag.into()];
        input.source = Some(source);
        core.contacts.create(input).unwrap();
    }
}

fn names(page: &omnicrm_core::contacts::ContactPage) -> Vec<&str> {
    page.items
        .iter()
        .map(|item| item.display_name.as_str())
        .collect()
}

#[test]
fn list_sorts_by_name_case_insensitively_and_by_stage_and_pages() {
    let (_directory, core) = open_core();
    seed_people(&core);
    let by_name = core.contacts.list(&ContactListQuery::default()).unwrap();
    assert_eq!(
        names(&by_name),
        vec![
            "aaron Brooks",
            "Bea Nakamura",
            "Maya Lindqvist",
            "Zoë Ångström"
        ]
    );
    let by_stage = core
        .contacts
        .list(&ContactListQuery {
            sort: ContactSort::Stage,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        names(&by_stage),
        vec![
            "aaron Brooks",
            "Maya Lindqvist",
            "Zoë Ångström",
            "Bea Nakamura"
        ]
    );
    let second_page = core
        .contacts
        .list(&ContactListQuery {
            direction: SortDirection::Desc,
            offset: 1,
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(second_page.total, 4);
    assert_eq!(second_page.offset, 1);
    assert_eq!(names(&second_page), vec!["Maya Lindqvist", "Bea Nakamura"]);
}

#[test]
fn list_sorted_by_updated_shows_the_latest_edit_first() {
    let (_directory, core) = open_core();
    seed_people(&core);
    let page = core.contacts.list(&ContactListQuery::default()).unwrap();
    let bea = page
        .items
        .iter()
        .find(|item| item.display_name == "Bea Nakamura")
        .unwrap();
    core.contacts
        .update(&bea.id, person("Bea Nakamura-Ito"))
        .unwrap();
    let page = core
        .contacts
        .list(&ContactListQuery {
            sort: ContactSort::Updated,
            direction: SortDirection::Desc,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items[0].display_name, "Bea Nakamura-Ito");
}

#[test]
fn list_filters_by_stage_status_tag_source_and_search_together() {
    let (_directory, core) = open_core();
    seed_people(&core);
    let query = |query: ContactListQuery| names(&core.contacts.list(&query).unwrap()).join(", ");
    assert_eq!(
        query(ContactListQuery {
            tag: Some("YOGA".into()),
            ..Default::default()
        }),
        "Maya Lindqvist, Zoë Ångström"
    );
    assert_eq!(
        query(ContactListQuery {
            stage: Some(LifecycleStage::Prospect),
            ..Default::default()
        }),
        "aaron Brooks"
    );
    assert_eq!(
        query(ContactListQuery {
            status: Some(ClientStatus::Churned),
            ..Default::default()
        }),
        "Bea Nakamura"
    );
    assert_eq!(
        query(ContactListQuery {
            source: Some(ContactSource::GmailImport),
            ..Default::default()
        }),
        "Maya Lindqvist"
    );
    assert_eq!(
        query(ContactListQuery {
            tag: Some("yoga".into()),
            search: Some("zoe".into()),
            ..Default::default()
        }),
        "Zoë Ångström"
    );
    let page = core
        .contacts
        .list(&ContactListQuery {
            tag: Some("yoga".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items[0].tags, vec!["Yoga"]);
}

#[test]
fn list_rejects_a_page_size_out_of_range() {
    let (_directory, core) = open_core();
    for limit in [0, 501] {
        let error = core
            .contacts
            .list(&ContactListQuery {
                limit,
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(field_names(&error), vec!["limit"]);
    }
}

#[test]
fn tag_counts_count_live_contacts_only() {
    let (_directory, core) = open_core();
    seed_people(&core);
    let page = core.contacts.list(&ContactListQuery::default()).unwrap();
    let maya = page
        .items
        .iter()
        .find(|item| item.display_name == "Maya Lindqvist")
        .unwrap();
    core.contacts.delete(&maya.id).unwrap();
    let counts: Vec<(String, u32)> = core
        .contacts
        .tag_counts()
        .unwrap()
        .into_iter()
        .map(|tag| (tag.name, tag.count))
        .collect();
    assert_eq!(
        counts,
        vec![("Reiki".into(), 1), ("Sleep".into(), 1), ("Yoga".into(), 1)]
    );
}

#[test]
fn list_totals_stay_exact_through_creates_deletes_and_undo() {
    let (directory, core) = open_core();
    seed_people(&core);
    let page = core.contacts.list(&ContactListQuery::default()).unwrap();
    let first = &page.items[0];
    let receipt = core.contacts.delete(&first.id).unwrap();
    core.contacts.create(person("Late Arrival")).unwrap();
    let second = core
        .contacts
        .list(&ContactListQuery::default())
        .unwrap()
        .items[1]
        .id
        .clone();
    core.contacts.delete(&second).unwrap();
    core.undo.change(&receipt.change_id).unwrap();

    let connection = rusqlite::Connection::open(directory.path().join("omnicrm.sqlite3")).unwrap();
    let counted = |sql: &str| -> u32 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
    let live = counted("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL");
    assert_eq!(live, 4);
    assert_eq!(
        core.contacts
            .list(&ContactListQuery::default())
            .unwrap()
            .total,
        live
    );
    let search_total = core
        .contacts
        .list(&ContactListQuery {
            search: Some("a".into()),
            ..Default::default()
        })
        .unwrap()
        .total;
    let search_items = core
        .contacts
        .list(&ContactListQuery {
            search: Some("a".into()),
            limit: 500,
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(search_total as usize, search_items.len());
    assert!(search_items
        .iter()
        .any(|item| item.display_name == "aaron Brooks"));
    let tag_total = core
        .contacts
        .list(&ContactListQuery {
            tag: Some("yoga".into()),
            ..Default::default()
        })
        .unwrap()
        .total;
    let tag_counted = counted(
        "SELECT COUNT(*) FROM contacts c JOIN contact_tags ct ON ct.contact_id = c.id
         JOIN tags t ON t.id = ct.tag_id WHERE t.name = 'yoga' AND c.deleted_at IS NULL",
    );
    assert_eq!(tag_total, tag_counted);
}

//! Keyword search over every kind of record, kept in step with writes, deletes and undo.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{contact, ids, open_core};
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::{ProjectInput, TaskInput};
use omnicrm_core::ErrorCode;
use omnicrm_search::snippet::to_marked_text;
use omnicrm_search::{
    ItemKind, ModeNotice, SearchAudience, SearchFilters, SearchMode, SearchNotice, SearchRequest,
    SearchService,
};

fn keyword_service(core: &omnicrm_core::Core) -> SearchService {
    SearchService::keyword_only(
        core.database.clone(),
        SearchNotice {
            reason: ModeNotice::ModelMissing,
            message: "no model in this test".to_owned(),
        },
    )
}

fn request(text: &str, filters: SearchFilters) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        mode: SearchMode::Keyword,
        filters,
        limit: Some(10),
        // The search box's search (the app asks for it).
        audience: SearchAudience::User,
    }
}

fn email(subject: &str, body: &str, occurred_at: &str, contact_id: &str) -> InteractionInput {
    InteractionInput {
        kind: Some(InteractionKind::Email),
        subject: Some(subject.to_owned()),
        body: Some(body.to_owned()),
        occurred_at: Some(occurred_at.to_owned()),
        contact_ids: vec![contact_id.to_owned()],
        ..InteractionInput::default()
    }
}

#[tokio::test]
async fn every_kind_is_found_grouped_with_the_matching_words_highlighted() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann Massey");
    let note = core
        .notes
        .create(
            &ann,
            NoteInput::plain("Prefers a deep tissue massage on Fridays."),
        )
        .unwrap();
    let mail = core
        .interactions
        .create(email(
            "Massage booking",
            "See you Friday at ten.",
            "2026-03-01T10:00:00Z",
            &ann,
        ))
        .unwrap();
    let task = core
        .tasks
        .create(TaskInput {
            title: "Order massage oil".to_owned(),
            contact_ids: vec![ann.clone()],
            ..TaskInput::default()
        })
        .unwrap();
    let project = core
        .projects
        .create(ProjectInput {
            name: "Massage workshop".to_owned(),
            description: Some("Teach couples massage basics".to_owned()),
            ..ProjectInput::default()
        })
        .unwrap();
    core.notes
        .create(&ann, NoteInput::plain("Quarterly tax filing is due."))
        .unwrap();

    let response = keyword_service(&core)
        .search(request("mass", SearchFilters::default()))
        .await
        .unwrap();

    assert_eq!(response.mode_used, SearchMode::Keyword);
    assert_eq!(
        ids(&response, ItemKind::Contact),
        vec![ann.clone()],
        "Massey by prefix"
    );
    assert_eq!(ids(&response, ItemKind::Note), vec![note.id.clone()]);
    assert_eq!(ids(&response, ItemKind::Interaction), vec![mail.id.clone()]);
    assert_eq!(ids(&response, ItemKind::Task), vec![task.id.clone()]);
    assert_eq!(ids(&response, ItemKind::Project), vec![project.id.clone()]);
    let note_hit = &response
        .groups
        .iter()
        .find(|group| group.kind == ItemKind::Note)
        .unwrap()
        .hits[0];
    assert_eq!(note_hit.contact_id.as_deref(), Some(ann.as_str()));
    assert_eq!(
        to_marked_text(&note_hit.snippet),
        "Prefers a deep tissue «massage» on Fridays."
    );
    let mail_hit = &response
        .groups
        .iter()
        .find(|group| group.kind == ItemKind::Interaction)
        .unwrap()
        .hits[0];
    assert_eq!(mail_hit.title, "Massage booking");
    assert_eq!(mail_hit.contact_id.as_deref(), Some(ann.as_str()));
}

#[tokio::test]
async fn deleting_a_record_removes_it_and_undo_brings_it_back() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let note = core
        .notes
        .create(&ann, NoteInput::plain("Reiki follow-up"))
        .unwrap();
    let search = keyword_service(&core);
    let find = |text: &'static str| {
        let search = search.clone();
        async move {
            ids(
                &search
                    .search(request(text, SearchFilters::default()))
                    .await
                    .unwrap(),
                ItemKind::Note,
            )
        }
    };
    assert_eq!(find("reiki").await, vec![note.id.clone()]);

    let receipt = core.notes.delete(&note.id).unwrap();
    assert!(
        find("reiki").await.is_empty(),
        "a tombstoned note is not found"
    );

    core.undo.change(&receipt.change_id).unwrap();
    assert_eq!(
        find("reiki").await,
        vec![note.id.clone()],
        "undo restores the index row"
    );

    core.notes
        .update(&note.id, NoteInput::plain("Acupuncture follow-up"))
        .unwrap();
    assert!(
        find("reiki").await.is_empty(),
        "the old text is gone from the index"
    );
    assert_eq!(find("acupuncture").await, vec![note.id.clone()]);
}

#[tokio::test]
async fn undoing_a_create_removes_the_record_from_the_index() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let task = core
        .tasks
        .create(TaskInput {
            title: "Send intake form".to_owned(),
            contact_ids: vec![ann],
            ..TaskInput::default()
        })
        .unwrap();
    let history = core.changes.history("task", &task.id).unwrap();
    core.undo.change(&history[0].id).unwrap();
    let response = keyword_service(&core)
        .search(request("intake", SearchFilters::default()))
        .await
        .unwrap();
    assert!(ids(&response, ItemKind::Task).is_empty());
}

#[tokio::test]
async fn filters_narrow_by_kind_contact_tag_and_date() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let bob = contact(&core, "Bob");
    core.tags
        .tag_contacts(std::slice::from_ref(&bob), &["Weekly".to_owned()])
        .unwrap();
    let weekly = core
        .tags
        .list()
        .unwrap()
        .into_iter()
        .find(|entry| entry.tag.name == "Weekly")
        .unwrap()
        .tag
        .id;
    let ann_march = core
        .interactions
        .create(email(
            "Session notes",
            "stretching plan",
            "2026-03-10T09:00:00Z",
            &ann,
        ))
        .unwrap();
    let bob_may = core
        .interactions
        .create(email(
            "Session recap",
            "stretching at home",
            "2026-05-10T09:00:00Z",
            &bob,
        ))
        .unwrap();
    let bob_note = core
        .notes
        .create(&bob, NoteInput::plain("stretching twice a day"))
        .unwrap();
    let search = keyword_service(&core);

    let by_contact = search
        .search(request(
            "stretching",
            SearchFilters {
                contact_id: Some(ann.clone()),
                ..SearchFilters::default()
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        ids(&by_contact, ItemKind::Interaction),
        vec![ann_march.id.clone()]
    );
    assert!(ids(&by_contact, ItemKind::Note).is_empty());

    let by_tag = search
        .search(request(
            "stretching",
            SearchFilters {
                tag_id: Some(weekly),
                ..SearchFilters::default()
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        ids(&by_tag, ItemKind::Interaction),
        vec![bob_may.id.clone()]
    );
    assert_eq!(ids(&by_tag, ItemKind::Note), vec![bob_note.id.clone()]);

    let by_date = search
        .search(request(
            "stretching",
            SearchFilters {
                from: Some("2026-03-01T00:00:00Z".to_owned()),
                to: Some("2026-04-01T00:00:00Z".to_owned()),
                kinds: vec![ItemKind::Interaction],
                ..SearchFilters::default()
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        ids(&by_date, ItemKind::Interaction),
        vec![ann_march.id.clone()]
    );
    assert!(by_date
        .groups
        .iter()
        .all(|group| group.kind == ItemKind::Interaction));
}

#[tokio::test]
async fn a_contact_filter_finds_their_old_records_behind_many_newer_matches() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let bob = contact(&core, "Bob");
    let old = core
        .interactions
        .create(email(
            "Session",
            "first session ever",
            "2020-01-01T09:00:00Z",
            &ann,
        ))
        .unwrap();
    let newer = omnicrm_search::keyword::CANDIDATES as usize + 20;
    for day in 0..newer {
        let occurred_at = format!("2026-01-01T{:02}:{:02}:00Z", day / 60 % 24, day % 60);
        core.interactions
            .create(email("Session", "another session", &occurred_at, &bob))
            .unwrap();
    }
    let response = keyword_service(&core)
        .search(request(
            "session",
            SearchFilters {
                contact_id: Some(ann),
                ..SearchFilters::default()
            },
        ))
        .await
        .unwrap();
    assert_eq!(ids(&response, ItemKind::Interaction), vec![old.id]);
}

#[tokio::test]
async fn newest_matches_are_the_candidates_and_their_text_score_orders_them() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let weak = core
        .interactions
        .create(email(
            "Hello",
            "a long message that mentions yoga once among many other words here",
            "2026-02-01T09:00:00Z",
            &ann,
        ))
        .unwrap();
    let strong = core
        .interactions
        .create(email("Yoga", "yoga yoga", "2026-01-01T09:00:00Z", &ann))
        .unwrap();
    let response = keyword_service(&core)
        .search(request("yoga", SearchFilters::default()))
        .await
        .unwrap();
    assert_eq!(
        ids(&response, ItemKind::Interaction),
        vec![strong.id, weak.id]
    );
}

#[tokio::test]
async fn blank_text_finds_nothing_and_a_bad_date_names_the_field() {
    let (_directory, core) = open_core();
    let search = keyword_service(&core);
    let response = search
        .search(request("  *** ", SearchFilters::default()))
        .await
        .unwrap();
    assert!(response.groups.is_empty());

    let error = search
        .search(request(
            "x",
            SearchFilters {
                from: Some("yesterday".to_owned()),
                ..SearchFilters::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "filters.from");
}

#[tokio::test]
async fn without_the_model_a_hybrid_search_runs_as_keyword_and_says_why() {
    let (directory, core) = open_core();
    let ann = contact(&core, "Ann");
    core.notes
        .create(&ann, NoteInput::plain("hot stone massage"))
        .unwrap();
    let empty_models = directory.path().join("no-models");
    let search = SearchService::with_local_model(core.database.clone(), &empty_models).unwrap();
    let response = search
        .search(SearchRequest {
            text: "massage".to_owned(),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(response.mode_requested, SearchMode::Hybrid);
    assert_eq!(response.mode_used, SearchMode::Keyword);
    assert_eq!(
        response.notice.as_ref().unwrap().reason,
        ModeNotice::ModelMissing
    );
    assert_eq!(ids(&response, ItemKind::Note).len(), 1);
}

#[tokio::test]
async fn a_long_prefix_finds_every_word_it_starts() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let mut expected = Vec::new();
    for body in ["One session booked", "Two sessions booked", "Sessional fee"] {
        expected.push(core.notes.create(&ann, NoteInput::plain(body)).unwrap().id);
    }
    core.notes
        .create(&ann, NoteInput::plain("Unrelated: a seminar"))
        .unwrap();
    for typed in ["sessio", "SESSION", "Séssion"] {
        let response = keyword_service(&core)
            .search(request(typed, SearchFilters::default()))
            .await
            .unwrap();
        let mut found = ids(&response, ItemKind::Note);
        found.sort();
        expected.sort();
        assert_eq!(found, expected, "{typed}");
    }
    let response = keyword_service(&core)
        .search(request("sessionz", SearchFilters::default()))
        .await
        .unwrap();
    assert!(ids(&response, ItemKind::Note).is_empty());
}

/// A long prefix's expansion is remembered between searches while the index is unchanged; a
/// word indexed after a search must still be found by the same prefix on the same service,
/// in the same kind and in another.
#[tokio::test]
async fn a_long_prefix_finds_words_indexed_after_it_was_first_searched() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let first = core
        .notes
        .create(&ann, NoteInput::plain("One session booked"))
        .unwrap();
    let search = keyword_service(&core);
    let response = search
        .search(request("sessio", SearchFilters::default()))
        .await
        .unwrap();
    assert_eq!(ids(&response, ItemKind::Note), vec![first.id.clone()]);

    let second = core
        .notes
        .create(&ann, NoteInput::plain("Sessional fee agreed"))
        .unwrap();
    let mail = core
        .interactions
        .create(email(
            "Sessions",
            "Your sessions next month",
            "2026-03-02T10:00:00Z",
            &ann,
        ))
        .unwrap();
    let response = search
        .search(request("sessio", SearchFilters::default()))
        .await
        .unwrap();
    let mut notes = ids(&response, ItemKind::Note);
    notes.sort();
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(notes, expected);
    assert_eq!(ids(&response, ItemKind::Interaction), vec![mail.id]);
}

#[tokio::test]
async fn a_prefix_of_more_words_than_are_expanded_still_finds_them_all() {
    let (_directory, core) = open_core();
    let ann = contact(&core, "Ann");
    let words = omnicrm_search::keyword::MAX_EXPANSION + 8;
    for number in 0..words {
        core.notes
            .create(&ann, NoteInput::plain(&format!("zumba{number} class")))
            .unwrap();
    }
    let response = keyword_service(&core)
        .search(SearchRequest {
            limit: Some(100),
            ..request("zumba", SearchFilters::default())
        })
        .await
        .unwrap();
    assert_eq!(ids(&response, ItemKind::Note).len(), words);
}

#[tokio::test]
async fn migration_twelve_moves_the_indexed_records_into_one_index_per_kind() {
    use omnicrm_core::migrations::MIGRATIONS;
    use omnicrm_core::store::DATABASE_FILE_NAME;

    omnicrm_search::register_sqlite_vec();
    let directory = tempfile::tempdir().unwrap();
    {
        let connection =
            rusqlite::Connection::open(directory.path().join(DATABASE_FILE_NAME)).unwrap();
        for migration in MIGRATIONS.iter().take(11) {
            connection.execute_batch(migration.sql).unwrap();
        }
        // Written under migration 0010's triggers, into the shared index.
        connection
            .execute_batch(
                "INSERT INTO contacts (id, display_name, sort_name, stage_rank, client_status,
                                       source, created_at, updated_at)
                 VALUES ('c1', 'Ann', 'ann', 7, 'active', 'manual', '2026-01-01T00:00:00.000Z',
                         '2026-01-01T00:00:00.000Z');
                 INSERT INTO notes (id, contact_id, body, created_at, updated_at)
                 VALUES ('n1', 'c1', 'Shiatsu plan for spring', '2026-01-02T00:00:00.000Z',
                         '2026-01-02T00:00:00.000Z');
                 INSERT INTO interactions (id, kind, subject, body, occurred_at, source,
                                           created_at, updated_at)
                 VALUES ('i1', 'email', 'Invoice', 'Shiatsu invoice attached',
                         '2026-01-03T00:00:00.000Z', 'manual', '2026-01-03T00:00:00.000Z',
                         '2026-01-03T00:00:00.000Z');
                 INSERT INTO interaction_contacts (interaction_id, contact_id, occurred_at)
                 VALUES ('i1', 'c1', '2026-01-03T00:00:00.000Z');
                 PRAGMA user_version = 11;",
            )
            .unwrap();
    }
    let core = omnicrm_core::Core::open(directory.path()).unwrap();
    let search = |text: &str| {
        let service = keyword_service(&core);
        let text = text.to_owned();
        async move {
            service
                .search(request(&text, SearchFilters::default()))
                .await
                .unwrap()
        }
    };
    let shiatsu = search("shiatsu").await;
    assert_eq!(ids(&shiatsu, ItemKind::Note), vec!["n1"]);
    assert_eq!(ids(&shiatsu, ItemKind::Interaction), vec!["i1"]);
    let invoice = search("invoice").await;
    assert!(ids(&invoice, ItemKind::Note).is_empty());
    assert_eq!(ids(&invoice, ItemKind::Interaction), vec!["i1"]);
    // Writes after the migration reach the new indexes, and deletes leave them.
    let note = core
        .notes
        .create("c1", NoteInput::plain("Shiatsu again in May"))
        .unwrap();
    assert_eq!(
        ids(&search("may").await, ItemKind::Note),
        vec![note.id.clone()]
    );
    core.notes.delete(&note.id).unwrap();
    assert!(ids(&search("may").await, ItemKind::Note).is_empty());
}

//! Private notes and who a search is for (issue 19): the practitioner's own search finds a
//! client by their private note; the assistant's search (anything whose results may leave the
//! device) is never led to them by it — no match, no ranking, no snippet, neither through the
//! keyword index nor through embeddings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{contact, embed_everything, ids, open_core, service, HashEmbedder};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::Core;
use omnicrm_search::{
    ItemKind, SearchAudience, SearchMode, SearchRequest, SearchResponse, SearchService,
};

const QUERY: &str = "panic disorder";

fn request(audience: SearchAudience, mode: SearchMode) -> SearchRequest {
    SearchRequest {
        text: QUERY.to_owned(),
        mode,
        limit: Some(10),
        audience,
        ..SearchRequest::default()
    }
}

/// Two clients; Paula's note says "panic disorder" (private or not), Sam's notes share a word
/// with the query, so the assistant's search has something else to rank.
struct Clinic {
    _directory: tempfile::TempDir,
    core: Core,
    paula: String,
    paula_note: String,
    sam: String,
    search: SearchService,
}

async fn clinic(private: bool) -> Clinic {
    let (directory, core) = open_core();
    let paula = contact(&core, "Paula Reyes");
    let sam = contact(&core, "Sam Ortiz");
    let paula_note = core
        .notes
        .create(
            &paula,
            NoteInput {
                is_private: private,
                ..NoteInput::plain("History of panic disorder; breathing work before sessions.")
            },
        )
        .unwrap()
        .id;
    core.notes
        .create(
            &sam,
            NoteInput::plain("Sleep disorder, prefers a quiet room and morning sessions."),
        )
        .unwrap();
    // The local model embeds private notes too (they never leave the device that way).
    let embedder = HashEmbedder::local("test-model");
    embed_everything(&core, embedder.clone()).await;
    let search = service(&core, embedder);
    Clinic {
        _directory: directory,
        core,
        paula,
        paula_note,
        sam,
        search,
    }
}

/// Every word shown in any snippet of the response, lowercased.
fn snippet_text(response: &SearchResponse) -> String {
    response
        .groups
        .iter()
        .flat_map(|group| group.hits.iter())
        .flat_map(|hit| hit.snippet.iter().map(|part| part.text.to_lowercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn every_id(response: &SearchResponse) -> Vec<String> {
    response
        .groups
        .iter()
        .flat_map(|group| group.hits.iter())
        .flat_map(|hit| [Some(hit.item_id.clone()), hit.contact_id.clone()])
        .flatten()
        .collect()
}

#[tokio::test]
async fn a_private_note_does_not_lead_the_assistants_search_to_its_client() {
    let clinic = clinic(true).await;
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let response = clinic
            .search
            .search(request(SearchAudience::Assistant, mode))
            .await
            .unwrap();
        assert_eq!(response.mode_used, mode);
        let found = every_id(&response);
        assert!(
            !found.contains(&clinic.paula_note),
            "{mode:?}: the private note was returned: {response:#?}"
        );
        assert!(
            !found.contains(&clinic.paula),
            "{mode:?}: the private note led to its client: {response:#?}"
        );
        let shown = snippet_text(&response);
        assert!(
            !shown.contains("panic") && !shown.contains("breathing"),
            "{mode:?}: a snippet shows the private note: {shown}"
        );
    }

    // The practitioner's own search still finds her, by the private note and through it.
    let response = clinic
        .search
        .search(request(SearchAudience::User, SearchMode::Keyword))
        .await
        .unwrap();
    assert_eq!(
        ids(&response, ItemKind::Note),
        vec![clinic.paula_note.clone()]
    );
    let response = clinic
        .search
        .search(request(SearchAudience::User, SearchMode::Hybrid))
        .await
        .unwrap();
    assert_eq!(
        ids(&response, ItemKind::Note).first(),
        Some(&clinic.paula_note)
    );
    assert_eq!(
        ids(&response, ItemKind::Contact).first(),
        Some(&clinic.paula)
    );
}

#[tokio::test]
async fn a_note_that_is_not_private_leads_the_assistants_search_to_its_client() {
    let clinic = clinic(false).await;
    for mode in [SearchMode::Keyword, SearchMode::Hybrid] {
        let response = clinic
            .search
            .search(request(SearchAudience::Assistant, mode))
            .await
            .unwrap();
        assert_eq!(
            ids(&response, ItemKind::Note).first(),
            Some(&clinic.paula_note),
            "{mode:?}: {response:#?}"
        );
    }
    let response = clinic
        .search
        .search(request(SearchAudience::Assistant, SearchMode::Hybrid))
        .await
        .unwrap();
    assert_eq!(
        ids(&response, ItemKind::Contact).first(),
        Some(&clinic.paula)
    );
    assert!(snippet_text(&response).contains("panic"));
}

#[tokio::test]
async fn a_note_made_private_leaves_the_assistants_search_and_comes_back_when_it_is_not() {
    let clinic = clinic(false).await;
    let note = clinic.core.notes.get(&clinic.paula_note).unwrap();
    let as_private = |private: bool| NoteInput {
        is_private: private,
        ..NoteInput::plain(&note.body)
    };
    clinic
        .core
        .notes
        .update(&clinic.paula_note, as_private(true))
        .unwrap();
    // Not yet re-embedded: the note's old chunks are still stored, and must not count.
    for mode in [SearchMode::Keyword, SearchMode::Hybrid] {
        let response = clinic
            .search
            .search(request(SearchAudience::Assistant, mode))
            .await
            .unwrap();
        let found = every_id(&response);
        assert!(
            !found.contains(&clinic.paula_note) && !found.contains(&clinic.paula),
            "{mode:?}: {response:#?}"
        );
        let response = clinic
            .search
            .search(request(SearchAudience::User, mode))
            .await
            .unwrap();
        assert!(
            ids(&response, ItemKind::Note).contains(&clinic.paula_note),
            "{mode:?}: the user's search lost the private note: {response:#?}"
        );
    }

    clinic
        .core
        .notes
        .update(&clinic.paula_note, as_private(false))
        .unwrap();
    let response = clinic
        .search
        .search(request(SearchAudience::Assistant, SearchMode::Keyword))
        .await
        .unwrap();
    assert_eq!(
        ids(&response, ItemKind::Note),
        vec![clinic.paula_note.clone()]
    );
    // Sam is never in question.
    assert!(!every_id(&response).contains(&clinic.sam));
}

#[tokio::test]
async fn a_deleted_private_note_leaves_the_users_search() {
    let clinic = clinic(true).await;
    clinic.core.notes.delete(&clinic.paula_note).unwrap();
    let response = clinic
        .search
        .search(request(SearchAudience::User, SearchMode::Keyword))
        .await
        .unwrap();
    assert!(ids(&response, ItemKind::Note).is_empty());
}

#[test]
fn a_search_that_does_not_say_whom_it_is_for_is_the_assistants() {
    assert_eq!(SearchRequest::default().audience, SearchAudience::Assistant);
    let from_json: SearchRequest =
        serde_json::from_str(r#"{"text": "panic", "audience": "User"}"#).unwrap();
    assert_eq!(from_json.audience, SearchAudience::Assistant);
}

#[tokio::test]
async fn private_notes_indexed_before_the_upgrade_leave_the_assistants_index() {
    let (directory, core) = open_core();
    let paula = contact(&core, "Paula Reyes");
    let private = core
        .notes
        .create(
            &paula,
            NoteInput {
                is_private: true,
                ..NoteInput::plain("History of panic disorder.")
            },
        )
        .unwrap();
    let public = core
        .notes
        .create(&paula, NoteInput::plain("Panic button by the door."))
        .unwrap();
    // The database as migration 0016 left it: every note in `search_notes_fts`, no private
    // index, the version at 16 (and what later migrations added undone too).
    core.database
        .write(|transaction| {
            transaction.execute_batch(
                "DROP INDEX interactions_calendar_by_time;
                 DROP INDEX contacts_by_birthday;
                 DROP TABLE keep_in_touch_clock;
                 DROP TRIGGER keep_in_touch_clock_after_contact_insert;
                 DROP TRIGGER keep_in_touch_clock_after_contact_restore;
                 DROP TRIGGER keep_in_touch_clock_after_contact_tombstone;
                 DROP TRIGGER keep_in_touch_clock_after_contact_update;
                 DROP TRIGGER keep_in_touch_clock_after_contact_delete;
                 DROP TRIGGER keep_in_touch_clock_after_tagging;
                 DROP TRIGGER keep_in_touch_clock_after_untagging;
                 DROP TRIGGER keep_in_touch_clock_after_tag_update;
                 DROP TRIGGER keep_in_touch_clock_after_tag_delete;
                 DROP TRIGGER keep_in_touch_clock_after_link_insert;
                 DROP TRIGGER keep_in_touch_clock_after_link_update;
                 DROP TRIGGER keep_in_touch_clock_after_link_delete;
                 DROP TRIGGER keep_in_touch_clock_after_interaction_update;
                 DROP TRIGGER keep_in_touch_clock_after_note_insert;
                 DROP TRIGGER keep_in_touch_clock_after_note_update;
                 DROP TRIGGER keep_in_touch_clock_after_note_delete;
                 DROP TABLE keep_in_touch_pending;
                 DROP TABLE keep_in_touch_refresh;
                 DROP TABLE sync_tag_aliases;
                 DROP TABLE unfinished_batches;
                 DROP TABLE reminders;
                 DROP TABLE keep_in_touch;
                 DROP TABLE keep_in_touch_defaults;
                 DROP TABLE access_log;
                 DROP TABLE ai_budget_holds;
                 DROP INDEX ai_usage_by_hold;
                 ALTER TABLE ai_usage DROP COLUMN hold_id;
                 ALTER TABLE ai_usage DROP COLUMN charged_at;
                 ALTER TABLE sync_connection DROP COLUMN member_name;
                 ALTER TABLE sync_conflicts DROP COLUMN other_by;
                 ALTER TABLE sync_conflicts DROP COLUMN other_at;
                 INSERT INTO search_notes_fts (rowid, title, body)
                 SELECT d.doc, '', n.body FROM search_documents d JOIN notes n ON n.id = d.item_id
                 WHERE d.kind = 'note' AND n.is_private <> 0;
                 DROP TABLE search_private_notes_terms;
                 DROP TABLE search_private_notes_fts;
                 DROP INDEX sync_documents_unsent;
                 DELETE FROM schema_migrations WHERE version >= 17;
                 PRAGMA user_version = 16;",
            )?;
            Ok(())
        })
        .unwrap();
    drop(core);
    let old_search = |core: &Core| {
        core.database
            .read(|connection| {
                Ok(connection.query_row(
                    "SELECT count(*) FROM search_notes_fts WHERE search_notes_fts MATCH 'disorder'",
                    [],
                    |row| row.get::<_, i64>(0),
                )?)
            })
            .unwrap()
    };

    let core = Core::open(directory.path()).unwrap();
    assert_eq!(old_search(&core), 0);
    let search = SearchService::keyword_only(
        core.database.clone(),
        omnicrm_search::SearchNotice {
            reason: omnicrm_search::ModeNotice::ModelMissing,
            message: "no model in this test".to_owned(),
        },
    );
    let assistant = search
        .search(request(SearchAudience::Assistant, SearchMode::Keyword))
        .await
        .unwrap();
    assert!(every_id(&assistant).is_empty(), "{assistant:#?}");
    let panic_only = |audience| SearchRequest {
        text: "panic".to_owned(),
        ..request(audience, SearchMode::Keyword)
    };
    let assistant = search
        .search(panic_only(SearchAudience::Assistant))
        .await
        .unwrap();
    assert_eq!(ids(&assistant, ItemKind::Note), vec![public.id.clone()]);
    let user = search
        .search(panic_only(SearchAudience::User))
        .await
        .unwrap();
    let mut found = ids(&user, ItemKind::Note);
    found.sort();
    let mut expected = vec![public.id, private.id];
    expected.sort();
    assert_eq!(found, expected);
}

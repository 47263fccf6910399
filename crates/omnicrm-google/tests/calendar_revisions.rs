//! Calendar events change after they were synced (issue 4): an edited event revises its
//! interaction, a cancelled one removes it, replays change nothing, and undo puts the earlier
//! version back. Against the fake Calendar on loopback and a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sync_harness.rs"]
mod sync_harness;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use omnicrm_core::ingest::{NewSyncBatch, SyncProvider};
use omnicrm_core::interactions::{Interaction, InteractionInput, InteractionKind};
use omnicrm_core::ErrorCode;
use omnicrm_google::calendar::{CalendarClient, EventListing, EventsOutcome};
use omnicrm_google::http_retry::GoogleHttp;
use omnicrm_google::normalize::calendar_raw_event;
use omnicrm_google::{FixedAccessToken, SyncMode, SyncSettings};
use omnicrm_google_fake_server::EventSpec;
use serde_json::{json, Value};
use sync_harness::{harness, report, Harness, OWNER, TOKEN};

fn calendar_only() -> SyncSettings {
    SyncSettings {
        gmail: None,
        ..SyncSettings::everything()
    }
}

/// Two o'clock, `days` days from today (UTC): a time the tests can compare exactly.
fn two_pm_in(days: i64) -> DateTime<Utc> {
    (Utc::now().date_naive() + Duration::days(days))
        .and_hms_opt(14, 0, 0)
        .expect("a time")
        .and_utc()
}

fn session(summary: &str, attendees: &[&str]) -> EventSpec {
    EventSpec::meeting(summary, 1, attendees).at(two_pm_in(1), 60)
}

fn interaction(h: &Harness, event_id: &str) -> Interaction {
    h.core
        .interactions
        .find_by_source("google_calendar", event_id)
        .expect("find")
        .expect("an interaction for the event")
}

/// `(title, at)` of the interactions on a contact's timeline, newest first.
fn timeline(h: &Harness, contact_id: &str) -> Vec<(String, String)> {
    h.core
        .timeline
        .page(contact_id, None, 50)
        .expect("timeline")
        .items
        .into_iter()
        .map(|item| (item.title.unwrap_or_default(), item.at))
        .collect()
}

fn changes(h: &Harness, interaction_id: &str) -> Vec<String> {
    h.core
        .changes
        .history("interaction", interaction_id)
        .expect("history")
        .into_iter()
        .map(|change| change.operation.as_str().to_owned())
        .collect()
}

fn stored_version(h: &Harness, event_id: &str) -> Value {
    let payload = h
        .core
        .ingest
        .raw_payload(SyncProvider::GoogleCalendar, event_id)
        .expect("read")
        .expect("stored");
    serde_json::from_str(&payload).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_event_moves_and_renames_its_interaction() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let first = interaction(&h, &event);
    assert_eq!(first.subject.as_deref(), Some("Intake"));
    assert_eq!(
        first.occurred_at,
        omnicrm_core::time::format_utc(two_pm_in(1))
    );

    let moved = two_pm_in(3);
    assert!(h.google().update_event(
        &event,
        &session("Intake (moved)", &["ada@example.com"])
            .at(moved, 90)
            .location("Studio 2"),
    ));
    let (second_batch, reports) = h.sync_now(&calendar_only()).await;

    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.mode, SyncMode::Incremental);
    assert_eq!(calendar.stored.inserted, 1);
    assert_eq!(calendar.stored.revisions, 1);
    assert_eq!(calendar.normalize.revised, 1);
    let revised = interaction(&h, &event);
    assert_eq!(revised.id, first.id, "the same interaction, revised");
    assert_eq!(revised.subject.as_deref(), Some("Intake (moved)"));
    assert_eq!(revised.occurred_at, omnicrm_core::time::format_utc(moved));
    assert_eq!(revised.duration_minutes, Some(90));
    assert_eq!(revised.source_metadata["location"], "Studio 2");
    assert_eq!(revised.deleted_at, None);
    assert_eq!(
        timeline(&h, &ada),
        vec![(
            "Intake (moved)".to_owned(),
            omnicrm_core::time::format_utc(moved)
        )]
    );
    assert_eq!(changes(&h, &first.id), ["create", "update"]);
    let history = h
        .core
        .changes
        .history("interaction", &first.id)
        .expect("history");
    assert_eq!(
        history.last().and_then(|change| change.batch_id.as_deref()),
        Some(second_batch.as_str()),
        "the edit belongs to the sync that brought it"
    );
    assert_eq!(
        h.raw_events(SyncProvider::GoogleCalendar),
        2,
        "both versions kept"
    );
    assert_eq!(stored_version(&h, &event)["summary"], "Intake (moved)");
    assert_eq!(h.live_interactions(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_leaves_the_contacts_timeline_and_undo_brings_it_back() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let cancelled = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.google()
        .add_event(&EventSpec::meeting("Follow-up", 5, &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    assert_eq!(timeline(&h, &ada).len(), 2);
    let before = interaction(&h, &cancelled);

    assert!(h.google().cancel_event(&cancelled));
    let (cancelling_batch, reports) = h.sync_now(&calendar_only()).await;

    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.normalize.removed, 1);
    let titles: Vec<String> = timeline(&h, &ada)
        .into_iter()
        .map(|(title, _)| title)
        .collect();
    assert_eq!(titles, ["Follow-up"]);
    let gone = interaction(&h, &cancelled);
    assert!(gone.deleted_at.is_some(), "tombstoned, not erased");
    assert_eq!(changes(&h, &before.id), ["create", "delete"]);
    assert_eq!(stored_version(&h, &cancelled)["status"], "cancelled");

    let undone = h
        .sync
        .undo(None, &cancelling_batch)
        .await
        .expect("undo the cancellation");
    assert_eq!(
        undone.interactions_removed, 0,
        "nothing it made, one it removed"
    );
    let back = interaction(&h, &cancelled);
    assert_eq!(back.deleted_at, None);
    assert_eq!(back.subject.as_deref(), Some("Intake"));
    assert_eq!(timeline(&h, &ada).len(), 2);
    assert_eq!(
        stored_version(&h, &cancelled)["status"],
        "confirmed",
        "the version before the cancellation is current again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_same_versions_changes_nothing() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    h.google().update_event(
        &event,
        &session("Intake (moved)", &["ada@example.com"]).at(two_pm_in(2), 60),
    );
    h.sync_now(&calendar_only()).await;
    let revised = interaction(&h, &event);
    let change_count = changes(&h, &revised.id).len();

    // Nothing changed: the incremental sync lists nothing.
    let (_, reports) = h.sync_now(&calendar_only()).await;
    assert_eq!(report(&reports, SyncProvider::GoogleCalendar).listed, 0);

    // A full resync lists the event again in the version already stored.
    h.google().expire_sync_tokens();
    let (_, reports) = h.sync_now(&calendar_only()).await;
    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.mode, SyncMode::FullAfterExpiredCursor);
    assert_eq!(calendar.stored.inserted, 0);
    assert_eq!(calendar.stored.already_stored, 1);
    assert_eq!(calendar.normalize.revised, 0);

    // The same pages stored again by hand, in a new batch: the first version and the second
    // are both known, so nothing is stored and nothing applied.
    let first_version = h.text(&format!(
        "SELECT payload_json FROM raw_events WHERE source_id = '{event}' \
         ORDER BY source_updated_at LIMIT 1"
    ));
    let second_version = stored_version(&h, &event);
    let batch = approve_by_hand(&h);
    let items: Vec<_> = [
        serde_json::from_str::<Value>(&first_version).expect("json"),
        second_version,
    ]
    .iter()
    .filter_map(|event| calendar_raw_event(event, OWNER))
    .collect();
    let stored = h
        .core
        .ingest
        .store_page(&batch, &items, None)
        .expect("store");
    assert_eq!(stored.inserted, 0);
    assert_eq!(stored.already_stored, 2);
    h.core
        .ingest
        .normalize_pending(&batch, 100)
        .expect("normalize");

    let after = interaction(&h, &event);
    assert_eq!(after, revised, "the interaction is untouched");
    assert_eq!(changes(&h, &revised.id).len(), change_count);
    assert_eq!(h.raw_events(SyncProvider::GoogleCalendar), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_version_read_late_is_kept_but_never_applied() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    h.google()
        .update_event(&event, &session("Intake (final)", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let current = stored_version(&h, &event);

    // A version older than the current one, as a slow page would bring it after the newer one.
    let mut stale = current.clone();
    stale["etag"] = json!("\"in-between\"");
    stale["summary"] = json!("Intake (draft)");
    let updated = omnicrm_core::time::parse_utc(current["updated"].as_str().expect("updated"))
        .expect("a time")
        - Duration::seconds(1);
    stale["updated"] = json!(omnicrm_core::time::format_utc(updated));
    let batch = approve_by_hand(&h);
    let items: Vec<_> = calendar_raw_event(&stale, OWNER).into_iter().collect();
    let stored = h
        .core
        .ingest
        .store_page(&batch, &items, None)
        .expect("store");
    assert_eq!(stored.inserted, 1, "kept, as the provider sent it");
    assert_eq!(stored.outdated, 1);
    let outcome = h
        .core
        .ingest
        .normalize_pending(&batch, 100)
        .expect("normalize");
    assert_eq!(outcome.processed(), 0, "nothing was waiting to be applied");

    assert_eq!(
        interaction(&h, &event).subject.as_deref(),
        Some("Intake (final)")
    );
    assert_eq!(stored_version(&h, &event)["summary"], "Intake (final)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_the_revising_sync_restores_the_earlier_version_then_the_first_sync_can_be_undone()
{
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    let (first_batch, _) = h.sync_now(&calendar_only()).await;
    let original = interaction(&h, &event);
    h.google().update_event(
        &event,
        &session("Intake (moved)", &["ada@example.com"]).at(two_pm_in(4), 30),
    );
    let (second_batch, _) = h.sync_now(&calendar_only()).await;
    assert_eq!(
        interaction(&h, &event).subject.as_deref(),
        Some("Intake (moved)")
    );

    let refused = h
        .sync
        .undo(None, &first_batch)
        .await
        .expect_err("the later sync's edit is still live");
    assert_eq!(refused.code, ErrorCode::UndoUnavailable);
    assert_eq!(h.live_interactions(), 1, "a refused undo changes nothing");

    let undone = h.sync.undo(None, &second_batch).await.expect("undo");
    assert_eq!(undone.raw_events_removed, 1, "only the newer version goes");
    assert_eq!(undone.interactions_removed, 0);
    let restored = interaction(&h, &event);
    assert_eq!(restored.id, original.id);
    assert_eq!(
        restored.deleted_at, None,
        "the revision is undone, not the event"
    );
    assert_eq!(restored.subject, original.subject);
    assert_eq!(restored.occurred_at, original.occurred_at);
    assert_eq!(restored.duration_minutes, original.duration_minutes);
    assert_eq!(timeline(&h, &ada).len(), 1);
    assert_eq!(stored_version(&h, &event)["summary"], "Intake");

    let undone = h
        .sync
        .undo(None, &first_batch)
        .await
        .expect("undo the first");
    assert_eq!(undone.interactions_removed, 1);
    assert_eq!(h.live_interactions(), 0);
    assert!(timeline(&h, &ada).is_empty());
    assert_eq!(h.raw_events(SyncProvider::GoogleCalendar), 0);

    // A sync after both undos brings the event back as it is now.
    h.sync_now(&calendar_only()).await;
    let again = interaction(&h, &event);
    assert_eq!(again.deleted_at, None);
    assert_eq!(again.subject.as_deref(), Some("Intake (moved)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_edited_then_cancelled_between_syncs_is_removed_and_undo_restores_the_original() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let original = interaction(&h, &event);
    h.google().update_event(
        &event,
        &session("Intake (moved)", &["ada@example.com"]).at(two_pm_in(2), 60),
    );
    h.google().cancel_event(&event);

    let (batch, reports) = h.sync_now(&calendar_only()).await;
    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(
        calendar.listed, 1,
        "Google lists only the event's latest state"
    );
    assert_eq!(calendar.normalize.removed, 1);
    assert!(timeline(&h, &ada).is_empty());

    h.sync.undo(None, &batch).await.expect("undo");
    let restored = interaction(&h, &event);
    assert_eq!(restored.deleted_at, None);
    assert_eq!(restored.subject.as_deref(), Some("Intake"));
    assert_eq!(restored.occurred_at, original.occurred_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_and_a_cancellation_read_in_one_sync_are_applied_in_order_and_undone_together() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let original = interaction(&h, &event);
    let first = stored_version(&h, &event);
    let first_updated =
        omnicrm_core::time::parse_utc(first["updated"].as_str().expect("updated")).expect("time");

    // One batch reads the edit on one page and the cancellation on the next (a crash re-read
    // of a changes listing can do that).
    let mut edited = first.clone();
    edited["etag"] = json!("\"edited\"");
    edited["summary"] = json!("Intake (moved)");
    edited["updated"] = json!(omnicrm_core::time::format_utc(
        first_updated + Duration::minutes(1)
    ));
    let cancellation = json!({
        "kind": "calendar#event", "id": event, "status": "cancelled", "etag": "\"cancelled\"",
        "updated": omnicrm_core::time::format_utc(first_updated + Duration::minutes(2)),
    });
    let batch = approve_by_hand(&h);
    for page in [&edited, &cancellation] {
        let items: Vec<_> = calendar_raw_event(page, OWNER).into_iter().collect();
        let stored = h
            .core
            .ingest
            .store_page(&batch, &items, None)
            .expect("store");
        assert_eq!(stored.revisions, 1);
    }
    let outcome = h
        .core
        .ingest
        .normalize_pending(&batch, 100)
        .expect("normalize");
    assert_eq!(outcome.revised, 1);
    assert_eq!(outcome.removed, 1);
    assert!(timeline(&h, &ada).is_empty());
    assert_eq!(changes(&h, &original.id), ["create", "update", "delete"]);

    h.sync.undo(None, &batch).await.expect("undo");
    let restored = interaction(&h, &event);
    assert_eq!(restored.deleted_at, None);
    assert_eq!(restored.subject.as_deref(), Some("Intake"));
    assert_eq!(stored_version(&h, &event)["summary"], "Intake");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_own_edit_stays_unless_the_provider_changes_the_same_field() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let synced = interaction(&h, &event);
    h.core
        .interactions
        .update(
            &synced.id,
            InteractionInput {
                kind: Some(synced.kind),
                subject: Some("Intake with Ada (first session)".to_owned()),
                body: Some("Bring the consent form".to_owned()),
                occurred_at: Some(synced.occurred_at.clone()),
                duration_minutes: synced.duration_minutes,
                contact_ids: synced.contact_ids.clone(),
                source: None,
                source_id: None,
                source_metadata: synced.source_metadata.clone(),
            },
        )
        .expect("the user's edit");

    // Google moves the event: the time is Google's, the title and notes stay the user's.
    let moved = two_pm_in(2);
    h.google().update_event(
        &event,
        &session("Intake", &["ada@example.com"]).at(moved, 60),
    );
    h.sync_now(&calendar_only()).await;
    let after_move = interaction(&h, &event);
    assert_eq!(
        after_move.occurred_at,
        omnicrm_core::time::format_utc(moved)
    );
    assert_eq!(
        after_move.subject.as_deref(),
        Some("Intake with Ada (first session)")
    );
    assert_eq!(after_move.body.as_deref(), Some("Bring the consent form"));

    // Google renames it: the later change wins.
    h.google().update_event(
        &event,
        &session("Assessment", &["ada@example.com"]).at(moved, 60),
    );
    h.sync_now(&calendar_only()).await;
    let after_rename = interaction(&h, &event);
    assert_eq!(after_rename.subject.as_deref(), Some("Assessment"));
    assert_eq!(after_rename.body.as_deref(), Some("Bring the consent form"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_taken_off_the_guest_list_loses_the_meeting_from_their_timeline() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let grace = h.contact("Grace Hopper", "grace@example.com");
    let event = h.google().add_event(&session(
        "Group session",
        &["ada@example.com", "grace@example.com"],
    ));
    h.sync_now(&calendar_only()).await;
    assert_eq!(timeline(&h, &grace).len(), 1);

    h.google()
        .update_event(&event, &session("Group session", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    assert_eq!(interaction(&h, &event).contact_ids, vec![ada.clone()]);
    assert!(timeline(&h, &grace).is_empty());
    assert_eq!(timeline(&h, &ada).len(), 1);

    // Nobody who is a contact is left: the meeting leaves every timeline.
    h.google()
        .update_event(&event, &session("Group session", &["someone@example.org"]));
    h.sync_now(&calendar_only()).await;
    assert!(interaction(&h, &event).deleted_at.is_some());
    assert!(timeline(&h, &ada).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interaction_the_user_deleted_stays_deleted_when_its_event_changes() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let synced = interaction(&h, &event);
    h.core
        .interactions
        .delete(&synced.id)
        .expect("the user deletes it");

    h.google()
        .update_event(&event, &session("Intake (moved)", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let after = interaction(&h, &event);
    assert!(after.deleted_at.is_some());
    assert_eq!(after.subject.as_deref(), Some("Intake"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_restored_after_its_cancellation_comes_back_as_it_is_now() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    h.google().cancel_event(&event);
    h.sync_now(&calendar_only()).await;
    assert!(timeline(&h, &ada).is_empty());

    h.google()
        .update_event(&event, &session("Intake (rebooked)", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    let back = interaction(&h, &event);
    assert_eq!(back.deleted_at, None);
    assert_eq!(back.subject.as_deref(), Some("Intake (rebooked)"));
    assert_eq!(back.kind, InteractionKind::Meeting);
    assert_eq!(changes(&h, &back.id), ["create", "delete", "restore"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_calendar_lists_edits_and_cancellations_as_the_calendar_api_does() {
    let h = harness().await;
    let http = GoogleHttp::new(
        Arc::new(FixedAccessToken(TOKEN.to_owned())),
        sync_harness::fast_retry(),
    )
    .expect("http");
    let client = CalendarClient::new(http, &h.server.calendar_api_base());
    let page = |outcome: EventsOutcome| match outcome {
        EventsOutcome::Page(page) => page,
        EventsOutcome::SyncTokenExpired => panic!("the token is fresh"),
    };
    let window = EventListing::Window {
        start: Utc::now() - Duration::days(1),
        end: Utc::now() + Duration::days(30),
        show_deleted: false,
    };
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    let first = page(client.list_events(&window, None, 50).await.expect("list"));
    let created = first.items.first().expect("the event").clone();
    let token = first
        .next_sync_token
        .expect("a sync token on the last page");

    assert!(h
        .google()
        .update_event(&event, &session("Intake (moved)", &["ada@example.com"])));
    let changes = EventListing::Changes { sync_token: token };
    let second = page(client.list_events(&changes, None, 50).await.expect("list"));
    let edited = second.items.first().expect("the edit").clone();
    assert_eq!(second.items.len(), 1);
    assert_eq!(edited["id"], event.as_str());
    assert_eq!(edited["summary"], "Intake (moved)");
    assert_ne!(edited["etag"], created["etag"]);
    assert!(edited["updated"].as_str() > created["updated"].as_str());
    assert_eq!(edited["created"], created["created"]);
    assert_eq!(edited["sequence"], 1);

    assert!(h.google().cancel_event(&event));
    let changes = EventListing::Changes {
        sync_token: second.next_sync_token.expect("a sync token"),
    };
    let third = page(client.list_events(&changes, None, 50).await.expect("list"));
    let cancelled = third.items.first().expect("the cancellation");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["id"], event.as_str());
    assert!(cancelled["updated"].as_str() > edited["updated"].as_str());
    assert!(
        cancelled.get("summary").is_none() && cancelled.get("start").is_none(),
        "a deleted event is sent bare: {cancelled}"
    );
    let listed = page(client.list_events(&window, None, 50).await.expect("list"));
    assert!(
        listed.items.is_empty(),
        "a window listing leaves cancelled events out"
    );
    assert!(!h.google().update_event("no-such-event", &session("x", &[])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_cancelled_while_the_sync_token_had_expired_is_removed_by_the_full_resync() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let event = h
        .google()
        .add_event(&session("Intake", &["ada@example.com"]));
    h.sync_now(&calendar_only()).await;
    h.google().expire_sync_tokens();
    h.google().cancel_event(&event);

    let (_, reports) = h.sync_now(&calendar_only()).await;
    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.mode, SyncMode::FullAfterExpiredCursor);
    assert_eq!(calendar.normalize.removed, 1);
    assert!(timeline(&h, &ada).is_empty());
    assert!(h.google().requests("showDeleted=true") >= 1);
}

/// A batch approved and started outside the sync, for pages stored by hand.
fn approve_by_hand(h: &Harness) -> String {
    let batch = h
        .core
        .ingest
        .approve(NewSyncBatch {
            account_id: h.account.account_id.clone(),
            account_email: OWNER.to_owned(),
            providers: vec![SyncProvider::GoogleCalendar],
            settings: serde_json::to_value(calendar_only()).expect("settings"),
        })
        .expect("approve");
    h.core.ingest.start_batch(&batch.id).expect("start");
    batch.id
}

//! Preview, first sync, incremental syncs, expired cursors, faults and undo, against the fake
//! Gmail and Calendar on loopback and a real SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sync_harness.rs"]
mod sync_harness;

use std::time::{Duration, Instant};

use chrono::Utc;
use omnicrm_core::ingest::{AuditAction, SuggestionStatus, SyncBatchStatus, SyncProvider};
use omnicrm_core::interactions::InteractionKind;
use omnicrm_core::ErrorCode;
use omnicrm_google::{NoProgress, SyncMode, SyncSettings};
use omnicrm_google_fake_server::{EventSpec, Fault, MessageBody, MessageSpec};
use sync_harness::{harness, harness_with_token, report, OWNER};

fn ada_mail(subject: &str) -> MessageSpec {
    MessageSpec::received(
        "Ada Lovelace <ada@example.com>",
        OWNER,
        subject,
        "Hello there",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_counts_by_label_and_samples_subjects_without_storing_anything() {
    let h = harness().await;
    for number in 0..12 {
        h.google()
            .add_message(&ada_mail(&format!("Booking {number}")));
    }
    h.google()
        .add_message(&ada_mail("Sale!").labels(&["INBOX", "CATEGORY_PROMOTIONS"]));
    h.google().add_message(&MessageSpec::sent(
        OWNER,
        "ada@example.com",
        "Re: Booking",
        "Yes",
    ));
    h.google()
        .add_message(&ada_mail("Old").at(Utc::now() - chrono::Duration::days(45)));
    for number in 0..7 {
        h.google().add_event(&EventSpec::meeting(
            &format!("Session {number}"),
            2,
            &["ada@example.com"],
        ));
    }
    h.google()
        .add_event(&EventSpec::meeting("Far away", 90, &["ada@example.com"]));

    let preview = h
        .sync
        .preview(&h.account, &SyncSettings::everything())
        .await
        .expect("preview");

    let gmail = preview.gmail.expect("gmail preview");
    assert_eq!(
        gmail.estimated_messages, 12,
        "promotions, sent and old mail are not counted"
    );
    assert_eq!(gmail.sample_subjects.len(), 10);
    assert!(gmail
        .sample_subjects
        .iter()
        .all(|subject| subject.starts_with("Booking")));
    let label = |name: &str| {
        gmail
            .by_label
            .iter()
            .find(|count| count.label == name)
            .map(|count| count.messages)
    };
    assert_eq!(label("INBOX"), Some(12));
    assert_eq!(label("SENT"), Some(1));
    assert_eq!(label("STARRED"), Some(0));
    assert!(gmail.query.contains("-category:promotions"));
    let calendar = preview.calendar.expect("calendar preview");
    assert_eq!(calendar.events, 7);
    assert_eq!(calendar.sample_titles.len(), 5);

    assert_eq!(h.count("SELECT COUNT(*) FROM raw_events"), 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM sync_batches"), 0);
    let audit = h
        .core
        .ingest
        .audit_of_account("account-1", 10)
        .expect("audit");
    assert_eq!(
        audit
            .iter()
            .filter(|entry| entry.action == AuditAction::Preview)
            .count(),
        2
    );
    assert!(
        !serde_json::to_string(&audit)
            .expect("json")
            .contains("Booking"),
        "the audit keeps counts, not message content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_stores_raw_mail_and_events_links_contacts_and_suggests_unknown_people() {
    let h = harness().await;
    let ada = h.contact("Ada Lovelace", "ada@example.com");
    let plain = h.google().add_message(&ada_mail("Booking for Tuesday"));
    h.google().add_message(
        &ada_mail("Rich")
            .body(MessageBody::Alternative {
                text: "Plain version".to_owned(),
                html: "<p>Html version</p>".to_owned(),
            })
            .thread("thread-7"),
    );
    h.google()
        .add_message(&ada_mail("Html only").body(MessageBody::HtmlOnly(
            "<div>See&nbsp;you <b>soon</b></div>".to_owned(),
        )));
    h.google().add_message(
        &ada_mail("=?UTF-8?B?Q2Fmw6kgb24gRnJpZGF5?=")
            .body(MessageBody::Plain("Un café à deux".to_owned()))
            .charset("iso-8859-1"),
    );
    h.google().add_message(&MessageSpec::received(
        "Bob Stone <bob@example.com>",
        OWNER,
        "New client?",
        "Hi",
    ));
    h.google().add_message(&MessageSpec::sent(
        OWNER,
        "Carol <carol@example.com>",
        "Welcome",
        "Hi Carol",
    ));
    h.google().add_message(&MessageSpec::sent(
        OWNER,
        "ada@example.com",
        "Re: Booking",
        "Confirmed",
    ));
    h.google()
        .add_message(&ada_mail("Sale").labels(&["INBOX", "CATEGORY_PROMOTIONS"]));
    h.google().add_message(&MessageSpec::received(
        "noreply@shop.example",
        OWNER,
        "Receipt",
        "Thanks",
    ));
    h.google().add_message(
        &MessageSpec::received("News <news@letters.example>", OWNER, "Weekly", "News")
            .header("List-Unsubscribe", "<mailto:unsubscribe@letters.example>"),
    );
    h.google().add_event(
        &EventSpec::meeting(
            "Intake session",
            1,
            &["ada@example.com", "dave@example.com"],
        )
        .location("Studio 2"),
    );
    h.google()
        .add_event(&EventSpec::meeting("Admin block", 2, &[]));

    let (batch_id, reports) = h.sync_now(&SyncSettings::everything()).await;

    let gmail = report(&reports, SyncProvider::Gmail);
    assert_eq!(gmail.mode, SyncMode::Full);
    assert_eq!(
        gmail.stored.inserted, 9,
        "seven received (no promotion) and two sent"
    );
    assert_eq!(h.raw_events(SyncProvider::Gmail), 9);
    assert_eq!(h.raw_events(SyncProvider::GoogleCalendar), 2);

    let stored = h
        .core
        .ingest
        .raw_payload(SyncProvider::Gmail, &plain)
        .expect("read")
        .expect("stored");
    let payload: serde_json::Value = serde_json::from_str(&stored).expect("json");
    assert_eq!(payload["id"], plain.as_str());
    assert!(
        payload["payload"]["headers"].is_array(),
        "the raw event is the whole resource"
    );

    let interaction = h
        .core
        .interactions
        .find_by_source("gmail", &plain)
        .expect("find")
        .expect("an interaction");
    assert_eq!(interaction.kind, InteractionKind::Email);
    assert_eq!(interaction.subject.as_deref(), Some("Booking for Tuesday"));
    assert_eq!(interaction.body.as_deref(), Some("Hello there"));
    assert_eq!(interaction.contact_ids, vec![ada.clone()]);
    assert_eq!(interaction.source_metadata["direction"], "inbound");

    let bodies = h.count(
        "SELECT COUNT(*) FROM interactions WHERE body IN ('Plain version', 'See you soon', 'Un café à deux')",
    );
    assert_eq!(
        bodies, 3,
        "plain part preferred, HTML turned to text, Latin-1 decoded"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM interactions WHERE subject = 'Café on Friday'"),
        1
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM interactions WHERE json_extract(source_metadata_json, '$.direction') = 'outbound'"),
        1,
        "the reply to Ada is outgoing"
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM interactions WHERE json_extract(source_metadata_json, '$.thread_id') = 'thread-7'"), 1);

    let meeting = h
        .count("SELECT COUNT(*) FROM interactions WHERE kind = 'meeting' AND json_extract(source_metadata_json, '$.location') = 'Studio 2'");
    assert_eq!(meeting, 1);
    assert_eq!(
        h.live_interactions(),
        6,
        "five mails with Ada and the intake meeting"
    );

    let suggestions = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("suggestions");
    let mut emails: Vec<&str> = suggestions
        .iter()
        .map(|suggestion| suggestion.email.as_str())
        .collect();
    emails.sort_unstable();
    assert_eq!(
        emails,
        vec!["bob@example.com", "carol@example.com", "dave@example.com"]
    );
    let bob = suggestions
        .iter()
        .find(|suggestion| suggestion.email == "bob@example.com")
        .expect("bob");
    assert_eq!(bob.display_name.as_deref(), Some("Bob Stone"));
    assert_eq!(bob.reason, "Emailed you: \"New client?\"");
    let carol = suggestions
        .iter()
        .find(|suggestion| suggestion.email == "carol@example.com")
        .expect("carol");
    assert_eq!(carol.reason, "You emailed them: \"Welcome\"");

    let batch = h.core.ingest.batch(&batch_id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Completed);
    assert_eq!(batch.fetched, 11);
    let actions: Vec<AuditAction> = h
        .core
        .ingest
        .audit_of_batch(&batch_id)
        .expect("audit")
        .iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(
        actions,
        vec![AuditAction::Approve, AuditAction::Run, AuditAction::Run]
    );

    let approval = h
        .core
        .ingest
        .approve_suggestion(&bob.id, None)
        .expect("approve");
    assert_eq!(approval.contact.display_name, "Bob Stone");
    assert_eq!(
        approval.linked_interactions, 1,
        "Bob's waiting mail is linked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_syncs_bring_new_mail_and_events_and_nothing_twice() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    for number in 0..5 {
        h.google()
            .add_message(&ada_mail(&format!("First {number}")));
    }
    h.google().add_event(&EventSpec::meeting(
        "First session",
        1,
        &["ada@example.com"],
    ));
    let (_, first) = h.sync_now(&SyncSettings::everything()).await;
    assert_eq!(report(&first, SyncProvider::Gmail).stored.inserted, 5);

    h.google().add_message(&ada_mail("Second 1"));
    h.google().add_message(&MessageSpec::sent(
        OWNER,
        "ada@example.com",
        "Second 2",
        "Sent one",
    ));
    h.google()
        .add_message(&ada_mail("Promo").labels(&["INBOX", "CATEGORY_PROMOTIONS"]));
    h.google().add_event(&EventSpec::meeting(
        "Second session",
        3,
        &["ada@example.com"],
    ));
    let (_, second) = h.sync_now(&SyncSettings::everything()).await;
    let gmail = report(&second, SyncProvider::Gmail);
    assert_eq!(gmail.mode, SyncMode::Incremental);
    assert_eq!(
        gmail.stored.inserted, 2,
        "received and sent mail, no promotion"
    );
    assert_eq!(gmail.excluded, 1);
    assert!(gmail.missed_by_cursor.is_empty());
    let calendar = report(&second, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.mode, SyncMode::Incremental);
    assert_eq!(calendar.stored.inserted, 1);
    assert_eq!(h.live_interactions(), 9);

    let (_, third) = h.sync_now(&SyncSettings::everything()).await;
    assert_eq!(report(&third, SyncProvider::Gmail).stored.inserted, 0);
    assert_eq!(
        report(&third, SyncProvider::GoogleCalendar).stored.inserted,
        0
    );
    assert_eq!(h.live_interactions(), 9);
    assert_eq!(h.count("SELECT COUNT(*) FROM raw_events"), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_gmail_history_falls_back_to_a_bounded_full_sync() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    for number in 0..4 {
        h.google()
            .add_message(&ada_mail(&format!("Before {number}")));
    }
    let gmail_only = SyncSettings {
        calendar: None,
        ..SyncSettings::everything()
    };
    h.sync_now(&gmail_only).await;
    h.google().expire_history();
    let late = h.google().add_message(&ada_mail("After expiry"));

    let (_, reports) = h.sync_now(&gmail_only).await;
    let gmail = report(&reports, SyncProvider::Gmail);
    assert_eq!(gmail.mode, SyncMode::FullAfterExpiredCursor);
    assert_eq!(gmail.stored.inserted, 1);
    assert_eq!(gmail.fetched, 1, "stored messages are not fetched again");
    assert!(h
        .core
        .interactions
        .find_by_source("gmail", &late)
        .expect("find")
        .is_some());
    assert_eq!(h.raw_events(SyncProvider::Gmail), 5);

    h.google().add_message(&ada_mail("Later still"));
    let (_, reports) = h.sync_now(&gmail_only).await;
    assert_eq!(
        report(&reports, SyncProvider::Gmail).mode,
        SyncMode::Incremental
    );
    assert_eq!(h.raw_events(SyncProvider::Gmail), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_calendar_sync_token_triggers_a_full_resync() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    h.google()
        .add_event(&EventSpec::meeting("One", 1, &["ada@example.com"]));
    h.google()
        .add_event(&EventSpec::meeting("Two", 2, &["ada@example.com"]));
    let calendar_only = SyncSettings {
        gmail: None,
        ..SyncSettings::everything()
    };
    h.sync_now(&calendar_only).await;
    h.google().expire_sync_tokens();
    h.google()
        .add_event(&EventSpec::meeting("Three", 3, &["ada@example.com"]));

    let (_, reports) = h.sync_now(&calendar_only).await;
    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.mode, SyncMode::FullAfterExpiredCursor);
    assert_eq!(calendar.stored.inserted, 1);
    assert_eq!(calendar.stored.already_stored, 2);
    assert_eq!(h.raw_events(SyncProvider::GoogleCalendar), 3);
    assert!(h.google().requests("syncToken=") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_after_the_wait_google_asks_for() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    for number in 0..6 {
        h.google()
            .add_message(&ada_mail(&format!("Retry {number}")));
    }
    h.google().inject_fault(
        Fault::new("/users/me/messages/", 429)
            .retry_after(1)
            .times(2),
    );
    h.google()
        .inject_fault(Fault::new("/users/me/messages?", 500));
    h.google()
        .inject_fault(Fault::new("/calendars/primary/events", 503));
    let started = Instant::now();
    let (_, reports) = h.sync_now(&SyncSettings::everything()).await;
    let elapsed = started.elapsed();

    assert_eq!(
        report(&reports, SyncProvider::Gmail).stored.inserted,
        6,
        "nothing lost"
    );
    assert!(
        elapsed >= Duration::from_secs(1),
        "Retry-After was not honoured: {elapsed:?}"
    );
    assert_eq!(
        h.google().requests("/users/me/messages/"),
        6 + 2,
        "two fetches were retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_keeps_failing_fails_the_run_and_the_batch_says_why() {
    let h = harness().await;
    h.google().add_message(&ada_mail("Never"));
    h.google()
        .inject_fault(Fault::new("/users/me/", 500).times(100));
    let gmail_only = SyncSettings {
        calendar: None,
        ..SyncSettings::everything()
    };
    let approved = h
        .sync
        .approve(&h.queue, &h.account, &gmail_only)
        .await
        .expect("approve");
    let error = h
        .sync
        .run(&approved.batch.id, SyncProvider::Gmail, &NoProgress)
        .await
        .expect_err("fails");
    assert_eq!(error.code, ErrorCode::Network);
    let batch = h.core.ingest.batch(&approved.batch.id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Failed);
    let audit = h
        .core
        .ingest
        .audit_of_batch(&approved.batch.id)
        .expect("audit");
    assert!(audit
        .iter()
        .any(|entry| entry.action == AuditAction::Run && !entry.succeeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_is_auth_required() {
    let h = harness_with_token("stale-token").await;
    h.google().add_message(&ada_mail("Hidden"));
    let approved = h
        .sync
        .approve(&h.queue, &h.account, &SyncSettings::everything())
        .await
        .expect("approve");
    let error = h
        .sync
        .run(&approved.batch.id, SyncProvider::Gmail, &NoProgress)
        .await
        .expect_err("refused");
    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert_eq!(h.count("SELECT COUNT(*) FROM raw_events"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reconciliation_check_finds_mail_the_history_missed() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    h.google().add_message(&ada_mail("Seen"));
    let gmail_only = SyncSettings {
        calendar: None,
        ..SyncSettings::everything()
    };
    h.sync_now(&gmail_only).await;
    let lost = h
        .google()
        .add_message_without_history(&ada_mail("Lost by history"));
    let found = h.google().add_message(&ada_mail("In history"));

    let (batch_id, reports) = h.sync_now(&gmail_only).await;
    let gmail = report(&reports, SyncProvider::Gmail);
    assert_eq!(gmail.missed_by_cursor, vec![lost.clone()]);
    assert!(h
        .core
        .interactions
        .find_by_source("gmail", &lost)
        .expect("find")
        .is_some());
    assert!(h
        .core
        .interactions
        .find_by_source("gmail", &found)
        .expect("find")
        .is_some());
    let audit = h.core.ingest.audit_of_batch(&batch_id).expect("audit");
    let reconcile = audit
        .iter()
        .find(|entry| entry.action == AuditAction::Reconcile)
        .expect("a reconcile entry");
    assert_eq!(reconcile.details["missed"], serde_json::json!([lost]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_a_sync_keeps_approved_contacts_the_user_noted_tagged_edited_or_linked_since() {
    let h = harness().await;
    let people = ["bob", "carol", "dan", "erin", "fay"];
    for person in people {
        h.google().add_message(&MessageSpec::received(
            &format!("{person} <{person}@example.com>"),
            OWNER,
            "Hello",
            "Hi",
        ));
    }
    let contacts_before = h.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL");
    let (batch_id, _) = h.sync_now(&SyncSettings::everything()).await;
    let pending = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("suggestions");
    let mut approved = std::collections::HashMap::new();
    for person in people {
        let suggestion = pending
            .iter()
            .find(|suggestion| suggestion.email == format!("{person}@example.com"))
            .expect("suggested");
        let approval = h
            .core
            .ingest
            .approve_suggestion(&suggestion.id, None)
            .expect("approve");
        approved.insert(person, approval.contact);
    }
    // Bob is left as the sync made him. The user makes the others their own.
    let note = h
        .core
        .notes
        .create(
            &approved["carol"].id,
            omnicrm_core::notes::NoteInput::plain("First session went well; follow up Friday."),
        )
        .expect("note");
    h.core
        .tags
        .tag_contacts(&[approved["dan"].id.clone()], &["VIP".to_owned()])
        .expect("tag");
    let mut erin = omnicrm_core::contacts::input_of(approved["erin"].clone());
    erin.organization = Some("Harbour Clinic".to_owned());
    h.core
        .contacts
        .update(&approved["erin"].id, erin)
        .expect("edit");
    h.core
        .tasks
        .create(omnicrm_core::productivity::TaskInput {
            title: "Send Fay the intake form".to_owned(),
            contact_ids: vec![approved["fay"].id.clone()],
            ..Default::default()
        })
        .expect("task");

    let outcome = h.sync.undo(Some(&h.queue), &batch_id).await.expect("undo");

    assert_eq!(outcome.contacts_removed, 1, "only Bob, untouched, goes");
    let kept: Vec<(&str, Vec<&str>)> = outcome
        .contacts_kept
        .iter()
        .map(|kept| {
            (
                kept.display_name.as_str(),
                kept.reasons.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let name = |person: &str| approved[person].display_name.clone();
    let mut expected = [
        (name("carol"), vec!["notes written since"]),
        (name("dan"), vec!["tagged"]),
        (name("erin"), vec!["edited"]),
        (name("fay"), vec!["linked to a task"]),
    ];
    expected.sort();
    let expected: Vec<(&str, Vec<&str>)> = expected
        .iter()
        .map(|(name, reasons)| (name.as_str(), reasons.clone()))
        .collect();
    assert_eq!(kept, expected, "the undo says whom it kept and why");
    assert!(
        h.core.contacts.get(&approved["bob"].id).is_err(),
        "Bob is gone"
    );
    for person in ["carol", "dan", "erin", "fay"] {
        let contact = h.core.contacts.get(&approved[person].id).expect("kept");
        assert_eq!(contact.deleted_at, None);
    }
    assert_eq!(
        h.core.notes.get(&note.id).expect("note").body,
        "First session went well; follow up Friday.",
        "the note written since is still there, on a live contact"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL"),
        contacts_before + 4
    );
    assert_eq!(h.live_interactions(), 0, "what the sync brought is gone");
    let audit = h.core.ingest.audit_of_batch(&batch_id).expect("audit");
    let undo = audit.last().expect("an undo entry");
    assert_eq!(
        undo.details["contacts_kept"].as_array().map(Vec::len),
        Some(4)
    );

    let (_, _) = h.sync_now(&SyncSettings::everything()).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL"),
        contacts_before + 4,
        "a later sync links the kept contacts' mail instead of suggesting them again"
    );
    assert_eq!(h.live_interactions(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undoing_a_sync_leaves_nothing_behind_and_a_later_sync_brings_it_back() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    h.google().add_message(&ada_mail("One"));
    h.google().add_message(&MessageSpec::received(
        "Bob <bob@example.com>",
        OWNER,
        "Hello",
        "Hi",
    ));
    h.google().add_event(&EventSpec::meeting(
        "Session",
        1,
        &["ada@example.com", "dave@example.com"],
    ));
    let contacts_before = h.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL");
    let (batch_id, _) = h.sync_now(&SyncSettings::everything()).await;
    let bob = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("suggestions")
        .into_iter()
        .find(|suggestion| suggestion.email == "bob@example.com")
        .expect("bob");
    h.core
        .ingest
        .approve_suggestion(&bob.id, Some("Bob Builder"))
        .expect("approve");
    assert_eq!(h.live_interactions(), 3);

    let outcome = h.sync.undo(Some(&h.queue), &batch_id).await.expect("undo");
    assert_eq!(outcome.interactions_removed, 3);
    assert_eq!(
        outcome.contacts_removed, 1,
        "the contact approved from the batch goes too"
    );
    assert_eq!(outcome.raw_events_removed, 3);
    assert_eq!(outcome.suggestions_removed, 2);

    assert_eq!(h.live_interactions(), 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM raw_events"), 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM raw_event_addresses"), 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM contact_suggestions"), 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM sync_cursors"), 0);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL"),
        contacts_before
    );
    assert_eq!(
        h.count(
            "SELECT COUNT(*) FROM interaction_contacts ic JOIN interactions i ON i.id = ic.interaction_id \
             WHERE i.deleted_at IS NULL"
        ),
        0
    );
    let batch = h.core.ingest.batch(&batch_id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Undone);
    let audit = h.core.ingest.audit_of_batch(&batch_id).expect("audit");
    assert_eq!(
        audit.last().map(|entry| entry.action),
        Some(AuditAction::Undo)
    );
    let again = h.sync.undo(None, &batch_id).await.expect_err("only once");
    assert_eq!(again.code, ErrorCode::UndoUnavailable);
    let late = h
        .core
        .ingest
        .store_page(&batch_id, &[], None)
        .expect_err("an undone batch writes nothing");
    assert_eq!(late.code, ErrorCode::Cancelled);

    let (_, reports) = h.sync_now(&SyncSettings::everything()).await;
    assert_eq!(report(&reports, SyncProvider::Gmail).mode, SyncMode::Full);
    assert_eq!(
        h.live_interactions(),
        2,
        "Ada's mail and meeting come back; Bob is no contact now"
    );
}

//! Two devices (two data folders with real SQLite files) in one workspace of a real sync
//! server on a real Postgres: sharing on join, edits both ways, concurrent edits of different
//! fields, deletes, a private note that never reaches the server, and a server that is down.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{connect_all, device, person, sync_after_hearing};
use omnicrm_core::contacts::input_of;
use omnicrm_core::notes::NoteInput;
use omnicrm_core::{Core, ErrorCode};
use omnicrm_sync_server::test_support::{
    config, fresh_database, member_token, workspace, TestServer,
};
use std::time::Duration;

async fn server_text(url: &str, sql: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_share_a_workspace_and_a_private_note_never_reaches_the_server() {
    let url = fresh_database().await;
    let team = workspace(&url, "Harbour Practice").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");

    // Device A holds clients before it joins: they are shared, the private note is not.
    let a = device();
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let shared_note = a
        .core
        .notes
        .create(&ada.id, NoteInput::plain("Prefers morning sessions."))
        .unwrap();
    a.core
        .notes
        .create(
            &ada.id,
            NoteInput {
                is_private: true,
                ..NoteInput::plain("Private: panic disorder, discussed in session 3.")
            },
        )
        .unwrap();
    let joined = a.sync.connect(&address, &team.token).await.unwrap();
    assert_eq!(joined.workspace_name, "Harbour Practice");
    assert_eq!(
        joined.records_to_share, 2,
        "one contact and one note; the private note stays"
    );
    assert_eq!(a.sync.status().unwrap().pending_changes, 2);
    let first = a.sync.sync_now().await.unwrap();
    assert_eq!(first.sent, 2, "{first:?}");
    assert_eq!(first.pending_changes, 0);

    // Device B joins empty and receives them.
    let b = device();
    b.sync.connect(&address, &team.token).await.unwrap();
    let received = b.sync.sync_now().await.unwrap();
    assert_eq!(received.received, 2, "{received:?}");
    let ada_on_b = b.core.contacts.get(&ada.id).unwrap();
    assert_eq!(ada_on_b.display_name, "Ada Lovelace");
    assert_eq!(ada_on_b.emails[0].address, "ada@example.com");
    let notes_on_b = b.core.notes.list_for_contact(&ada.id).unwrap();
    assert_eq!(notes_on_b.len(), 1);
    assert_eq!(notes_on_b[0].id, shared_note.id);
    assert_eq!(notes_on_b[0].body, "Prefers morning sessions.");

    // Concurrent edits of different fields both survive.
    let mut on_a = input_of(a.core.contacts.get(&ada.id).unwrap());
    on_a.organization = Some("Analytical Engines Ltd".to_owned());
    a.core.contacts.update(&ada.id, on_a).unwrap();
    let mut on_b = input_of(b.core.contacts.get(&ada.id).unwrap());
    on_b.referral_source = Some("Charles Babbage".to_owned());
    b.core.contacts.update(&ada.id, on_b).unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    for core in [&a.core, &b.core] {
        let ada = core.contacts.get(&ada.id).unwrap();
        assert_eq!(ada.organization.as_deref(), Some("Analytical Engines Ltd"));
        assert_eq!(ada.referral_source.as_deref(), Some("Charles Babbage"));
    }

    // A delete on B travels as a tombstone; the remote change is one undoable batch on A.
    b.core.notes.delete(&shared_note.id).unwrap();
    b.sync.sync_now().await.unwrap();
    let report = a.sync.sync_now().await.unwrap();
    assert_eq!(report.received, 1, "{report:?}");
    assert!(
        a.core.notes.get(&shared_note.id).is_err(),
        "deleted on A too"
    );
    let batch = report.batch_id.expect("the remote changes' batch");
    a.core.undo.batch(&batch).unwrap();
    assert!(
        a.core.notes.get(&shared_note.id).is_ok(),
        "the delete is undoable"
    );

    // The private note is nowhere on the server.
    let bodies = server_text(&url, "SELECT body FROM projected_notes").await;
    assert!(
        bodies.iter().all(|body| !body.contains("panic disorder")),
        "{bodies:?}"
    );
    let names = server_text(&url, "SELECT display_name FROM projected_contacts").await;
    assert_eq!(names, vec!["Ada Lovelace".to_owned()]);

    let status = b.sync.status().unwrap();
    assert!(status.connected);
    assert_eq!(
        status.workspace_id.as_deref(),
        Some(team.id.to_string().as_str())
    );
    assert!(status.last_synced_at.is_some());
    assert_eq!(status.last_error, None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_made_while_the_server_is_down_wait_and_are_delivered_when_it_is_back() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let b = device();
    a.sync
        .connect(&server.http_url(""), &team.token)
        .await
        .unwrap();
    b.sync
        .connect(&server.http_url(""), &team.token)
        .await
        .unwrap();
    a.sync.sync_now().await.unwrap();
    server.stop().await;

    let grace = a
        .core
        .contacts
        .create(person("Grace Hopper", "grace@example.com"))
        .unwrap();
    let failed = a.sync.sync_now().await.unwrap_err();
    assert_eq!(failed.code, ErrorCode::Network, "{failed:?}");
    assert!(
        failed.message.contains("could not be reached"),
        "{}",
        failed.message
    );
    let waiting = a.sync.status().unwrap();
    assert_eq!(waiting.pending_changes, 1);
    assert!(waiting.last_error.is_some());
    assert!(
        a.core.contacts.get(&grace.id).is_ok(),
        "local data is untouched by the failure"
    );

    // The server is back (at a new address): connecting again to the same workspace keeps
    // what was synced, and the waiting edit is delivered.
    let back = TestServer::start(config(&url)).await;
    a.sync
        .connect(&back.http_url(""), &team.token)
        .await
        .unwrap();
    b.sync
        .connect(&back.http_url(""), &team.token)
        .await
        .unwrap();
    let delivered = a.sync.sync_now().await.unwrap();
    assert_eq!(delivered.sent, 1, "{delivered:?}");
    assert_eq!(a.sync.status().unwrap().pending_changes, 0);
    assert_eq!(a.sync.status().unwrap().last_error, None);
    b.sync.sync_now().await.unwrap();
    assert_eq!(
        b.core.contacts.get(&grace.id).unwrap().display_name,
        "Grace Hopper"
    );
    back.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_or_address_is_a_clear_typed_error() {
    let url = fresh_database().await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let refused = a
        .sync
        .connect(&server.http_url(""), "ocs_not-a-real-token")
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::AuthRequired, "{refused:?}");
    let bad = a
        .sync
        .connect("ftp://example.org", "token")
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::ValidationFailed);
    assert_eq!(
        bad.details.unwrap().fields[0].field,
        "server",
        "the error names the field"
    );
    let not_connected = a.sync.sync_now().await.unwrap_err();
    assert_eq!(not_connected.code, ErrorCode::Conflict);
    assert!(!a.sync.status().unwrap().connected);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_tasks_subtasks_and_their_client_links_travel_and_ticking_off_comes_back() {
    use omnicrm_core::productivity::{ProjectInput, TaskInput, TaskStatus};
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (a, b) = (device(), device());
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let project = a
        .core
        .projects
        .create(ProjectInput {
            name: "Spring workshop".to_owned(),
            zone_id: Some("01a2008d-741f-7da6-8584-703594ec0b00".to_owned()),
            ..ProjectInput::default()
        })
        .unwrap();
    let task = a
        .core
        .tasks
        .create(TaskInput {
            title: "Send Ada the intake form".to_owned(),
            project_id: Some(project.id.clone()),
            contact_ids: vec![ada.id.clone()],
            due_date: Some("2026-12-10".to_owned()),
            ..TaskInput::default()
        })
        .unwrap();
    let subtask = a
        .core
        .tasks
        .create(TaskInput {
            title: "Print it".to_owned(),
            parent_task_id: Some(task.id.clone()),
            ..TaskInput::default()
        })
        .unwrap();
    a.sync.connect(&address, &team.token).await.unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.connect(&address, &team.token).await.unwrap();
    let received = b.sync.sync_now().await.unwrap();
    assert_eq!(received.received, 4, "{received:?}");

    let task_on_b = b.core.tasks.get(&task.id).unwrap();
    assert_eq!(task_on_b.title, "Send Ada the intake form");
    assert_eq!(task_on_b.project_id.as_deref(), Some(project.id.as_str()));
    assert_eq!(task_on_b.contact_ids, vec![ada.id.clone()]);
    assert_eq!(task_on_b.due_date.as_deref(), Some("2026-12-10"));
    let subtasks = b.core.tasks.subtasks(&task.id).unwrap();
    assert_eq!(subtasks.len(), 1);
    assert_eq!(subtasks[0].id, subtask.id);
    assert_eq!(
        b.core.projects.get(&project.id).unwrap().name,
        "Spring workshop"
    );

    b.core.tasks.set_status(&task.id, TaskStatus::Done).unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    let done = a.core.tasks.get(&task.id).unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert!(done.completed_at.is_some());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goals_zones_consents_and_logged_sessions_travel_but_imported_emails_stay_on_their_device()
{
    use omnicrm_core::consents::{ConsentInput, ConsentKind};
    use omnicrm_core::interactions::{InteractionInput, InteractionKind};
    use omnicrm_core::productivity::{GoalInput, GoalKind, ZoneInput};
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (a, b) = (device(), device());
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let zone = a
        .core
        .zones
        .create(ZoneInput {
            name: "Group classes".to_owned(),
            color: Some("#aa3300".to_owned()),
            icon: None,
        })
        .unwrap();
    let goal = a
        .core
        .goals
        .create(GoalInput {
            title: "Sleep through the night".to_owned(),
            description: None,
            kind: GoalKind::ClientWellness,
            status: None,
            contact_id: Some(ada.id.clone()),
            target_date: Some("2027-02-01".to_owned()),
            progress: Some(30),
        })
        .unwrap();
    let consent = a
        .core
        .consents
        .record(
            &ada.id,
            ConsentInput {
                kind: ConsentKind::Photography,
                granted: true,
                recorded_at: Some("2026-12-01T09:00:00Z".to_owned()),
                note: Some("Signed form".to_owned()),
            },
        )
        .unwrap();
    let session = a
        .core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Meeting),
            subject: Some("First session".to_owned()),
            body: Some("Talked about sleep.".to_owned()),
            occurred_at: Some("2026-12-02T10:00:00Z".to_owned()),
            duration_minutes: Some(50),
            contact_ids: vec![ada.id.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    let imported = a
        .core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Email),
            subject: Some("Re: booking".to_owned()),
            contact_ids: vec![ada.id.clone()],
            source: Some("gmail".to_owned()),
            source_id: Some("gmail-message-1".to_owned()),
            ..InteractionInput::default()
        })
        .unwrap();

    a.sync.connect(&address, &team.token).await.unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(a.sync.status().unwrap().pending_changes, 0);
    b.sync.connect(&address, &team.token).await.unwrap();
    let received = b.sync.sync_now().await.unwrap();
    // Ada, the zone, the goal, the consent and the session.
    assert_eq!(received.received, 5, "{received:?}");

    let zone_on_b = b.core.zones.get(&zone.id).unwrap();
    assert_eq!(
        (zone_on_b.name.as_str(), zone_on_b.color.as_str()),
        ("Group classes", "#aa3300")
    );
    let goal_on_b = b.core.goals.get(&goal.id).unwrap();
    assert_eq!(goal_on_b.title, "Sleep through the night");
    assert_eq!(goal_on_b.contact_id.as_deref(), Some(ada.id.as_str()));
    assert_eq!(goal_on_b.progress, 30);
    let consents = b.core.consents.list_for_contact(&ada.id).unwrap();
    assert_eq!(consents.history.len(), 1);
    assert_eq!(consents.history[0].id, consent.id);
    assert_eq!(consents.history[0].note.as_deref(), Some("Signed form"));
    let session_on_b = b.core.interactions.get(&session.id).unwrap();
    assert_eq!(session_on_b.subject.as_deref(), Some("First session"));
    assert_eq!(session_on_b.duration_minutes, Some(50));
    assert_eq!(session_on_b.contact_ids, vec![ada.id.clone()]);
    assert_eq!(
        b.core.interactions.get(&imported.id).unwrap_err().code,
        ErrorCode::NotFound,
        "an email one device imported is that device's own"
    );

    // Progress moves on B, the consent entry recorded by mistake is removed on A.
    b.core
        .goals
        .update(
            &goal.id,
            GoalInput {
                title: goal.title.clone(),
                description: None,
                kind: GoalKind::ClientWellness,
                status: None,
                contact_id: Some(ada.id.clone()),
                target_date: goal.target_date.clone(),
                progress: Some(60),
            },
        )
        .unwrap();
    a.core.consents.delete(&consent.id).unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    assert_eq!(a.core.goals.get(&goal.id).unwrap().progress, 60);
    assert!(b
        .core
        .consents
        .list_for_contact(&ada.id)
        .unwrap()
        .history
        .is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_hears_of_a_team_change_over_its_open_connection_and_the_next_sync_reuses_it() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (a, b) = (device(), device());
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    a.sync.connect(&address, &team.token).await.unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.connect(&address, &team.token).await.unwrap();
    b.sync.sync_now().await.unwrap();
    assert_eq!(
        b.sync
            .wait_for_team_changes(Duration::from_millis(300))
            .await,
        Some(false),
        "nothing changed yet"
    );

    // B waits on its open connection while A edits and syncs.
    let waiting = {
        let sync = b.sync.clone();
        tokio::spawn(async move { sync.wait_for_team_changes(Duration::from_secs(15)).await })
    };
    let mut edited = input_of(ada.clone());
    edited.organization = Some("Analytical Engines Ltd".to_owned());
    a.core.contacts.update(&ada.id, edited).unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(
        waiting.await.unwrap(),
        Some(true),
        "the server pushed A's edit"
    );

    // A new record comes over the same connection too (the root lists it).
    let grace = a
        .core
        .contacts
        .create(person("Grace Hopper", "grace@example.com"))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(
        b.sync.wait_for_team_changes(Duration::from_secs(15)).await,
        Some(true)
    );
    let report = b.sync.sync_now().await.unwrap();
    assert_eq!(report.received, 2, "{report:?}");
    assert_eq!(
        b.core
            .contacts
            .get(&ada.id)
            .unwrap()
            .organization
            .as_deref(),
        Some("Analytical Engines Ltd")
    );
    assert_eq!(
        b.core.contacts.get(&grace.id).unwrap().display_name,
        "Grace Hopper"
    );

    // The server going away ends the wait without an error; the next sync reports it.
    server.stop().await;
    assert_eq!(
        b.sync.wait_for_team_changes(Duration::from_secs(5)).await,
        Some(false)
    );
    assert_eq!(
        b.sync
            .wait_for_team_changes(Duration::from_millis(10))
            .await,
        None,
        "the ended connection is not kept"
    );
    assert_eq!(
        b.sync.sync_now().await.unwrap_err().code,
        ErrorCode::Network
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_field_edited_on_two_devices_at_once_shows_what_was_chosen_over_what_and_can_be_switched(
) {
    use omnicrm_sync_client::ConflictChoice;
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (a, b) = (device(), device());
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let lee = member_token(&url, team.id, "Dr. Lee").await;
    let kim = member_token(&url, team.id, "Kim").await;
    a.sync.connect(&address, &lee).await.unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.connect(&address, &kim).await.unwrap();
    b.sync.sync_now().await.unwrap();
    assert_eq!(b.sync.status().unwrap().member_name.as_deref(), Some("Kim"));
    let before_edits = omnicrm_core::time::now_utc();

    // Both edit the organization before hearing of the other's edit; B also edits the stage.
    let mut on_a = input_of(a.core.contacts.get(&ada.id).unwrap());
    on_a.organization = Some("Alpha Clinic".to_owned());
    a.core.contacts.update(&ada.id, on_a).unwrap();
    let mut on_b = input_of(b.core.contacts.get(&ada.id).unwrap());
    on_b.organization = Some("Beta Studio".to_owned());
    on_b.lifecycle_stage = Some(omnicrm_core::contacts::LifecycleStage::CoreClient);
    b.core.contacts.update(&ada.id, on_b).unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();

    // Both devices show the same organization, B's stage survived, and both say so.
    let shown_a = a.core.contacts.get(&ada.id).unwrap();
    let shown_b = b.core.contacts.get(&ada.id).unwrap();
    assert_eq!(shown_a.organization, shown_b.organization);
    assert_eq!(
        shown_a.lifecycle_stage,
        Some(omnicrm_core::contacts::LifecycleStage::CoreClient)
    );
    let chosen = shown_a.organization.clone().unwrap();
    let (other, other_by) = if chosen == "Alpha Clinic" {
        ("Beta Studio", "Kim")
    } else {
        ("Alpha Clinic", "Dr. Lee")
    };
    for device in [&a, &b] {
        let conflicts = device.sync.conflicts(Some(&ada.id)).unwrap();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].field_label, "Organization");
        assert_eq!(conflicts[0].record_label, "Ada Lovelace");
        assert_eq!(conflicts[0].chosen, chosen);
        assert_eq!(conflicts[0].other, other);
        // Who wrote the other value, and when (to the second).
        assert_eq!(conflicts[0].other_by.as_deref(), Some(other_by));
        let other_at = conflicts[0].other_at.clone().expect("when it was written");
        assert!(
            other_at.get(..19) >= before_edits.get(..19)
                && other_at <= omnicrm_core::time::now_utc(),
            "{other_at} is not between {before_edits} and now"
        );
    }

    // B switches to the value that lost; every device takes it and the conflict ends.
    let conflict = b.sync.conflicts(None).unwrap().remove(0);
    let resolution = b
        .sync
        .resolve_conflict(&conflict.id, ConflictChoice::UseOther)
        .await
        .unwrap();
    assert_eq!(resolution.value, other);
    assert!(resolution.batch_id.is_some());
    assert_eq!(
        b.core
            .contacts
            .get(&ada.id)
            .unwrap()
            .organization
            .as_deref(),
        Some(other)
    );
    assert!(b.sync.conflicts(None).unwrap().is_empty());
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(
        a.core
            .contacts
            .get(&ada.id)
            .unwrap()
            .organization
            .as_deref(),
        Some(other)
    );
    assert!(a.sync.conflicts(None).unwrap().is_empty());
    assert_eq!(
        b.sync
            .resolve_conflict(&conflict.id, ConflictChoice::KeepChosen)
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );
    server.stop().await;
}

async fn documents_downloaded(server: &TestServer) -> u64 {
    let metrics = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("omnicrm_sync_documents_downloaded_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_takes_many_records_in_one_download_and_then_hears_of_their_edits() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (a, b) = (device(), device());
    let mut ids = Vec::new();
    for index in 0..60 {
        let contact = a
            .core
            .contacts
            .create(person(
                &format!("Client {index}"),
                &format!("client{index}@example.com"),
            ))
            .unwrap();
        ids.push(contact.id);
    }
    a.sync.connect(&address, &team.token).await.unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(documents_downloaded(&server).await, 0);

    b.sync.connect(&address, &team.token).await.unwrap();
    let report = b.sync.sync_now().await.unwrap();
    assert_eq!(report.received, 60, "{report:?}");
    assert_eq!(
        report.pending_changes, 0,
        "downloaded records are held by the server: nothing waits to be sent"
    );
    assert!(
        documents_downloaded(&server).await >= 60,
        "the records came in one download, not a request each"
    );
    for (index, id) in ids.iter().enumerate() {
        assert_eq!(
            b.core.contacts.get(id).unwrap().display_name,
            format!("Client {index}")
        );
    }

    // The downloaded records are synced over B's connection: an edit on A is pushed to it.
    let waiting = {
        let sync = b.sync.clone();
        tokio::spawn(async move { sync.wait_for_team_changes(Duration::from_secs(15)).await })
    };
    let mut edited = input_of(a.core.contacts.get(&ids[42]).unwrap());
    edited.organization = Some("Downloaded and live".to_owned());
    a.core.contacts.update(&ids[42], edited).unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(waiting.await.unwrap(), Some(true));
    assert_eq!(b.sync.sync_now().await.unwrap().received, 1);
    assert_eq!(
        b.core
            .contacts
            .get(&ids[42])
            .unwrap()
            .organization
            .as_deref(),
        Some("Downloaded and live")
    );

    // The documents are stored as downloaded: they load again, over a new connection and for
    // a rebuild.
    b.sync.close_session().await;
    assert_eq!(b.sync.sync_now().await.unwrap().received, 0);
    let rebuilt = b.sync.rebuild().unwrap();
    assert_eq!(rebuilt.documents, 60);
    assert_eq!(rebuilt.changed, 0, "{rebuilt:?}");
    server.stop().await;
}

/// Text that does not compress, so a document holding it is about as large as the text.
fn incompressible_text(length: usize, seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..length)
        .map(|index| {
            if index % 8 == 7 {
                ' '
            } else {
                random.random_range('a'..='z')
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_too_large_for_the_server_is_a_typed_error_it_stays_here_and_the_rest_still_syncs()
{
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let mut limits = config(&url);
    limits.max_document_bytes = 64 * 1024;
    limits.max_message_bytes = 64 * 1024;
    let server = TestServer::start(limits).await;
    let a = device();
    let b = device();
    connect_all(&[&a, &b], &server, &team.token).await;
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let note = a
        .core
        .notes
        .create(&ada.id, NoteInput::plain(&incompressible_text(4_000, 1)))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();

    // Each rewrite of the long note fits in a message, but the note's document, which keeps
    // its history, grows past the server's limit.
    let mut refused = None;
    let mut latest = String::new();
    for round in 2..30 {
        latest = incompressible_text(4_000, round);
        a.core
            .notes
            .update(&note.id, NoteInput::plain(&latest))
            .unwrap();
        if let Err(error) = a.sync.sync_now().await {
            refused = Some(error);
            break;
        }
    }
    let refused = refused.expect("the note's document outgrew the server's limit");
    assert_eq!(refused.code, ErrorCode::TooLarge, "{refused:?}");
    assert_eq!(
        refused.message,
        "A note is larger than the team server accepts (its limit is 0.1 MB). It stays on this \
         device and is not shared; the other records still sync."
    );
    let status = a.sync.status().unwrap();
    assert_eq!(status.pending_changes, 1, "the note waits");
    assert_eq!(status.last_error.as_deref(), Some(refused.message.as_str()));
    let kept = a.core.notes.get(&note.id).unwrap();
    assert_eq!(kept.body, latest.trim(), "the local note is untouched");

    // The rest still travels both ways: B's edit reaches A, A's new contact reaches B.
    let mut on_b = input_of(b.core.contacts.get(&ada.id).unwrap());
    on_b.organization = Some("Analytical Engines Ltd".to_owned());
    b.core.contacts.update(&ada.id, on_b).unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.wait_for_team_changes(Duration::from_secs(5)).await;
    let grace = a
        .core
        .contacts
        .create(person("Grace Hopper", "grace@example.com"))
        .unwrap();
    let again = a.sync.sync_now().await.unwrap_err();
    assert_eq!(again.code, ErrorCode::TooLarge, "{again:?}");
    assert_eq!(
        a.core
            .contacts
            .get(&ada.id)
            .unwrap()
            .organization
            .as_deref(),
        Some("Analytical Engines Ltd")
    );
    sync_after_hearing(&b).await;
    assert_eq!(
        b.core.contacts.get(&grace.id).unwrap().display_name,
        "Grace Hopper"
    );
    server.stop().await;
}

/// The added identities (beyond its own emails and phones) of a contact, as kind and value.
fn added_identities(core: &Core, contact_id: &str) -> Vec<(String, String)> {
    let mut added: Vec<(String, String)> = core
        .identities
        .list_for_contact(contact_id)
        .unwrap()
        .into_iter()
        .filter(|identifier| identifier.identity_id.is_some())
        .map(|identifier| (identifier.kind.as_str().to_owned(), identifier.value))
        .collect();
    added.sort();
    added
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_added_to_a_contact_on_one_device_appears_on_the_other_and_its_removal_too() {
    use omnicrm_core::identities::IdentityKind;
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let b = device();
    connect_all(&[&a, &b], &server, &team.token).await;
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    assert!(added_identities(&b.core, &ada.id).is_empty());

    // Only the identity is added on A: the contact itself is not edited.
    a.core
        .identities
        .add(&ada.id, IdentityKind::Handle, "@countess", "manual")
        .unwrap();
    assert_eq!(a.sync.status().unwrap().pending_changes, 1);
    let sent = a.sync.sync_now().await.unwrap();
    assert_eq!(sent.sent, 1, "{sent:?}");
    sync_after_hearing(&b).await;
    assert_eq!(
        added_identities(&b.core, &ada.id),
        vec![("handle".to_owned(), "@countess".to_owned())]
    );

    // Removed on B, it goes on A too.
    let identity_on_b = b
        .core
        .identities
        .list_for_contact(&ada.id)
        .unwrap()
        .into_iter()
        .find_map(|identifier| identifier.identity_id)
        .unwrap();
    b.core.identities.remove(&identity_on_b).unwrap();
    b.sync.sync_now().await.unwrap();
    sync_after_hearing(&a).await;
    assert!(added_identities(&a.core, &ada.id).is_empty());
    server.stop().await;
}

fn tag_input(name: &str, color: &str) -> omnicrm_core::tags::TagInput {
    omnicrm_core::tags::TagInput {
        name: name.to_owned(),
        category: Some(omnicrm_core::tags::TagCategory::EmotionalMental),
        color: Some(color.to_owned()),
    }
}

/// The live tags of a device, as name and colour.
fn tags_of(core: &Core) -> Vec<(String, String)> {
    core.tags
        .list()
        .unwrap()
        .into_iter()
        .filter(|listed| !listed.tag.is_system)
        .map(|listed| (listed.tag.name, listed.tag.color))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_travels_with_its_colour_and_a_rename_or_delete_reaches_every_contact_that_carries_it(
) {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let b = device();
    connect_all(&[&a, &b], &server, &team.token).await;
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let tag = a
        .core
        .tags
        .create(tag_input("Sleep clinic", "#aa3366"))
        .unwrap();
    a.core
        .tags
        .tag_contacts(std::slice::from_ref(&ada.id), &["Sleep clinic".to_owned()])
        .unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    let on_b = b.core.tags.get(&tag.id).unwrap();
    assert_eq!(
        (on_b.name.as_str(), on_b.color.as_str(), on_b.category),
        ("Sleep clinic", "#aa3366", tag.category),
        "the same tag, under the same id"
    );
    assert_eq!(b.core.contacts.get(&ada.id).unwrap().tags, ["Sleep clinic"]);

    // Renamed and recoloured on A: the tag and the contact carrying it follow on B.
    a.core
        .tags
        .update(&tag.id, tag_input("Sleep programme", "#112233"))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    sync_after_hearing(&b).await;
    assert_eq!(
        tags_of(&b.core),
        [("Sleep programme".to_owned(), "#112233".to_owned())]
    );
    assert_eq!(
        b.core.contacts.get(&ada.id).unwrap().tags,
        ["Sleep programme"]
    );

    // Deleted on B: gone on A, and off the contact.
    b.core.tags.delete(&tag.id).unwrap();
    b.sync.sync_now().await.unwrap();
    sync_after_hearing(&a).await;
    assert!(tags_of(&a.core).is_empty(), "{:?}", tags_of(&a.core));
    assert!(a.core.contacts.get(&ada.id).unwrap().tags.is_empty());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_that_each_made_a_tag_of_one_name_before_joining_both_end_with_the_older_definition(
) {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let b = device();
    a.core.tags.create(tag_input("VIP", "#cc0000")).unwrap();
    b.core.tags.create(tag_input("vip", "#0000cc")).unwrap();
    connect_all(&[&a, &b], &server, &team.token).await;
    // B first, so each device receives the other's definition after sending its own.
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    b.sync.sync_now().await.unwrap();
    a.sync.sync_now().await.unwrap();
    assert_eq!(tags_of(&a.core), [("VIP".to_owned(), "#cc0000".to_owned())]);
    assert_eq!(
        tags_of(&b.core),
        [("VIP".to_owned(), "#cc0000".to_owned())],
        "B keeps its own tag, with the older definition's name and colour"
    );

    // From now on both edit one definition: B's edit of its own tag reaches A, and A's
    // reaches B.
    let on_b = b.core.tags.list().unwrap();
    let b_tag = on_b.iter().find(|listed| listed.tag.name == "VIP").unwrap();
    b.core
        .tags
        .update(&b_tag.tag.id, tag_input("VIP", "#00aa00"))
        .unwrap();
    b.sync.sync_now().await.unwrap();
    sync_after_hearing(&a).await;
    assert_eq!(tags_of(&a.core), [("VIP".to_owned(), "#00aa00".to_owned())]);
    let on_a = a.core.tags.list().unwrap();
    let a_tag = on_a.iter().find(|listed| listed.tag.name == "VIP").unwrap();
    a.core
        .tags
        .update(&a_tag.tag.id, tag_input("VIP clients", "#aa00aa"))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    sync_after_hearing(&b).await;
    assert_eq!(
        tags_of(&b.core),
        [("VIP clients".to_owned(), "#aa00aa".to_owned())]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_client_entered_on_two_devices_before_joining_becomes_a_duplicate_suggestion_not_a_merge(
) {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let b = device();
    let on_a = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    let on_b = b
        .core
        .contacts
        .create(person("Ada King", "ADA@example.com"))
        .unwrap();
    for device in [&a, &b] {
        device
            .sync
            .connect(&server.http_url(""), &team.token)
            .await
            .unwrap();
        device.sync.sync_now().await.unwrap();
    }
    sync_after_hearing(&a).await;
    let mut expected = vec![on_a.id.clone(), on_b.id.clone()];
    expected.sort();
    for device in [&a, &b] {
        assert!(device.core.contacts.get(&on_a.id).is_ok());
        assert!(device.core.contacts.get(&on_b.id).is_ok());
        let suggestions = device.core.duplicates.suggestions(10).unwrap();
        let mut pair = suggestions
            .iter()
            .find(|suggestion| suggestion.contact_ids.contains(&on_a.id))
            .expect("the two records of Ada are suggested as one person")
            .contact_ids
            .clone();
        pair.sort();
        assert_eq!(pair, expected);
    }
    server.stop().await;
}

fn stored_heads_of(core: &Core, record_id: &str) -> String {
    core.database
        .read(|connection| {
            Ok(connection.query_row(
                "SELECT heads FROM sync_documents WHERE record_id = ?1",
                [record_id],
                |row| row.get(0),
            )?)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_edit_becomes_its_document_change_in_its_own_transaction_and_a_failure_there_never_stops_the_edit(
) {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    a.sync
        .connect(&server.http_url(""), &team.token)
        .await
        .unwrap();
    a.sync.sync_now().await.unwrap();
    let before = stored_heads_of(&a.core, &ada.id);

    // The edit's transaction changed the document too: nothing is left to record.
    let mut edited = input_of(a.core.contacts.get(&ada.id).unwrap());
    edited.organization = Some("Analytical Engines".to_owned());
    a.core.contacts.update(&ada.id, edited).unwrap();
    assert_ne!(stored_heads_of(&a.core, &ada.id), before);
    assert_eq!(a.sync.record_local_changes().unwrap(), 0);
    assert_eq!(
        a.sync.status().unwrap().pending_changes,
        1,
        "sent at the next sync"
    );

    // A document that cannot be read makes the recording fail: the edit commits anyway, and
    // waits in the change log.
    a.core
        .database
        .write(|transaction| {
            transaction.execute(
                "UPDATE sync_documents SET bytes = x'00ff' WHERE record_id = ?1",
                [&ada.id],
            )?;
            Ok(())
        })
        .unwrap();
    let mut again = input_of(a.core.contacts.get(&ada.id).unwrap());
    again.referral_source = Some("Charles Babbage".to_owned());
    a.core.contacts.update(&ada.id, again).unwrap();
    assert_eq!(
        a.core
            .contacts
            .get(&ada.id)
            .unwrap()
            .referral_source
            .as_deref(),
        Some("Charles Babbage"),
        "the edit committed"
    );
    assert!(a.sync.record_local_changes().is_err(), "still waiting");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_too_large_for_one_message_is_refused_at_every_sync_while_it_waits() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let mut limits = config(&url);
    limits.max_document_bytes = 64 * 1024;
    limits.max_message_bytes = 16 * 1024;
    let server = TestServer::start(limits).await;
    let a = device();
    a.sync
        .connect(&server.http_url(""), &team.token)
        .await
        .unwrap();
    let ada = a
        .core
        .contacts
        .create(person("Ada Lovelace", "ada@example.com"))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    a.core
        .notes
        .create(&ada.id, NoteInput::plain(&incompressible_text(50_000, 9)))
        .unwrap();
    for attempt in 0..2 {
        let refused = a.sync.sync_now().await.unwrap_err();
        assert_eq!(
            refused.code,
            ErrorCode::TooLarge,
            "attempt {attempt}: {refused:?}"
        );
        assert!(
            refused
                .message
                .starts_with("A record is larger than the team server accepts"),
            "{}",
            refused.message
        );
        assert_eq!(a.sync.status().unwrap().pending_changes, 1);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_shared_with_the_team_has_it_in_their_access_log_but_not_a_private_note() {
    let url = fresh_database().await;
    let team = workspace(&url, "Logged Practice").await;
    let server = TestServer::start(config(&url)).await;
    let a = device();
    let ada = a
        .core
        .contacts
        .create(person("Ada Shared", "ada.shared@example.com"))
        .unwrap();
    for body in ["Prefers morning sessions.", "Moved to fortnightly."] {
        a.core
            .notes
            .create(&ada.id, NoteInput::plain(body))
            .unwrap();
    }
    a.core
        .notes
        .create(
            &ada.id,
            NoteInput {
                is_private: true,
                ..NoteInput::plain("Private: stays here.")
            },
        )
        .unwrap();
    a.sync
        .connect(&server.http_url(""), &team.token)
        .await
        .unwrap();
    a.sync.sync_now().await.unwrap();

    let logged = a.core.access_log.list(Some(&ada.id), 10).unwrap();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        logged[0].action,
        omnicrm_core::access_log::AccessAction::SharedWithTeam
    );
    assert_eq!(
        logged[0].detail,
        "their record, 2 notes sent to the team workspace at 127.0.0.1"
    );
    // An edit is shared again, and says what.
    a.core
        .notes
        .create(&ada.id, NoteInput::plain("Third session went well."))
        .unwrap();
    a.sync.sync_now().await.unwrap();
    let logged = a.core.access_log.list(Some(&ada.id), 10).unwrap();
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(
        logged[0].detail.starts_with("a note sent"),
        "{}",
        logged[0].detail
    );
    // A sync that sends nothing records nothing.
    a.sync.sync_now().await.unwrap();
    assert_eq!(a.core.access_log.list(Some(&ada.id), 10).unwrap().len(), 2);
}

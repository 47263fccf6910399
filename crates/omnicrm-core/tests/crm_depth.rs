//! Tags, rich notes, interactions, identities, consents, tasks, goals and the timeline, against
//! a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{email, open_core, person};
use omnicrm_core::consents::{ConsentInput, ConsentKind};
use omnicrm_core::identities::IdentityKind;
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::notes::{NoteInput, NoteSource};
use omnicrm_core::pii::PiiKind;
use omnicrm_core::productivity::{
    GoalInput, GoalKind, ProjectInput, TaskInput, TaskQuery, TaskStatus, TaskView,
};
use omnicrm_core::tags::{TagCategory, TagInput};
use omnicrm_core::timeline::TimelineItemKind;
use omnicrm_core::ErrorCode;

#[test]
fn system_tags_and_zones_are_seeded() {
    let (_directory, core) = open_core();
    let tags = core.tags.list().unwrap();
    assert!(tags.len() >= 24);
    let categories: std::collections::HashSet<_> =
        tags.iter().filter_map(|tag| tag.tag.category).collect();
    assert_eq!(categories.len(), TagCategory::ALL.len());
    assert!(tags
        .iter()
        .all(|tag| tag.tag.is_system && tag.usage_count == 0));

    let zones: Vec<String> = core
        .zones
        .list()
        .unwrap()
        .into_iter()
        .map(|z| z.name)
        .collect();
    assert_eq!(
        zones,
        [
            "Personal Wellness",
            "Self Care",
            "Admin & Finances",
            "Business Development",
            "Social Media & Marketing",
            "Client Care"
        ]
    );
}

#[test]
fn tag_usage_counts_follow_bulk_tagging_and_one_undo_reverts_it() {
    let (_directory, core) = open_core();
    let a = core.contacts.create(person("Ada Brook")).unwrap();
    let b = core.contacts.create(person("Ben Cole")).unwrap();
    let ids = vec![a.id.clone(), b.id.clone()];

    let receipt = core
        .tags
        .tag_contacts(&ids, &["Reiki".to_owned(), "Sunday group".to_owned()])
        .unwrap();
    assert_eq!(receipt.changed, 2);
    let usage = |name: &str| {
        core.tags
            .list()
            .unwrap()
            .into_iter()
            .find(|tag| tag.tag.name == name)
            .map(|tag| tag.usage_count)
    };
    assert_eq!(usage("Reiki"), Some(2));
    assert_eq!(usage("Sunday group"), Some(2));
    assert_eq!(
        core.contacts.get(&a.id).unwrap().tags,
        ["Reiki", "Sunday group"]
    );

    let undone = core.undo.batch(&receipt.batch_id).unwrap();
    assert_eq!(undone.undone, 2);
    assert_eq!(usage("Reiki"), Some(0));
    assert!(core.contacts.get(&b.id).unwrap().tags.is_empty());
    let again = core.undo.batch(&receipt.batch_id).unwrap_err();
    assert_eq!(again.code, ErrorCode::UndoUnavailable);
}

#[test]
fn tags_are_validated_renamed_and_deleted_from_contacts_with_undo() {
    let (_directory, core) = open_core();
    let bad = core
        .tags
        .create(TagInput {
            name: "Walk-ins".into(),
            category: None,
            color: Some("red".into()),
        })
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::ValidationFailed);
    assert_eq!(bad.field_errors()[0].field, "color");

    let tag = core
        .tags
        .create(TagInput {
            name: "  Walk-ins ".into(),
            category: Some(TagCategory::ScheduleAttendance),
            color: Some("#AA3366".into()),
        })
        .unwrap();
    assert_eq!(
        (tag.name.as_str(), tag.color.as_str()),
        ("Walk-ins", "#aa3366")
    );
    let taken = core
        .tags
        .create(TagInput {
            name: "walk-ins".into(),
            ..TagInput::default()
        })
        .unwrap_err();
    assert_eq!(taken.code, ErrorCode::Conflict);

    let mut input = person("Cleo Dune");
    input.tags = vec!["Walk-ins".into()];
    let contact = core.contacts.create(input).unwrap();
    core.tags
        .update(
            &tag.id,
            TagInput {
                name: "Drop-ins".into(),
                category: Some(TagCategory::ScheduleAttendance),
                color: None,
            },
        )
        .unwrap();
    assert_eq!(core.contacts.get(&contact.id).unwrap().tags, ["Drop-ins"]);

    let receipt = core.tags.delete(&tag.id).unwrap();
    assert!(core.contacts.get(&contact.id).unwrap().tags.is_empty());
    assert!(!core.tags.list().unwrap().iter().any(|t| t.tag.id == tag.id));
    core.undo.batch(&receipt.batch_id).unwrap();
    assert_eq!(core.contacts.get(&contact.id).unwrap().tags, ["Drop-ins"]);
    assert!(core.tags.list().unwrap().iter().any(|t| t.tag.id == tag.id));
}

#[test]
fn rich_notes_are_sanitized_stored_as_text_and_flagged_for_personal_data() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(person("Dana Elm")).unwrap();
    let note = core
        .notes
        .create(
            &contact.id,
            NoteInput {
                body: None,
                body_html: Some(
                    "<p>Card <strong>4111 1111 1111 1111</strong></p><script>steal()</script>\
                     <p>Call 415-555-0123</p>"
                        .into(),
                ),
                source_type: Some(NoteSource::Voice),
                is_private: true,
            },
        )
        .unwrap();
    assert_eq!(note.body, "Card 4111 1111 1111 1111\nCall 415-555-0123");
    assert_eq!(
        note.body_html.as_deref(),
        Some("<p>Card <strong>4111 1111 1111 1111</strong></p><p>Call 415-555-0123</p>")
    );
    assert_eq!(note.pii_kinds, [PiiKind::Phone, PiiKind::CardNumber]);
    assert!(note.is_private);
    assert_eq!(note.source_type, NoteSource::Voice);

    let plain = core
        .notes
        .update(&note.id, NoteInput::plain("Shoulder better."))
        .unwrap();
    assert!(plain.pii_kinds.is_empty());
    assert_eq!(plain.body_html, None);
    assert_eq!(plain.source_type, NoteSource::Voice);

    let empty = core
        .notes
        .create(&contact.id, NoteInput::plain("   "))
        .unwrap_err();
    assert_eq!(empty.field_errors()[0].field, "body");

    let receipt = core.notes.delete(&note.id).unwrap();
    assert!(core.notes.list_for_contact(&contact.id).unwrap().is_empty());
    core.undo.change(&receipt.change_id).unwrap();
    let restored = core.notes.list_for_contact(&contact.id).unwrap();
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].body, "Shoulder better.");
}

#[test]
fn interactions_are_unique_per_source_and_validated() {
    let (_directory, core) = open_core();
    let a = core.contacts.create(person("Eli Fox")).unwrap();
    let b = core.contacts.create(person("Fay Gold")).unwrap();
    let input = InteractionInput {
        kind: Some(InteractionKind::Email),
        subject: Some("Rescheduling".into()),
        occurred_at: Some("2026-11-20T09:15:00+01:00".into()),
        contact_ids: vec![a.id.clone(), b.id.clone()],
        source: Some("gmail".into()),
        source_id: Some("msg-17".into()),
        source_metadata: serde_json::json!({"thread_id": "t-3", "direction": "inbound"}),
        ..InteractionInput::default()
    };
    let first = core.interactions.create(input.clone()).unwrap();
    let second = core.interactions.create(input).unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(first.occurred_at, "2026-11-20T08:15:00.000Z");
    assert_eq!(first.contact_ids.len(), 2);
    assert_eq!(
        core.interactions
            .find_by_source("gmail", "msg-17")
            .unwrap()
            .map(|found| found.id),
        Some(first.id)
    );

    let bad = core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Call),
            occurred_at: Some("yesterday".into()),
            contact_ids: vec!["no-such-contact".into()],
            duration_minutes: Some(5000),
            ..InteractionInput::default()
        })
        .unwrap_err();
    let fields: Vec<&str> = bad
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "subject",
            "occurred_at",
            "duration_minutes",
            "contact_ids[0]"
        ]
    );
}

#[test]
fn identities_find_contacts_and_the_ignore_list_matches_patterns() {
    let (_directory, core) = open_core();
    let mut input = person("Gus Hale");
    input.emails = vec![email("Gus@Example.org")];
    let contact = core.contacts.create(input).unwrap();
    core.identities
        .add(
            &contact.id,
            IdentityKind::Email,
            "gus.hale@gmail.com",
            "gmail",
        )
        .unwrap();
    let found = |value: &str| {
        core.identities
            .find_contacts(IdentityKind::Email, value)
            .unwrap()
    };
    assert_eq!(found("gus@example.org"), vec![contact.id.clone()]);
    assert_eq!(found("GUS.HALE@gmail.com"), vec![contact.id.clone()]);
    let listed = core.identities.list_for_contact(&contact.id).unwrap();
    let providers: Vec<&str> = listed.iter().map(|i| i.provider.as_str()).collect();
    assert_eq!(providers, ["email", "gmail"]);

    assert!(core.identities.is_ignored("no-reply@clinic.com").unwrap());
    assert!(!core.identities.is_ignored("gus@example.org").unwrap());
    let ignored = core
        .identities
        .ignore("*@mailchimp.com", Some("newsletters"))
        .unwrap();
    assert!(core.identities.is_ignored("news@MailChimp.com").unwrap());
    let everything = core.identities.ignore("*", None).unwrap_err();
    assert_eq!(everything.field_errors()[0].field, "pattern");
    core.identities.unignore(&ignored.id).unwrap();
    assert!(!core.identities.is_ignored("news@mailchimp.com").unwrap());

    core.contacts.delete(&contact.id).unwrap();
    assert!(found("gus.hale@gmail.com").is_empty());
}

#[test]
fn consents_keep_history_and_the_newest_entry_is_current() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(person("Hana Ives")).unwrap();
    let grant = |granted: bool, at: &str| {
        core.consents
            .record(
                &contact.id,
                ConsentInput {
                    kind: ConsentKind::Marketing,
                    granted,
                    recorded_at: Some(at.into()),
                    note: None,
                },
            )
            .unwrap()
    };
    grant(true, "2026-01-05T10:00:00Z");
    grant(false, "2026-06-01T10:00:00Z");
    let consents = core.consents.list_for_contact(&contact.id).unwrap();
    assert_eq!(consents.history.len(), 2);
    let marketing = consents
        .current
        .iter()
        .find(|state| state.kind == ConsentKind::Marketing)
        .unwrap();
    assert_eq!(marketing.granted, Some(false));
    let hipaa = consents
        .current
        .iter()
        .find(|state| state.kind == ConsentKind::Hipaa)
        .unwrap();
    assert_eq!(hipaa.granted, None);
}

#[test]
fn task_views_split_today_upcoming_and_overdue_and_done_sets_completed_at() {
    let (_directory, core) = open_core();
    let project = core
        .projects
        .create(ProjectInput {
            name: "Winter workshop".into(),
            ..ProjectInput::default()
        })
        .unwrap();
    let task = |title: &str, due: Option<&str>| {
        core.tasks
            .create(TaskInput {
                title: title.into(),
                due_date: due.map(str::to_owned),
                project_id: Some(project.id.clone()),
                ..TaskInput::default()
            })
            .unwrap()
    };
    let today = task("Call venue", Some("2026-11-22"));
    task("Send invoices", Some("2026-11-20"));
    task("Print flyers", Some("2026-11-25"));
    task("Someday", None);
    let titles = |view: TaskView| -> Vec<String> {
        core.tasks
            .list(&TaskQuery {
                view,
                today: "2026-11-22".into(),
                project_id: Some(project.id.clone()),
                ..TaskQuery::default()
            })
            .unwrap()
            .into_iter()
            .map(|task| task.title)
            .collect()
    };
    assert_eq!(titles(TaskView::Today), ["Call venue"]);
    assert_eq!(titles(TaskView::Overdue), ["Send invoices"]);
    assert_eq!(titles(TaskView::Upcoming), ["Print flyers"]);
    assert_eq!(titles(TaskView::Open).len(), 4);

    let done = core.tasks.set_status(&today.id, TaskStatus::Done).unwrap();
    assert!(done.task.completed_at.is_some());
    assert_eq!(titles(TaskView::Closed), ["Call venue"]);
    let reopened = core.tasks.set_status(&today.id, TaskStatus::Todo).unwrap();
    assert_eq!(reopened.task.completed_at, None);

    // Completing a task is undone through the change log, back to exactly how it was.
    let completed = core.tasks.set_status(&today.id, TaskStatus::Done).unwrap();
    core.undo.change(&completed.change_id).unwrap();
    let restored = core.tasks.get(&today.id).unwrap();
    assert_eq!(restored.status, TaskStatus::Todo);
    assert_eq!(restored.completed_at, None);

    let subtask = core
        .tasks
        .create(TaskInput {
            title: "Confirm projector".into(),
            parent_task_id: Some(today.id.clone()),
            ..TaskInput::default()
        })
        .unwrap();
    assert_eq!(
        core.tasks.subtasks(&today.id).unwrap(),
        vec![subtask.clone()]
    );
    let nested = core
        .tasks
        .create(TaskInput {
            title: "Too deep".into(),
            parent_task_id: Some(subtask.id),
            ..TaskInput::default()
        })
        .unwrap_err();
    assert_eq!(nested.field_errors()[0].field, "parent_task_id");

    let bad_date = core
        .tasks
        .list(&TaskQuery {
            today: "22/11/2026".into(),
            ..TaskQuery::default()
        })
        .unwrap_err();
    assert_eq!(bad_date.field_errors()[0].field, "today");
}

#[test]
fn client_wellness_goals_need_a_client() {
    let (_directory, core) = open_core();
    let missing = core
        .goals
        .create(GoalInput {
            title: "Sleep 7 hours".into(),
            description: None,
            kind: GoalKind::ClientWellness,
            status: None,
            contact_id: None,
            target_date: None,
            progress: Some(10),
        })
        .unwrap_err();
    assert_eq!(missing.field_errors()[0].field, "contact_id");
    let contact = core.contacts.create(person("Ivy Jay")).unwrap();
    let goal = core
        .goals
        .create(GoalInput {
            title: "Sleep 7 hours".into(),
            description: None,
            kind: GoalKind::ClientWellness,
            status: None,
            contact_id: Some(contact.id.clone()),
            target_date: Some("2027-01-31".into()),
            progress: Some(10),
        })
        .unwrap();
    assert_eq!(core.goals.list(Some(&contact.id)).unwrap(), [goal]);
}

#[test]
fn the_timeline_merges_interactions_notes_and_tasks_newest_first_in_pages() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(person("Jo Kay")).unwrap();
    for day in 1..=5 {
        core.interactions
            .create(InteractionInput {
                kind: Some(InteractionKind::Call),
                subject: Some(format!("Call {day}")),
                occurred_at: Some(format!("2026-11-{day:02}T10:00:00Z")),
                contact_ids: vec![contact.id.clone()],
                ..InteractionInput::default()
            })
            .unwrap();
    }
    core.notes
        .create(&contact.id, NoteInput::plain("Newest note"))
        .unwrap();
    core.tasks
        .create(TaskInput {
            title: "Follow up".into(),
            contact_ids: vec![contact.id.clone()],
            ..TaskInput::default()
        })
        .unwrap();

    let first = core.timeline.page(&contact.id, None, 4).unwrap();
    let kinds: Vec<TimelineItemKind> = first.items.iter().map(|item| item.kind).collect();
    assert_eq!(
        kinds,
        [
            TimelineItemKind::Task,
            TimelineItemKind::Note,
            TimelineItemKind::Interaction,
            TimelineItemKind::Interaction
        ]
    );
    assert_eq!(first.items[2].title.as_deref(), Some("Call 5"));
    let second = core
        .timeline
        .page(&contact.id, first.next.as_ref(), 4)
        .unwrap();
    let titles: Vec<_> = second
        .items
        .iter()
        .filter_map(|i| i.title.clone())
        .collect();
    assert_eq!(titles, ["Call 3", "Call 2", "Call 1"]);
    assert_eq!(second.next, None);
}

#[test]
fn undo_reverts_task_changes_and_refuses_when_a_later_edit_exists() {
    let (_directory, core) = open_core();
    let task = core
        .tasks
        .create(TaskInput {
            title: "Draft newsletter".into(),
            ..TaskInput::default()
        })
        .unwrap();
    let receipt = core.tasks.delete(&task.id).unwrap();
    core.undo.change(&receipt.change_id).unwrap();
    assert_eq!(core.tasks.get(&task.id).unwrap().title, "Draft newsletter");

    // A change that was undone no longer blocks undoing the one before it...
    let history = core.changes.history("task", &task.id).unwrap();
    let create_change = history[0].id.clone();
    core.tasks
        .set_status(&task.id, TaskStatus::InProgress)
        .unwrap();
    // ...but a later edit that stands does.
    let refused = core.undo.change(&create_change).unwrap_err();
    assert_eq!(refused.code, ErrorCode::UndoUnavailable);
}

#[test]
fn bulk_edit_and_bulk_delete_are_each_one_undoable_batch() {
    use omnicrm_core::contacts::{BulkEdit, ClientStatus, LifecycleStage};
    let (_directory, core) = open_core();
    let ids: Vec<String> = ["Kai Lee", "Lia Moss", "Max Nye"]
        .iter()
        .map(|name| core.contacts.create(person(name)).unwrap().id)
        .collect();
    let nothing = core
        .contacts
        .bulk_edit(&ids, &BulkEdit::default())
        .unwrap_err();
    assert_eq!(nothing.field_errors()[0].field, "edit");

    let edit = core
        .contacts
        .bulk_edit(
            &ids[..2],
            &BulkEdit {
                lifecycle_stage: Some(LifecycleStage::VipClient),
                client_status: Some(ClientStatus::AtRisk),
            },
        )
        .unwrap();
    assert_eq!(edit.changed, 2);
    assert_eq!(
        core.contacts.get(&ids[0]).unwrap().lifecycle_stage,
        Some(LifecycleStage::VipClient)
    );
    let deleted = core.contacts.delete_many(&ids).unwrap();
    assert!(core.contacts.get(&ids[2]).is_err());
    core.undo.batch(&deleted.batch_id).unwrap();
    core.undo.batch(&edit.batch_id).unwrap();
    let restored = core.contacts.get(&ids[1]).unwrap();
    assert_eq!(restored.lifecycle_stage, None);
    assert_eq!(restored.client_status, ClientStatus::Active);
    assert!(core.contacts.get(&ids[2]).is_ok());
}

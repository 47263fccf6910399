use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use uuid::Uuid;

use super::*;
use crate::root::{RootEntry, WorkspaceRoot};
use crate::DocumentId;

fn contact() -> Contact {
    Contact {
        company: Some("Analytical Engines".into()),
        identities: vec![Identity {
            kind: "email".into(),
            value: "ada@example.com".into(),
            provider: Some(OWN_IDENTITY_PROVIDER.into()),
        }],
        tags: vec!["client".into(), "vip".into()],
        emails: vec![Email {
            address: "ada@example.com".into(),
            label: Some("work".into()),
            is_primary: true,
        }],
        ..Contact::named(Uuid::now_v7(), "Ada Lovelace")
    }
}

/// A contact with every field filled, health details included.
fn full_contact() -> Contact {
    Contact {
        identities: vec![
            Identity {
                kind: "email".into(),
                value: "ada@example.com".into(),
                provider: Some(OWN_IDENTITY_PROVIDER.into()),
            },
            Identity {
                kind: "handle".into(),
                value: "@ada".into(),
                provider: Some("manual".into()),
            },
        ],
        emails: vec![
            Email {
                address: "zed@example.com".into(),
                label: None,
                is_primary: false,
            },
            Email {
                address: "ada@example.com".into(),
                label: Some("work".into()),
                is_primary: true,
            },
        ],
        phones: vec![Phone {
            number: "+14155550123".into(),
            label: Some("mobile".into()),
            is_primary: true,
        }],
        address: Some(Address {
            street: Some("1 Engine Lane".into()),
            city: Some("London".into()),
            region: None,
            postal_code: Some("N1".into()),
            country: Some("GB".into()),
        }),
        date_of_birth: Some("1815-12-10".into()),
        photo: Some("data:image/png;base64,AAAA".into()),
        lifecycle_stage: Some("core_client".into()),
        client_status: Some("active".into()),
        source: Some("manual".into()),
        referral_source: Some("Charles".into()),
        preferences: serde_json::json!({"preferred_time": "mornings", "reminders": [1, 2.5, true, null, {"a": "b"}]}),
        health: Some(HealthDetails {
            context: serde_json::json!({"allergies": "arnica", "pregnant": false}),
            emergency_contact_name: Some("William".into()),
            emergency_contact_phone: Some("+14155550100".into()),
        }),
        ..contact()
    }
}

#[test]
fn contact_round_trips_through_a_document() {
    let record = contact();
    let doc = RecordDocument::create(&record).unwrap();
    assert_eq!(RecordDocument::read::<Contact>(&doc).unwrap(), record);
    assert_eq!(RecordDocument::kind(&doc).unwrap(), RecordKind::Contact);
    assert_eq!(
        RecordDocument::schema_version(&doc).unwrap(),
        SCHEMA_VERSION
    );
}

#[test]
fn every_kind_round_trips() {
    let contact_id = Some(Uuid::now_v7());
    let note = Note {
        body_html: Some("<p>Talked about <strong>goals</strong></p>".into()),
        source_type: Some("voice".into()),
        ..Note::plain(Uuid::now_v7(), "Talked about goals", contact_id)
    };
    let task = Task {
        description: Some("Before Friday".into()),
        status: "done".into(),
        priority: Some("high".into()),
        due_date: Some("2025-01-02".into()),
        completed_at: Some("2025-01-01T03:04:05.000Z".into()),
        project_id: Some(Uuid::now_v7()),
        zone_id: Some(Uuid::now_v7()),
        parent_task_id: Some(Uuid::now_v7()),
        contact_ids: vec![Uuid::now_v7(), Uuid::now_v7(), Uuid::from_u128(1)],
        ..Task::titled(Uuid::now_v7(), "Send invoice")
    };
    let project = Project {
        id: Uuid::now_v7(),
        name: "Intake".into(),
        status: "active".into(),
        description: Some("New clients".into()),
        zone_id: Some(Uuid::now_v7()),
        due_date: Some("2025-03-01".into()),
        private: false,
    };
    let interaction = Interaction {
        id: Uuid::now_v7(),
        kind: "call".into(),
        occurred_at: "2025-01-02T03:04:05.000Z".into(),
        summary: "First call".into(),
        body: Some("Went well".into()),
        duration_minutes: Some(45),
        metadata: serde_json::json!({"direction": "outbound"}),
        contact_ids: vec![Uuid::now_v7(), Uuid::from_u128(7)],
        private: false,
    };
    let goal = Goal {
        id: Uuid::now_v7(),
        title: "Sleep better".into(),
        description: Some("Eight hours".into()),
        kind: "client_wellness".into(),
        status: "at_risk".into(),
        contact_id,
        target_date: Some("2025-06-01".into()),
        progress: 40,
        private: false,
    };
    let zone = Zone {
        id: Uuid::now_v7(),
        name: "Practice".into(),
        color: "#336699".into(),
        icon: Some("leaf".into()),
        position: 3,
        private: false,
    };
    let tag = Tag {
        id: Uuid::now_v7(),
        name: "Reiki".into(),
        category: Some("services_modalities".into()),
        color: "#aabbcc".into(),
        is_system: true,
        private: false,
    };
    let consent = Consent {
        id: Uuid::now_v7(),
        contact_id,
        kind: "hipaa".into(),
        granted: true,
        recorded_at: "2025-01-02T03:04:05.000Z".into(),
        note: Some("Signed on paper".into()),
        private: false,
    };
    let full = full_contact();
    assert_eq!(
        RecordDocument::read::<Contact>(&RecordDocument::create(&full).unwrap()).unwrap(),
        full
    );
    for record in [
        AnyRecord::Goal(goal),
        AnyRecord::Zone(zone),
        AnyRecord::Tag(tag),
        AnyRecord::Consent(consent),
    ] {
        let doc = match &record {
            AnyRecord::Goal(goal) => RecordDocument::create(goal),
            AnyRecord::Zone(zone) => RecordDocument::create(zone),
            AnyRecord::Tag(tag) => RecordDocument::create(tag),
            AnyRecord::Consent(consent) => RecordDocument::create(consent),
            _ => unreachable!(),
        }
        .unwrap();
        assert_eq!(AnyRecord::read(&doc).unwrap(), Some(record));
    }
    assert_eq!(
        RecordDocument::read::<Note>(&RecordDocument::create(&note).unwrap()).unwrap(),
        note
    );
    assert_eq!(
        RecordDocument::read::<Task>(&RecordDocument::create(&task).unwrap()).unwrap(),
        task
    );
    assert_eq!(
        RecordDocument::read::<Project>(&RecordDocument::create(&project).unwrap()).unwrap(),
        project
    );
    let doc = RecordDocument::create(&interaction).unwrap();
    assert_eq!(
        AnyRecord::read(&doc).unwrap(),
        Some(AnyRecord::Interaction(interaction))
    );
}

#[test]
fn private_records_never_become_documents() {
    let mut record = contact();
    record.private = true;
    assert!(matches!(
        RecordDocument::create(&record),
        Err(ModelError::PrivateRecord { .. })
    ));
    let mut doc = RecordDocument::create(&contact()).unwrap();
    let mut secret = RecordDocument::read::<Contact>(&doc).unwrap();
    secret.private = true;
    secret.display_name = "changed while private".into();
    assert!(matches!(
        RecordDocument::update(&mut doc, &secret),
        Err(ModelError::PrivateRecord { .. })
    ));
    assert_eq!(
        RecordDocument::read::<Contact>(&doc).unwrap().display_name,
        "Ada Lovelace"
    );
}

#[test]
fn unknown_fields_survive_an_update() {
    let record = contact();
    let mut doc = RecordDocument::create(&record).unwrap();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "pronouns", "she/her")?;
        Ok(())
    })
    .unwrap();
    let mut changed = record.clone();
    changed.display_name = "Augusta Ada King".into();
    changed.tags = vec!["client".into()];
    RecordDocument::update(&mut doc, &changed).unwrap();
    assert_eq!(RecordDocument::read::<Contact>(&doc).unwrap(), changed);
    let pronouns = crate::fields::get_string(&doc, &ROOT, "pronouns").unwrap();
    assert_eq!(pronouns.as_deref(), Some("she/her"));
}

#[test]
fn an_unchanged_update_makes_no_change() {
    let record = contact();
    let mut doc = RecordDocument::create(&record).unwrap();
    let heads = doc.get_heads();
    RecordDocument::update(&mut doc, &record).unwrap();
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn newer_schema_documents_are_read_only() {
    let record = contact();
    let mut doc = RecordDocument::create(&record).unwrap();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "schema_version", SCHEMA_VERSION + 1)?;
        Ok(())
    })
    .unwrap();
    assert!(RecordDocument::read::<Contact>(&doc).is_ok());
    assert!(matches!(
        RecordDocument::update(&mut doc, &record),
        Err(ModelError::SchemaTooNew { .. })
    ));
}

#[test]
fn deletion_is_a_tombstone() {
    let mut doc = RecordDocument::create(&contact()).unwrap();
    assert_eq!(RecordDocument::deleted_at(&doc).unwrap(), None);
    RecordDocument::tombstone(&mut doc, "2025-01-02T03:04:05.000Z").unwrap();
    assert_eq!(
        RecordDocument::deleted_at(&doc).unwrap().as_deref(),
        Some("2025-01-02T03:04:05.000Z")
    );
    assert!(RecordDocument::read::<Contact>(&doc).is_ok());
}

#[test]
fn concurrent_tag_additions_both_survive_a_merge() {
    let record = contact();
    let mut left = RecordDocument::create(&record).unwrap();
    let mut right = Automerge::load(&left.save()).unwrap();
    let mut on_left = record.clone();
    on_left.tags.push("left".into());
    let mut on_right = record.clone();
    on_right.tags.push("right".into());
    RecordDocument::update(&mut left, &on_left).unwrap();
    RecordDocument::update(&mut right, &on_right).unwrap();
    left.merge(&mut right).unwrap();
    let merged = RecordDocument::read::<Contact>(&left).unwrap();
    assert_eq!(merged.tags, vec!["client", "left", "right", "vip"]);
}

#[test]
fn root_indexes_record_documents() {
    let workspace = Uuid::now_v7();
    let mut root = WorkspaceRoot::create(workspace).unwrap();
    let entry = RootEntry {
        record_id: Uuid::now_v7(),
        kind: RecordKind::Note,
        document_id: DocumentId::random(),
    };
    WorkspaceRoot::add(&mut root, &entry).unwrap();
    WorkspaceRoot::add(&mut root, &entry).unwrap();
    assert_eq!(WorkspaceRoot::entries(&root).unwrap(), vec![entry]);
    assert_eq!(AnyRecord::read(&root).unwrap(), None);
}

/// Puts an unknown field beside the kind's own, at the root and inside a nested map.
fn add_unknown_fields(doc: &mut Automerge) {
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "pronouns", "she/her")?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn unknown_fields_survive_an_update_of_the_new_fields() {
    let record = full_contact();
    let mut doc = RecordDocument::create(&record).unwrap();
    add_unknown_fields(&mut doc);
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let (_, address) = tx.get(ROOT, "address")?.unwrap();
        tx.put(&address, "unit", "4B")?;
        Ok(())
    })
    .unwrap();
    let mut changed = record.clone();
    changed.lifecycle_stage = Some("vip_client".into());
    changed.address = Some(Address {
        city: Some("Bath".into()),
        ..changed.address.clone().unwrap()
    });
    changed.preferences = serde_json::json!({"preferred_time": "evenings"});
    changed.phones.clear();
    RecordDocument::update(&mut doc, &changed).unwrap();
    assert_eq!(RecordDocument::read::<Contact>(&doc).unwrap(), changed);
    let pronouns = crate::fields::get_string(&doc, &ROOT, "pronouns").unwrap();
    assert_eq!(pronouns.as_deref(), Some("she/her"));
    let address = crate::fields::get_map(&doc, &ROOT, "address")
        .unwrap()
        .unwrap();
    let unit = crate::fields::get_string(&doc, &address, "unit").unwrap();
    assert_eq!(unit.as_deref(), Some("4B"));

    let task = Task::titled(Uuid::now_v7(), "Call back");
    let mut doc = RecordDocument::create(&task).unwrap();
    add_unknown_fields(&mut doc);
    let done = Task {
        status: "done".into(),
        ..task
    };
    RecordDocument::update(&mut doc, &done).unwrap();
    assert_eq!(RecordDocument::read::<Task>(&doc).unwrap(), done);
    let pronouns = crate::fields::get_string(&doc, &ROOT, "pronouns").unwrap();
    assert_eq!(pronouns.as_deref(), Some("she/her"));
}

#[test]
fn a_contact_without_health_details_leaves_the_documents_health_details_alone() {
    let shared = full_contact();
    let mut doc = RecordDocument::create(&shared).unwrap();
    let mut unshared = shared.clone();
    unshared.health = None;
    unshared.display_name = "Augusta Ada King".into();
    RecordDocument::update(&mut doc, &unshared).unwrap();
    let read = RecordDocument::read::<Contact>(&doc).unwrap();
    assert_eq!(read.display_name, "Augusta Ada King");
    assert_eq!(read.health, shared.health);

    let mut never_shared = RecordDocument::create(&unshared).unwrap();
    assert_eq!(
        RecordDocument::read::<Contact>(&never_shared)
            .unwrap()
            .health,
        None
    );
    assert!(crate::fields::get_map(&never_shared, &ROOT, "health")
        .unwrap()
        .is_none());
    RecordDocument::update(&mut never_shared, &unshared).unwrap();
    assert!(crate::fields::get_map(&never_shared, &ROOT, "health")
        .unwrap()
        .is_none());
}

/// A document as schema version 1 wrote it: the envelope and version 1's fields only.
fn version_one_document(
    kind: &str,
    fields: &[(&str, automerge::ScalarValue)],
) -> (Automerge, Uuid) {
    let id = Uuid::now_v7();
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "schema_version", 1u64)?;
        tx.put(ROOT, "kind", kind)?;
        tx.put(ROOT, "id", id.to_string())?;
        tx.put(ROOT, "deleted_at", automerge::ScalarValue::Null)?;
        for (key, value) in fields {
            tx.put(ROOT, *key, value.clone())?;
        }
        Ok(())
    })
    .unwrap();
    (doc, id)
}

#[test]
fn a_version_one_contact_is_read_and_upgraded_on_the_next_write() {
    let (mut doc, id) = version_one_document(
        "contact",
        &[
            ("display_name", "Ada Lovelace".into()),
            ("company", "Analytical Engines".into()),
        ],
    );
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let identities = tx.put_object(ROOT, "identities", automerge::ObjType::Map)?;
        for (kind, value) in [
            ("email", "ada@example.com"),
            ("phone", "+14155550123"),
            ("email", "lovelace@example.com"),
        ] {
            let entry = tx.put_object(
                &identities,
                format!("{kind}:{value}"),
                automerge::ObjType::Map,
            )?;
            tx.put(&entry, "kind", kind)?;
            tx.put(&entry, "value", value)?;
        }
        let tags = tx.put_object(ROOT, "tags", automerge::ObjType::Map)?;
        tx.put(&tags, "client", true)?;
        Ok(())
    })
    .unwrap();

    let read = RecordDocument::read::<Contact>(&doc).unwrap();
    assert_eq!(read.id, id);
    assert_eq!(read.display_name, "Ada Lovelace");
    assert_eq!(read.company.as_deref(), Some("Analytical Engines"));
    assert_eq!(read.tags, vec!["client"]);
    assert_eq!(
        read.emails,
        vec![
            Email {
                address: "ada@example.com".into(),
                label: None,
                is_primary: true
            },
            Email {
                address: "lovelace@example.com".into(),
                label: None,
                is_primary: false
            },
        ]
    );
    assert_eq!(read.phones.len(), 1);
    assert_eq!(read.phones[0].number, "+14155550123");
    assert_eq!(read.health, None);
    assert_eq!(read.preferences, serde_json::Value::Null);

    let mut edited = read.clone();
    edited.lifecycle_stage = Some("new_client".into());
    RecordDocument::update(&mut doc, &edited).unwrap();
    assert_eq!(
        RecordDocument::schema_version(&doc).unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(RecordDocument::read::<Contact>(&doc).unwrap(), edited);
    assert!(crate::fields::get_map(&doc, &ROOT, "emails")
        .unwrap()
        .is_some());
}

#[test]
fn a_version_one_task_is_read_and_upgraded_on_the_next_write() {
    let contact_id = Uuid::now_v7();
    let project_id = Uuid::now_v7();
    let (mut doc, id) = version_one_document(
        "task",
        &[
            ("title", "Send invoice".into()),
            ("done", true.into()),
            ("due_at", "2025-01-02T03:04:05.000Z".into()),
            ("contact_id", contact_id.to_string().into()),
            ("project_id", project_id.to_string().into()),
        ],
    );
    let read = RecordDocument::read::<Task>(&doc).unwrap();
    assert_eq!(
        read,
        Task {
            status: "done".into(),
            due_date: Some("2025-01-02".into()),
            contact_ids: vec![contact_id],
            project_id: Some(project_id),
            ..Task::titled(id, "Send invoice")
        }
    );
    let mut reopened = read.clone();
    reopened.status = "in_progress".into();
    RecordDocument::update(&mut doc, &reopened).unwrap();
    assert_eq!(
        RecordDocument::schema_version(&doc).unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(RecordDocument::read::<Task>(&doc).unwrap(), reopened);
    // Version-1 readers still see the task through the fields they know.
    assert!(!crate::fields::get_bool(&doc, &ROOT, "done").unwrap());
    assert_eq!(
        crate::fields::get_string(&doc, &ROOT, "due_at")
            .unwrap()
            .as_deref(),
        Some("2025-01-02T00:00:00.000Z")
    );
    assert_eq!(get_uuid(&doc, "contact_id").unwrap(), Some(contact_id));
}

#[test]
fn version_one_notes_projects_and_interactions_still_read() {
    let contact_id = Uuid::now_v7();
    let (doc, id) = version_one_document("note", &[("contact_id", contact_id.to_string().into())]);
    let mut doc = doc;
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        let body = tx.put_object(ROOT, "body", automerge::ObjType::Text)?;
        tx.splice_text(&body, 0, 0, "Talked about goals")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(
        RecordDocument::read::<Note>(&doc).unwrap(),
        Note::plain(id, "Talked about goals", Some(contact_id))
    );
    let (doc, id) = version_one_document(
        "project",
        &[("name", "Intake".into()), ("status", "active".into())],
    );
    assert_eq!(
        RecordDocument::read::<Project>(&doc).unwrap(),
        Project {
            id,
            name: "Intake".into(),
            status: "active".into(),
            description: None,
            zone_id: None,
            due_date: None,
            private: false,
        }
    );
    let (mut doc, id) = version_one_document(
        "interaction",
        &[
            ("interaction_kind", "call".into()),
            ("occurred_at", "2025-01-02T03:04:05.000Z".into()),
            ("summary", "First call".into()),
            ("contact_id", contact_id.to_string().into()),
        ],
    );
    let read = RecordDocument::read::<Interaction>(&doc).unwrap();
    assert_eq!(
        read,
        Interaction {
            id,
            kind: "call".into(),
            occurred_at: "2025-01-02T03:04:05.000Z".into(),
            summary: "First call".into(),
            body: None,
            duration_minutes: None,
            metadata: serde_json::Value::Null,
            contact_ids: vec![contact_id],
            private: false,
        }
    );
    RecordDocument::update(&mut doc, &read).unwrap();
    assert_eq!(
        RecordDocument::schema_version(&doc).unwrap(),
        SCHEMA_VERSION
    );
    assert_eq!(RecordDocument::read::<Interaction>(&doc).unwrap(), read);
}

#[test]
fn an_unchanged_update_of_a_full_contact_makes_no_change() {
    let record = full_contact();
    let mut doc = RecordDocument::create(&record).unwrap();
    let heads = doc.get_heads();
    RecordDocument::update(&mut doc, &record).unwrap();
    assert_eq!(doc.get_heads(), heads);
}

#[test]
fn concurrent_preference_edits_of_different_keys_both_survive_a_merge() {
    let record = full_contact();
    let mut left = RecordDocument::create(&record).unwrap();
    let mut right = Automerge::load(&left.save()).unwrap();
    let mut on_left = record.clone();
    on_left.preferences["left"] = serde_json::json!(1);
    let mut on_right = record.clone();
    on_right.preferences["right"] = serde_json::json!(2);
    RecordDocument::update(&mut left, &on_left).unwrap();
    RecordDocument::update(&mut right, &on_right).unwrap();
    left.merge(&mut right).unwrap();
    let merged = RecordDocument::read::<Contact>(&left).unwrap();
    assert_eq!(merged.preferences["left"], 1);
    assert_eq!(merged.preferences["right"], 2);
    assert_eq!(merged.preferences["preferred_time"], "mornings");
}

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use uuid::Uuid;

use super::*;
use crate::root::{RootEntry, WorkspaceRoot};
use crate::DocumentId;

fn contact() -> Contact {
    Contact {
        id: Uuid::now_v7(),
        display_name: "Ada Lovelace".into(),
        company: Some("Analytical Engines".into()),
        identities: vec![Identity {
            kind: "email".into(),
            value: "ada@example.com".into(),
        }],
        tags: vec!["client".into(), "vip".into()],
        private: false,
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
        id: Uuid::now_v7(),
        body: "Talked about goals".into(),
        contact_id,
        private: false,
    };
    let task = Task {
        id: Uuid::now_v7(),
        title: "Send invoice".into(),
        done: true,
        due_at: Some("2025-01-02T03:04:05.000Z".into()),
        contact_id,
        project_id: None,
        private: false,
    };
    let project = Project {
        id: Uuid::now_v7(),
        name: "Intake".into(),
        status: "active".into(),
        private: false,
    };
    let interaction = Interaction {
        id: Uuid::now_v7(),
        kind: "call".into(),
        occurred_at: "2025-01-02T03:04:05.000Z".into(),
        summary: "First call".into(),
        contact_id,
        private: false,
    };
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

//! The mapping against what core's services actually store, on a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::Automerge;
use omnicrm_core::consents::{ConsentInput, ConsentKind};
use omnicrm_core::contacts::{
    input_of, Address, ClientStatus, Contact, ContactInput, ContactSource, EmailEntry,
    LifecycleStage, PhoneEntry,
};
use omnicrm_core::identities::{AddedIdentity, IdentityKind};
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::notes::{NoteInput, NoteSource};
use omnicrm_core::productivity::{
    GoalInput, GoalKind, GoalStatus, ProjectInput, ProjectStatus, TaskInput, TaskPriority,
    TaskStatus, ZoneInput,
};
use omnicrm_core::tags::{TagCategory, TagInput};
use omnicrm_core::Core;
use omnicrm_sync::{RecordDocument, SyncRecord};
use omnicrm_sync_client::mapping::{self, LocalContact};
use omnicrm_sync_client::{MappingError, NotShareable, SharingPolicy};
use proptest::prelude::*;

const PHOTO: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const SHARE: SharingPolicy = SharingPolicy {
    share_health_details: true,
};

fn open_core() -> (tempfile::TempDir, Core) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let core = Core::open(directory.path()).expect("open core");
    (directory, core)
}

/// The record after a trip through a new document and back.
fn through_document<R: SyncRecord>(record: &R) -> R {
    let doc: Automerge = RecordDocument::create(record).unwrap();
    let bytes = doc.save();
    RecordDocument::read(&Automerge::load(&bytes).unwrap()).unwrap()
}

fn full_contact_input() -> ContactInput {
    ContactInput {
        display_name: "Ada Lovelace".into(),
        organization: Some("Analytical Engines".into()),
        emails: vec![
            EmailEntry {
                address: "ada@example.com".into(),
                label: Some("work".into()),
                is_primary: true,
            },
            EmailEntry {
                address: "countess@example.org".into(),
                label: None,
                is_primary: false,
            },
        ],
        phones: vec![PhoneEntry {
            number: "+1 415 555 0134".into(),
            label: Some("mobile".into()),
            is_primary: true,
        }],
        address: Some(Address {
            street: Some("1 Engine Lane".into()),
            city: Some("London".into()),
            region: Some("Greater London".into()),
            postal_code: Some("N1 9GU".into()),
            country: Some("GB".into()),
        }),
        date_of_birth: Some("1985-12-10".into()),
        photo: Some(PHOTO.into()),
        lifecycle_stage: Some(LifecycleStage::VipClient),
        client_status: Some(ClientStatus::AtRisk),
        source: Some(ContactSource::OnboardingForm),
        referral_source: Some("Charles Babbage".into()),
        emergency_contact_name: Some("William King".into()),
        emergency_contact_phone: Some("+44 20 7946 0958".into()),
        health_context: serde_json::json!({"allergies": "arnica", "pregnant": false, "injuries": ["knee"]}),
        preferences: serde_json::json!({"preferred_time": "mornings", "reminders": 2}),
        tags: vec!["Reiki".into(), "VIP".into()],
    }
}

/// A stored contact with every field filled and an added identity, as core stores it.
fn stored_contact(core: &Core) -> Contact {
    let contact = core.contacts.create(full_contact_input()).unwrap();
    core.identities
        .add(&contact.id, IdentityKind::Handle, "@ada", "manual")
        .unwrap();
    core.identities
        .add(&contact.id, IdentityKind::Email, "ada@gmail.com", "gmail")
        .unwrap();
    contact
}

fn remote_contact(
    core: &Core,
    contact: &Contact,
    local: Option<&Contact>,
    write: SharingPolicy,
    read: SharingPolicy,
) -> mapping::RemoteContact {
    let identifiers = core.identities.list_for_contact(&contact.id).unwrap();
    let record = mapping::contact_to_sync(
        &LocalContact {
            contact,
            identifiers: &identifiers,
            private: false,
        },
        &write,
    )
    .unwrap();
    mapping::contact_from_sync(&through_document(&record), local, &read).unwrap()
}

#[test]
fn a_contact_with_every_field_round_trips_through_a_document() {
    let (_directory, core) = open_core();
    let contact = stored_contact(&core);
    let remote = remote_contact(&core, &contact, None, SHARE, SHARE);
    assert_eq!(remote.id, contact.id);
    assert_eq!(remote.input, input_of(contact.clone()));
    assert_eq!(
        remote.identities,
        vec![
            AddedIdentity {
                kind: IdentityKind::Email,
                value: "ada@gmail.com".into(),
                provider: "gmail".into(),
            },
            AddedIdentity {
                kind: IdentityKind::Handle,
                value: "@ada".into(),
                provider: "manual".into(),
            },
        ]
    );
    // Applied through the service, the input stores the same contact.
    let applied = core.contacts.update(&contact.id, remote.input).unwrap();
    assert_eq!(
        Contact {
            updated_at: contact.updated_at.clone(),
            ..applied
        },
        contact
    );
}

#[test]
fn health_details_travel_only_when_the_workspace_shares_them() {
    let (_directory, core) = open_core();
    let contact = stored_contact(&core);
    let identifiers = core.identities.list_for_contact(&contact.id).unwrap();
    let local = LocalContact {
        contact: &contact,
        identifiers: &identifiers,
        private: false,
    };

    // Off (the default): nothing health-related is in the record or the document.
    let unshared = mapping::contact_to_sync(&local, &SharingPolicy::default()).unwrap();
    assert_eq!(unshared.health, None);
    let doc = RecordDocument::create(&unshared).unwrap();
    let saved = String::from_utf8_lossy(&doc.save()).into_owned();
    assert!(!saved.contains("arnica"));
    assert!(!saved.contains("William King"));

    // On: they are written.
    let shared = mapping::contact_to_sync(&local, &SHARE).unwrap();
    let health = shared.health.clone().unwrap();
    assert_eq!(health.context, contact.health_context);
    assert_eq!(
        health.emergency_contact_name,
        contact.emergency_contact_name
    );
    assert_eq!(
        health.emergency_contact_phone,
        contact.emergency_contact_phone
    );
}

#[test]
fn turning_health_sharing_off_neither_clears_the_remote_nor_the_local_details() {
    let (_directory, core) = open_core();
    let contact = stored_contact(&core);
    let identifiers = core.identities.list_for_contact(&contact.id).unwrap();
    let local = LocalContact {
        contact: &contact,
        identifiers: &identifiers,
        private: false,
    };
    let mut doc =
        RecordDocument::create(&mapping::contact_to_sync(&local, &SHARE).unwrap()).unwrap();

    // Sharing turned off, then an edit: the document keeps the details written before.
    let mut edited = contact.clone();
    edited.display_name = "Augusta Ada King".into();
    edited.health_context = serde_json::Value::Null;
    let unshared = mapping::contact_to_sync(
        &LocalContact {
            contact: &edited,
            ..local
        },
        &SharingPolicy::default(),
    )
    .unwrap();
    RecordDocument::update(&mut doc, &unshared).unwrap();
    let read: omnicrm_sync::Contact = RecordDocument::read(&doc).unwrap();
    assert_eq!(read.display_name, "Augusta Ada King");
    assert_eq!(read.health.unwrap().context, contact.health_context);

    // A document without health details never clears the local ones, whatever the policy.
    let without = through_document(&unshared);
    assert_eq!(without.health, None);
    for policy in [SharingPolicy::default(), SHARE] {
        let remote = mapping::contact_from_sync(&without, Some(&contact), &policy).unwrap();
        assert_eq!(remote.input.health_context, contact.health_context);
        assert_eq!(
            remote.input.emergency_contact_name,
            contact.emergency_contact_name
        );
        assert_eq!(
            remote.input.emergency_contact_phone,
            contact.emergency_contact_phone
        );
    }

    // With sharing off, a document's health details are not applied here either.
    let mut other = contact.clone();
    other.health_context = serde_json::json!({"allergies": "none"});
    let remote = remote_contact(
        &core,
        &contact,
        Some(&other),
        SHARE,
        SharingPolicy::default(),
    );
    assert_eq!(remote.input.health_context, other.health_context);
    // With it on, they are.
    let remote = remote_contact(&core, &contact, Some(&other), SHARE, SHARE);
    assert_eq!(remote.input.health_context, contact.health_context);
}

#[test]
fn private_records_are_never_mapped() {
    let (_directory, core) = open_core();
    let contact = stored_contact(&core);
    let identifiers = core.identities.list_for_contact(&contact.id).unwrap();
    let refused = mapping::contact_to_sync(
        &LocalContact {
            contact: &contact,
            identifiers: &identifiers,
            private: true,
        },
        &SHARE,
    );
    assert!(matches!(
        refused,
        Err(MappingError::NotShareable {
            reason: NotShareable::Private,
            ..
        })
    ));
    let note = core
        .notes
        .create(
            &contact.id,
            NoteInput {
                is_private: true,
                ..NoteInput::plain("Between us")
            },
        )
        .unwrap();
    assert!(matches!(
        mapping::note_to_sync(&note),
        Err(MappingError::NotShareable {
            reason: NotShareable::Private,
            ..
        })
    ));
    // Still refused after any other change.
    let edited = core
        .notes
        .update(
            &note.id,
            NoteInput {
                is_private: true,
                body_html: Some("<p>Changed</p>".into()),
                ..NoteInput::default()
            },
        )
        .unwrap();
    assert!(mapping::note_to_sync(&edited).is_err());
}

#[test]
fn imported_interactions_are_not_mapped() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(full_contact_input()).unwrap();
    let imported = core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Email),
            subject: Some("Hello".into()),
            contact_ids: vec![contact.id.clone()],
            source: Some("gmail".into()),
            source_id: Some("message-1".into()),
            ..InteractionInput::default()
        })
        .unwrap();
    assert!(matches!(
        mapping::interaction_to_sync(&imported),
        Err(MappingError::NotShareable {
            reason: NotShareable::Imported,
            ..
        })
    ));
}

#[test]
fn notes_round_trip_with_their_rich_text_body() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(full_contact_input()).unwrap();
    let note = core
        .notes
        .create(
            &contact.id,
            NoteInput {
                body_html: Some(
                    "<p>Back &amp; <strong>neck</strong></p><ul><li>stretch</li></ul>".into(),
                ),
                source_type: Some(NoteSource::Voice),
                ..NoteInput::default()
            },
        )
        .unwrap();
    let remote =
        mapping::note_from_sync(&through_document(&mapping::note_to_sync(&note).unwrap())).unwrap();
    assert_eq!(remote.id, note.id);
    assert_eq!(remote.contact_id, note.contact_id);
    assert_eq!(remote.input.body_html, note.body_html);
    let applied = core.notes.update(&note.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::notes::Note {
            updated_at: note.updated_at.clone(),
            ..applied
        },
        note
    );
}

#[test]
fn tasks_projects_goals_and_zones_round_trip() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(full_contact_input()).unwrap();
    let other = core
        .contacts
        .create(ContactInput {
            display_name: "Charles Babbage".into(),
            ..ContactInput::default()
        })
        .unwrap();
    let zone = core
        .zones
        .create(ZoneInput {
            name: "Practice".into(),
            color: Some("#336699".into()),
            icon: Some("leaf".into()),
        })
        .unwrap();
    let project = core
        .projects
        .create(ProjectInput {
            name: "Intake".into(),
            description: Some("New clients".into()),
            zone_id: Some(zone.id.clone()),
            status: Some(ProjectStatus::OnHold),
            due_date: Some("2026-03-01".into()),
        })
        .unwrap();
    let parent = core
        .tasks
        .create(TaskInput {
            title: "Onboard Ada".into(),
            ..TaskInput::default()
        })
        .unwrap();
    let task = core
        .tasks
        .create(TaskInput {
            title: "Send the intake form".into(),
            description: Some("Before Friday".into()),
            status: Some(TaskStatus::Done),
            priority: Some(TaskPriority::High),
            due_date: Some("2026-02-27".into()),
            project_id: Some(project.id.clone()),
            zone_id: Some(zone.id.clone()),
            parent_task_id: Some(parent.id.clone()),
            contact_ids: vec![other.id.clone(), contact.id.clone()],
        })
        .unwrap();
    let goal = core
        .goals
        .create(GoalInput {
            title: "Sleep better".into(),
            description: Some("Eight hours".into()),
            kind: GoalKind::ClientWellness,
            status: Some(GoalStatus::AtRisk),
            contact_id: Some(contact.id.clone()),
            target_date: Some("2026-06-01".into()),
            progress: Some(40),
        })
        .unwrap();

    let remote =
        mapping::task_from_sync(&through_document(&mapping::task_to_sync(&task).unwrap())).unwrap();
    assert_eq!(remote.id, task.id);
    assert_eq!(remote.completed_at, task.completed_at);
    let applied = core.tasks.update(&task.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::productivity::Task {
            updated_at: task.updated_at.clone(),
            ..applied
        },
        task
    );

    let remote = mapping::project_from_sync(&through_document(
        &mapping::project_to_sync(&project).unwrap(),
    ))
    .unwrap();
    assert_eq!(remote.id, project.id);
    let applied = core.projects.update(&project.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::productivity::Project {
            updated_at: project.updated_at.clone(),
            ..applied
        },
        project
    );

    let remote =
        mapping::goal_from_sync(&through_document(&mapping::goal_to_sync(&goal).unwrap())).unwrap();
    assert_eq!(remote.id, goal.id);
    let applied = core.goals.update(&goal.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::productivity::Goal {
            updated_at: goal.updated_at.clone(),
            ..applied
        },
        goal
    );

    let remote =
        mapping::zone_from_sync(&through_document(&mapping::zone_to_sync(&zone).unwrap())).unwrap();
    assert_eq!(remote.id, zone.id);
    assert_eq!(remote.position, zone.position);
    let applied = core.zones.update(&zone.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::productivity::Zone {
            updated_at: zone.updated_at.clone(),
            ..applied
        },
        zone
    );
}

#[test]
fn tags_consents_and_logged_interactions_round_trip() {
    let (_directory, core) = open_core();
    let contact = core.contacts.create(full_contact_input()).unwrap();
    let other = core
        .contacts
        .create(ContactInput {
            display_name: "Charles Babbage".into(),
            ..ContactInput::default()
        })
        .unwrap();
    let tag = core
        .tags
        .create(TagInput {
            name: "Cupping".into(),
            category: Some(TagCategory::ServicesModalities),
            color: Some("#aabbcc".into()),
        })
        .unwrap();
    let consent = core
        .consents
        .record(
            &contact.id,
            ConsentInput {
                kind: ConsentKind::Photography,
                granted: true,
                recorded_at: Some("2026-01-02T03:04:05Z".into()),
                note: Some("Signed on paper".into()),
            },
        )
        .unwrap();
    let interaction = core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Call),
            subject: Some("First call".into()),
            body: Some("Went well".into()),
            occurred_at: Some("2026-01-02T03:04:05Z".into()),
            duration_minutes: Some(45),
            contact_ids: vec![contact.id.clone(), other.id.clone()],
            source_metadata: serde_json::json!({"direction": "outbound"}),
            ..InteractionInput::default()
        })
        .unwrap();

    let remote =
        mapping::tag_from_sync(&through_document(&mapping::tag_to_sync(&tag).unwrap())).unwrap();
    assert_eq!(remote.id, tag.id);
    assert_eq!(remote.is_system, tag.is_system);
    let applied = core.tags.update(&tag.id, remote.input).unwrap();
    assert_eq!(
        omnicrm_core::tags::Tag {
            updated_at: tag.updated_at.clone(),
            ..applied
        },
        tag
    );

    let remote = mapping::consent_from_sync(&through_document(
        &mapping::consent_to_sync(&consent).unwrap(),
    ))
    .unwrap();
    assert_eq!(remote.id, consent.id);
    assert_eq!(remote.contact_id, consent.contact_id);
    // Consents are only ever recorded, never edited: a recording from the remote input is the
    // same grant.
    let recorded = core
        .consents
        .record(&remote.contact_id, remote.input)
        .unwrap();
    assert_eq!(
        omnicrm_core::consents::Consent {
            id: consent.id.clone(),
            created_at: consent.created_at.clone(),
            updated_at: consent.updated_at.clone(),
            ..recorded
        },
        consent
    );

    let remote = mapping::interaction_from_sync(&through_document(
        &mapping::interaction_to_sync(&interaction).unwrap(),
    ))
    .unwrap();
    assert_eq!(remote.id, interaction.id);
    let applied = core
        .interactions
        .update(&interaction.id, remote.input)
        .unwrap();
    assert_eq!(
        omnicrm_core::interactions::Interaction {
            updated_at: interaction.updated_at.clone(),
            ..applied
        },
        interaction
    );
}

#[test]
fn a_seeded_system_tag_keeps_its_flag() {
    let (_directory, core) = open_core();
    let system = core
        .tags
        .list()
        .unwrap()
        .into_iter()
        .map(|usage| usage.tag)
        .find(|tag| tag.is_system);
    if let Some(tag) = system {
        let remote =
            mapping::tag_from_sync(&through_document(&mapping::tag_to_sync(&tag).unwrap()))
                .unwrap();
        assert!(remote.is_system);
    }
}

#[test]
fn an_unknown_stage_from_a_newer_client_is_refused_not_dropped() {
    let (_directory, core) = open_core();
    let contact = stored_contact(&core);
    let identifiers = core.identities.list_for_contact(&contact.id).unwrap();
    let mut record = mapping::contact_to_sync(
        &LocalContact {
            contact: &contact,
            identifiers: &identifiers,
            private: false,
        },
        &SHARE,
    )
    .unwrap();
    record.lifecycle_stage = Some("alumni".into());
    assert_eq!(
        mapping::contact_from_sync(&record, Some(&contact), &SHARE),
        Err(MappingError::UnknownValue {
            field: "lifecycle_stage",
            value: "alumni".into(),
        })
    );
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z0-9 éß'-]{1,20}")
}

fn arbitrary_contact() -> impl Strategy<Value = Contact> {
    (
        "[a-zA-Z][a-zA-Z ]{0,30}",
        optional_text(),
        proptest::collection::btree_set("[a-z]{1,8}@[a-z]{1,8}\\.com", 0..4),
        proptest::collection::btree_set("\\+1415555[0-9]{4}", 0..3),
        proptest::option::of((optional_text(), optional_text(), optional_text())),
        proptest::option::of(proptest::sample::select(LifecycleStage::ALL.to_vec())),
        proptest::sample::select(ClientStatus::ALL.to_vec()),
        proptest::sample::select(ContactSource::ALL.to_vec()),
        (optional_text(), optional_text(), optional_text()),
        proptest::collection::btree_map("[a-z_]{1,10}", any::<i64>(), 0..4),
        proptest::collection::btree_set("[A-Za-z]{1,10}", 0..4),
        any::<bool>(),
    )
        .prop_map(
            |(
                name,
                organization,
                emails,
                phones,
                address,
                stage,
                status,
                source,
                (referral, emergency_name, emergency_phone),
                preferences,
                tags,
                first_is_primary,
            )| Contact {
                id: uuid::Uuid::now_v7().to_string(),
                display_name: name,
                organization,
                emails: emails
                    .into_iter()
                    .enumerate()
                    .map(|(index, address)| EmailEntry {
                        address,
                        label: (index % 2 == 0).then(|| "work".to_owned()),
                        is_primary: first_is_primary && index == 0,
                    })
                    .collect(),
                phones: phones
                    .into_iter()
                    .enumerate()
                    .map(|(index, number)| PhoneEntry {
                        number,
                        label: None,
                        is_primary: index == 0,
                    })
                    .collect(),
                address: address.map(|(street, city, country)| Address {
                    street,
                    city,
                    region: None,
                    postal_code: None,
                    country,
                }),
                date_of_birth: Some("1990-01-31".into()),
                photo: None,
                lifecycle_stage: stage,
                client_status: status,
                source,
                referral_source: referral,
                emergency_contact_name: emergency_name,
                emergency_contact_phone: emergency_phone,
                health_context: serde_json::json!({"note": "x"}),
                preferences: serde_json::to_value(preferences).unwrap_or_default(),
                tags: tags.into_iter().collect(),
                created_at: "2026-01-01T00:00:00.000Z".into(),
                updated_at: "2026-01-01T00:00:00.000Z".into(),
                deleted_at: None,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_contact_round_trips_through_a_document(contact in arbitrary_contact(), share in any::<bool>()) {
        let policy = SharingPolicy { share_health_details: share };
        let record = mapping::contact_to_sync(
            &LocalContact { contact: &contact, identifiers: &[], private: false },
            &policy,
        ).unwrap();
        // Read back with no local contact: health comes back only when it was shared.
        let remote = mapping::contact_from_sync(&through_document(&record), None, &policy).unwrap();
        let mut expected = input_of(contact.clone());
        if !share {
            expected.health_context = serde_json::Value::Null;
            expected.emergency_contact_name = None;
            expected.emergency_contact_phone = None;
        }
        prop_assert_eq!(remote.input, expected);
        prop_assert!(remote.identities.is_empty());
        // With the local contact, nothing is ever lost.
        let remote = mapping::contact_from_sync(&through_document(&record), Some(&contact), &policy).unwrap();
        prop_assert_eq!(remote.input, input_of(contact));
    }
}

//! Duplicate suggestions, merging and dismissals, against a real SQLite file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{email, open_core, person, phone};
use omnicrm_core::consents::{ConsentInput, ConsentKind};
use omnicrm_core::contacts::{Address, Contact, ContactInput, LifecycleStage};
use omnicrm_core::duplicates::{DuplicateConfidence, MergeFieldChoices, MergeRequest};
use omnicrm_core::identities::IdentityKind;
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::{GoalInput, GoalKind, TaskInput};
use omnicrm_core::{Core, ErrorCode};

fn add(core: &Core, input: ContactInput) -> Contact {
    core.contacts.create(input).unwrap()
}

fn with_email(name: &str, address: &str) -> ContactInput {
    ContactInput {
        emails: vec![email(address)],
        ..person(name)
    }
}

fn with_organization(name: &str, organization: &str) -> ContactInput {
    ContactInput {
        organization: Some(organization.to_owned()),
        ..person(name)
    }
}

fn field_names(error: &omnicrm_core::Error) -> Vec<String> {
    error
        .field_errors()
        .iter()
        .map(|field| field.field.clone())
        .collect()
}

#[test]
fn contacts_sharing_an_email_in_any_case_are_an_exact_suggestion() {
    let (_directory, core) = open_core();
    let first = add(&core, with_email("Maya Lindqvist", "maya@example.com"));
    let second = add(&core, with_email("M. Lindqvist", "MAYA@Example.com"));
    add(&core, with_email("Noah Okafor", "noah@example.com"));

    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    let suggestion = &suggestions[0];
    assert_eq!(suggestion.confidence, DuplicateConfidence::Exact);
    assert_eq!(suggestion.contact_ids, [first.id, second.id]);
    assert_eq!(suggestion.display_names, ["Maya Lindqvist", "M. Lindqvist"]);
    assert_eq!(suggestion.reasons, ["same email maya@example.com"]);
}

#[test]
fn phones_typed_differently_normalize_to_one_exact_suggestion() {
    let (_directory, core) = open_core();
    let first = add(
        &core,
        ContactInput {
            phones: vec![phone("(415) 555-0134")],
            ..person("Ada Brook")
        },
    );
    let second = add(
        &core,
        ContactInput {
            phones: vec![phone("+1 415 555 0134")],
            ..person("Ada B.")
        },
    );
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].contact_ids, [first.id, second.id]);
    assert_eq!(suggestions[0].reasons, ["same phone +14155550134"]);
}

#[test]
fn shared_identifiers_chain_into_one_group() {
    let (_directory, core) = open_core();
    let first = add(&core, with_email("Ben Cole", "ben@studio.test"));
    let second = add(
        &core,
        ContactInput {
            phones: vec![phone("+14155550101")],
            ..with_email("Benjamin Cole", "ben@studio.test")
        },
    );
    let third = add(
        &core,
        ContactInput {
            phones: vec![phone("+14155550101")],
            ..person("B. Cole")
        },
    );
    // Contacts are linked only when their given names agree: `Benny` is a Ben.
    let fourth = add(&core, person("Benny"));
    core.identities
        .add(&fourth.id, IdentityKind::Handle, "@bencole", "instagram")
        .unwrap();
    core.identities
        .add(&third.id, IdentityKind::Handle, "@BenCole", "manual")
        .unwrap();

    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(
        suggestions[0].contact_ids,
        [first.id, second.id, third.id, fourth.id]
    );
    assert_eq!(
        suggestions[0].reasons,
        [
            "same email ben@studio.test",
            "same handle @bencole",
            "same phone +14155550101"
        ]
    );
}

#[test]
fn similar_names_at_one_organization_are_a_likely_suggestion() {
    let (_directory, core) = open_core();
    let first = add(&core, with_organization("Maya Lindqvist", "Calm Studio"));
    let second = add(&core, with_organization("Maja Lindqvist", "calm studio"));
    add(&core, with_organization("Noah Okafor", "Calm Studio"));

    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].confidence, DuplicateConfidence::Likely);
    assert_eq!(suggestions[0].contact_ids, [first.id, second.id]);
    assert_eq!(
        suggestions[0].reasons,
        ["similar names (Maya Lindqvist / Maja Lindqvist) and same organization Calm Studio"]
    );
}

/// Regression: blocking by the last word of the name kept `Lindqvist` and `Lindqvist-Berg` in
/// different blocks, so a married name never met the maiden one.
#[test]
fn a_hyphenated_or_double_surname_meets_each_of_its_parts() {
    let (_directory, core) = open_core();
    let maiden = add(&core, with_organization("Maya Lindqvist", "Calm Studio"));
    let married = add(
        &core,
        with_organization("Maya Lindqvist-Berg", "Calm Studio"),
    );
    let double = add(
        &core,
        with_organization("Lucía García Márquez", "Río Wellness"),
    );
    let single = add(&core, with_organization("Lucia Garcia", "Rio Wellness"));

    let suggestions = core.duplicates.suggestions(50).unwrap();
    let pairs: Vec<&[String]> = suggestions
        .iter()
        .map(|suggestion| suggestion.contact_ids.as_slice())
        .collect();
    assert_eq!(suggestions.len(), 2, "{suggestions:?}");
    assert!(pairs.contains(&[maiden.id.clone(), married.id.clone()].as_slice()));
    assert!(pairs.contains(&[double.id.clone(), single.id.clone()].as_slice()));
}

#[test]
fn likely_suggestions_use_accents_birthdays_work_domains_and_cities_but_not_webmail() {
    let (_directory, core) = open_core();
    let zoe = add(
        &core,
        ContactInput {
            date_of_birth: Some("1988-04-02".to_owned()),
            ..person("Zoë Müller")
        },
    );
    let zoe_again = add(
        &core,
        ContactInput {
            date_of_birth: Some("1988-04-02".to_owned()),
            ..person("Zoe Muller")
        },
    );
    let city = |name: &str| ContactInput {
        address: Some(Address {
            city: Some("Portland".to_owned()),
            region: Some("OR".to_owned()),
            ..Address::default()
        }),
        ..person(name)
    };
    let priya = add(&core, city("Priya Patel"));
    let priya_again = add(&core, city("P Patel"));
    let work = add(&core, with_email("Liam Chen", "liam@harborhealth.org"));
    let work_again = add(&core, with_email("Liam Chen", "l.chen@harborhealth.org"));
    add(&core, with_email("Ethan Ross", "ethan.ross@gmail.com"));
    add(&core, with_email("Ethan Ross", "ross.ethan@gmail.com"));

    let suggestions = core.duplicates.suggestions(50).unwrap();
    let pairs: Vec<(Vec<String>, Vec<String>)> = suggestions
        .iter()
        .map(|suggestion| (suggestion.contact_ids.clone(), suggestion.reasons.clone()))
        .collect();
    assert_eq!(
        pairs,
        [
            (
                vec![work.id, work_again.id],
                vec!["same name Liam Chen and same email domain harborhealth.org".to_owned()]
            ),
            (
                vec![priya.id, priya_again.id],
                vec!["similar names (Priya Patel / P Patel) and same city Portland".to_owned()]
            ),
            (
                vec![zoe.id, zoe_again.id],
                vec![
                    "similar names (Zoë Müller / Zoe Muller) and same date of birth 1988-04-02"
                        .to_owned()
                ]
            ),
        ]
    );
}

/// Regression: 6 of 8 likely pairs on demo data were different people of one family or town
/// ("Anjali Kowalski · Arjun Kowalski — similar names and same email domain").
#[test]
fn family_members_sharing_a_surname_town_and_email_domain_are_not_a_likely_match() {
    let (_directory, core) = open_core();
    let town = |name: &str, address: &str| ContactInput {
        address: Some(Address {
            city: Some("Portland".to_owned()),
            region: Some("OR".to_owned()),
            postal_code: Some("97214".to_owned()),
            ..Address::default()
        }),
        organization: Some("Calm Studio".to_owned()),
        ..with_email(name, address)
    };
    add(&core, town("Anjali Kowalski", "anjali@kowalski.family"));
    add(&core, town("Arjun Kowalski", "arjun@kowalski.family"));
    add(&core, town("Daniel Rossi", "daniel@rossi.family"));
    add(&core, town("Daniela Rossi", "daniela@rossi.family"));
    add(&core, town("Paul Meyer", "paul@meyer.family"));
    add(&core, town("Paula Meyer", "paula@meyer.family"));
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert!(suggestions.is_empty(), "{suggestions:#?}");
}

/// Regression: a husband and wife with one home phone (or one family email) were an "exact"
/// suggestion, a merge away from losing her.
#[test]
fn a_husband_and_wife_sharing_a_home_phone_and_email_are_not_suggested_as_one_person() {
    let (_directory, core) = open_core();
    let shared = |name: &str| ContactInput {
        phones: vec![phone("(503) 555-0147")],
        ..with_email(name, "theokafors@gmail.com")
    };
    let david = add(&core, shared("David Okafor"));
    add(&core, shared("Grace Okafor"));
    // His own second card is still him.
    let dave = add(&core, shared("Dave Okafor"));
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1, "{suggestions:#?}");
    assert_eq!(suggestions[0].confidence, DuplicateConfidence::Exact);
    assert_eq!(suggestions[0].contact_ids, [david.id, dave.id]);
}

#[test]
fn a_father_and_his_junior_or_namesakes_at_other_addresses_are_not_suggested() {
    let (_directory, core) = open_core();
    let at = |name: &str, street: &str, postal_code: &str| ContactInput {
        address: Some(Address {
            street: Some(street.to_owned()),
            city: Some("Portland".to_owned()),
            region: Some("OR".to_owned()),
            postal_code: Some(postal_code.to_owned()),
            ..Address::default()
        }),
        ..person(name)
    };
    add(
        &core,
        ContactInput {
            phones: vec![phone("+15035550170")],
            ..at("John Smith", "12 Elm St", "97214")
        },
    );
    add(
        &core,
        ContactInput {
            phones: vec![phone("503-555-0170")],
            ..at("John Smith Jr.", "12 Elm St", "97214")
        },
    );
    add(&core, at("Maya Lindqvist", "4 Oak St", "97202"));
    add(&core, at("Maya Lindqvist", "880 Alder St", "97205"));
    add(
        &core,
        ContactInput {
            date_of_birth: Some("1961-03-04".to_owned()),
            ..with_organization("Liam Chen", "Calm Studio")
        },
    );
    add(
        &core,
        ContactInput {
            date_of_birth: Some("1990-11-20".to_owned()),
            ..with_organization("Liam Chen", "Calm Studio")
        },
    );
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert!(suggestions.is_empty(), "{suggestions:#?}");
}

#[test]
fn nicknames_accents_initials_typos_and_names_written_last_name_first_are_likely_matches() {
    let (_directory, core) = open_core();
    let pairs = [
        ("Robert Hale", "Bob Hale"),
        ("Elizabeth Nakamura", "Liz Nakamura"),
        ("José Álvarez", "Jose Alvarez"),
        ("Kowalski Anjali", "Anjali Kowalski"),
        ("Okafor, Grace", "Grace Okafor"),
        ("Jonathon Reyes", "Jonathan Reyes"),
        ("Maya Q. Lindqvist", "  maya   LINDQVIST "),
    ];
    for (first, second) in pairs {
        add(&core, with_organization(first, "Harbor Health"));
        add(&core, with_organization(second, "Harbor Health"));
    }
    let suggestions = core.duplicates.suggestions(50).unwrap();
    let mut found: Vec<(String, String)> = suggestions
        .iter()
        .map(|suggestion| {
            assert_eq!(suggestion.confidence, DuplicateConfidence::Likely);
            (
                suggestion.display_names[0].clone(),
                suggestion.display_names[1].clone(),
            )
        })
        .collect();
    found.sort();
    let mut expected: Vec<(String, String)> = pairs
        .iter()
        .map(|(first, second)| {
            // The contact service trims names and collapses their spaces.
            let tidy = |name: &str| name.split_whitespace().collect::<Vec<_>>().join(" ");
            (tidy(first), tidy(second))
        })
        .collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn similar_names_with_nothing_else_in_common_are_not_suggested() {
    let (_directory, core) = open_core();
    add(&core, with_organization("Maya Lindqvist", "Calm Studio"));
    add(&core, with_organization("Maja Lindqvist", "Riverside Yoga"));
    add(&core, person("Maya Lindqvist"));
    assert!(core.duplicates.suggestions(50).unwrap().is_empty());
}

#[test]
fn dismissed_groups_stay_hidden_and_only_the_dismissed_pairs() {
    let (_directory, core) = open_core();
    let first = add(&core, with_email("Ann Lee", "ann@lee.test"));
    let second = add(&core, with_email("Anne Lee", "ann@lee.test"));
    let likely = add(&core, with_organization("Maya Lindqvist", "Calm Studio"));
    let likely_again = add(&core, with_organization("Maja Lindqvist", "Calm Studio"));
    assert_eq!(core.duplicates.suggestions(50).unwrap().len(), 2);

    core.duplicates
        .dismiss(&[second.id.clone(), first.id.clone()])
        .unwrap();
    core.duplicates
        .dismiss(&[likely.id.clone(), likely_again.id.clone()])
        .unwrap();
    // Dismissing again changes nothing.
    core.duplicates
        .dismiss(&[first.id.clone(), second.id.clone()])
        .unwrap();
    assert!(core.duplicates.suggestions(50).unwrap().is_empty());
    // Each dismissed pair is one change, so dismissals can sync.
    let recorded: i64 = core
        .database
        .read(|connection| {
            Ok(connection.query_row(
                "SELECT COUNT(*) FROM change_log WHERE entity = 'duplicate_dismissal'",
                [],
                |row| row.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(recorded, 2);

    // A third contact with the shared address is suggested with both again.
    let third = add(&core, with_email("Annie Lee", "ann@lee.test"));
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].contact_ids, [first.id, second.id, third.id]);
}

#[test]
fn dismissal_input_is_validated() {
    let (_directory, core) = open_core();
    let only = add(&core, person("Ann Lee"));
    let error = core
        .duplicates
        .dismiss(&[only.id.clone(), only.id.clone()])
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(field_names(&error), ["contact_ids"]);
    let error = core
        .duplicates
        .dismiss(&[only.id.clone(), "missing".to_owned()])
        .unwrap_err();
    assert_eq!(field_names(&error), ["contact_ids[1]"]);
}

#[test]
fn suggestions_are_limited_and_exact_ones_come_first() {
    let (_directory, core) = open_core();
    add(&core, with_organization("Aaron Abel", "Calm Studio"));
    add(&core, with_organization("Aaron Abel", "Calm Studio"));
    add(&core, with_email("Zed Zane", "zed@zane.test"));
    add(&core, with_email("Zed Zane", "zed@zane.test"));
    let all = core.duplicates.suggestions(50).unwrap();
    let confidences: Vec<_> = all.iter().map(|s| s.confidence).collect();
    assert_eq!(
        confidences,
        [DuplicateConfidence::Exact, DuplicateConfidence::Likely]
    );
    assert_eq!(core.duplicates.suggestions(1).unwrap().len(), 1);
    let error = core.duplicates.suggestions(0).unwrap_err();
    assert_eq!(field_names(&error), ["limit"]);
}

/// Two contacts with everything a merge moves: notes, a shared and an own interaction, a task,
/// a goal, an identity and a consent.
struct Fixture {
    survivor: Contact,
    merged: Contact,
    bystander: Contact,
    shared_interaction: String,
    own_interaction: String,
    task: String,
    goal: String,
}

fn fixture(core: &Core) -> Fixture {
    let survivor = add(
        core,
        ContactInput {
            emails: vec![email("maya@example.com")],
            phones: vec![phone("+14155550134")],
            organization: Some("Calm Studio".to_owned()),
            tags: vec!["Yoga".to_owned()],
            health_context: serde_json::json!({"allergies": "arnica"}),
            ..person("Maya Lindqvist")
        },
    );
    let merged = add(
        core,
        ContactInput {
            emails: vec![email("MAYA@example.com"), email("maya.work@calm.test")],
            phones: vec![phone("+14155550199"), phone("(415) 555-0134")],
            organization: Some("Calm Studio SF".to_owned()),
            date_of_birth: Some("1990-05-01".to_owned()),
            tags: vec!["yoga".to_owned(), "Reiki".to_owned()],
            health_context: serde_json::json!({"allergies": "none", "pregnant": false}),
            preferences: serde_json::json!({"preferred_time": "mornings"}),
            ..person("Maja Lindqvist")
        },
    );
    let bystander = add(core, person("Noah Okafor"));
    core.notes
        .create(&merged.id, NoteInput::plain("Prefers mornings"))
        .unwrap();
    core.notes
        .create(&merged.id, NoteInput::plain("Shoulder tension"))
        .unwrap();
    core.notes
        .create(&survivor.id, NoteInput::plain("First visit"))
        .unwrap();
    let shared_interaction = core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Meeting),
            subject: Some("Group class".to_owned()),
            contact_ids: vec![survivor.id.clone(), merged.id.clone(), bystander.id.clone()],
            ..InteractionInput::default()
        })
        .unwrap()
        .id;
    let own_interaction = core
        .interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Call),
            subject: Some("Booking call".to_owned()),
            contact_ids: vec![merged.id.clone()],
            ..InteractionInput::default()
        })
        .unwrap()
        .id;
    let task = core
        .tasks
        .create(TaskInput {
            title: "Send intake form".to_owned(),
            contact_ids: vec![merged.id.clone(), bystander.id.clone()],
            ..TaskInput::default()
        })
        .unwrap()
        .id;
    let goal = core
        .goals
        .create(GoalInput {
            title: "Sleep better".to_owned(),
            description: None,
            kind: GoalKind::ClientWellness,
            status: None,
            contact_id: Some(merged.id.clone()),
            target_date: None,
            progress: None,
        })
        .unwrap()
        .id;
    core.identities
        .add(&merged.id, IdentityKind::Handle, "@maya.moves", "instagram")
        .unwrap();
    core.consents
        .record(
            &merged.id,
            ConsentInput {
                kind: ConsentKind::Marketing,
                granted: true,
                recorded_at: None,
                note: None,
            },
        )
        .unwrap();
    Fixture {
        survivor,
        merged,
        bystander,
        shared_interaction,
        own_interaction,
        task,
        goal,
    }
}

#[test]
fn merge_moves_everything_and_unions_emails_phones_and_tags() {
    let (_directory, core) = open_core();
    let fixture = fixture(&core);
    let outcome = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: fixture.survivor.id.clone(),
            merged_ids: vec![fixture.merged.id.clone()],
            fields: MergeFieldChoices::default(),
        })
        .unwrap();

    let survivor = &outcome.survivor;
    assert_eq!(survivor.display_name, "Maya Lindqvist");
    assert_eq!(survivor.organization.as_deref(), Some("Calm Studio"));
    let addresses: Vec<_> = survivor
        .emails
        .iter()
        .map(|e| (e.address.as_str(), e.is_primary))
        .collect();
    assert_eq!(
        addresses,
        [("maya@example.com", true), ("maya.work@calm.test", false)]
    );
    let numbers: Vec<_> = survivor
        .phones
        .iter()
        .map(|p| (p.number.as_str(), p.is_primary))
        .collect();
    assert_eq!(numbers, [("+14155550134", true), ("+14155550199", false)]);
    assert_eq!(survivor.tags, ["Reiki", "Yoga"]);
    assert_eq!(
        survivor.health_context,
        serde_json::json!({"allergies": "arnica", "pregnant": false})
    );
    assert_eq!(
        survivor.preferences,
        serde_json::json!({"preferred_time": "mornings"})
    );
    assert_eq!(outcome.moved.notes, 2);
    assert_eq!(outcome.moved.interactions, 2);
    assert_eq!(outcome.moved.tasks, 1);
    assert_eq!(outcome.moved.goals, 1);
    assert_eq!(outcome.moved.identities, 1);
    assert_eq!(outcome.moved.consents, 1);

    let survivor_id = fixture.survivor.id.as_str();
    assert_eq!(
        core.contacts.get(&fixture.merged.id).unwrap_err().code,
        ErrorCode::NotFound
    );
    assert_eq!(core.notes.list_for_contact(survivor_id).unwrap().len(), 3);
    let shared = core.interactions.get(&fixture.shared_interaction).unwrap();
    let mut expected = vec![fixture.survivor.id.clone(), fixture.bystander.id.clone()];
    expected.sort();
    assert_eq!(shared.contact_ids, expected);
    assert_eq!(
        core.interactions
            .get(&fixture.own_interaction)
            .unwrap()
            .contact_ids,
        [survivor_id]
    );
    assert_eq!(core.tasks.get(&fixture.task).unwrap().contact_ids, expected);
    let goals = core.goals.list(None).unwrap();
    let goal = goals.iter().find(|goal| goal.id == fixture.goal).unwrap();
    assert_eq!(goal.contact_id.as_deref(), Some(survivor_id));
    assert!(core
        .identities
        .list_for_contact(survivor_id)
        .unwrap()
        .iter()
        .any(|identity| identity.value == "@maya.moves"));
    assert_eq!(
        core.consents
            .list_for_contact(survivor_id)
            .unwrap()
            .history
            .len(),
        1
    );
}

#[test]
fn merge_honours_field_choices() {
    let (_directory, core) = open_core();
    let fixture = fixture(&core);
    let mut fields = MergeFieldChoices::default();
    fields.set("display_name", &fixture.merged.id).unwrap();
    fields.set("organization", &fixture.merged.id).unwrap();
    fields.set("date_of_birth", &fixture.merged.id).unwrap();
    fields.set("client_status", &fixture.survivor.id).unwrap();
    let outcome = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: fixture.survivor.id.clone(),
            merged_ids: vec![fixture.merged.id.clone()],
            fields,
        })
        .unwrap();
    assert_eq!(outcome.survivor.id, fixture.survivor.id);
    assert_eq!(outcome.survivor.display_name, "Maja Lindqvist");
    assert_eq!(
        outcome.survivor.organization.as_deref(),
        Some("Calm Studio SF")
    );
    assert_eq!(
        outcome.survivor.date_of_birth.as_deref(),
        Some("1990-05-01")
    );

    let error = MergeFieldChoices::default()
        .set("shoe_size", &fixture.merged.id)
        .unwrap_err();
    assert_eq!(field_names(&error), ["fields"]);
}

/// Regression: the merge kept the survivor's empty organization, address and birthday over the
/// merged contact's filled ones unless the user picked each field by hand.
#[test]
fn a_default_merge_never_keeps_an_empty_value_over_a_filled_one() {
    let (_directory, core) = open_core();
    let survivor = add(&core, with_email("Maya Lindqvist", "maya@example.com"));
    let filled = add(
        &core,
        ContactInput {
            organization: Some("Calm Studio".to_owned()),
            address: Some(Address {
                city: Some("Portland".to_owned()),
                ..Address::default()
            }),
            date_of_birth: Some("1988-04-02".to_owned()),
            referral_source: Some("Instagram".to_owned()),
            emergency_contact_name: Some("Erik Lindqvist".to_owned()),
            emergency_contact_phone: Some("+14155550188".to_owned()),
            lifecycle_stage: Some(LifecycleStage::CoreClient),
            ..with_email("Maya L.", "MAYA@example.com")
        },
    );
    let also_filled = add(
        &core,
        ContactInput {
            organization: Some("Riverside Yoga".to_owned()),
            ..with_email("M. Lindqvist", "maya@example.com")
        },
    );
    let mut fields = MergeFieldChoices::default();
    // A choice the user makes is kept, even an empty one.
    fields.set("referral_source", &survivor.id).unwrap();
    let outcome = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: survivor.id.clone(),
            merged_ids: vec![filled.id.clone(), also_filled.id.clone()],
            fields,
        })
        .unwrap();
    let merged = outcome.survivor;
    assert_eq!(merged.display_name, "Maya Lindqvist");
    assert_eq!(merged.organization.as_deref(), Some("Calm Studio"));
    assert_eq!(
        merged.address.and_then(|address| address.city).as_deref(),
        Some("Portland")
    );
    assert_eq!(merged.date_of_birth.as_deref(), Some("1988-04-02"));
    assert_eq!(merged.lifecycle_stage, Some(LifecycleStage::CoreClient));
    assert_eq!(
        merged.emergency_contact_name.as_deref(),
        Some("Erik Lindqvist")
    );
    assert_eq!(
        merged.emergency_contact_phone.as_deref(),
        Some("+14155550188")
    );
    assert_eq!(merged.referral_source, None);

    // Still one undoable batch.
    core.undo.batch(&outcome.batch_id).unwrap();
    let restored = core.contacts.get(&survivor.id).unwrap();
    assert_eq!(restored.organization, None);
    assert_eq!(restored.date_of_birth, None);
    assert_eq!(
        core.contacts
            .get(&filled.id)
            .unwrap()
            .organization
            .as_deref(),
        Some("Calm Studio")
    );
}

#[test]
fn merge_validation_errors_name_the_fields() {
    let (_directory, core) = open_core();
    let fixture = fixture(&core);
    let survivor_id = fixture.survivor.id.clone();

    let error = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: survivor_id.clone(),
            merged_ids: Vec::new(),
            fields: MergeFieldChoices::default(),
        })
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(field_names(&error), ["merged_ids"]);

    let error = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: survivor_id.clone(),
            merged_ids: vec![
                survivor_id.clone(),
                fixture.merged.id.clone(),
                fixture.merged.id.clone(),
                "missing".to_owned(),
            ],
            fields: MergeFieldChoices {
                display_name: Some(fixture.bystander.id.clone()),
                ..MergeFieldChoices::default()
            },
        })
        .unwrap_err();
    assert_eq!(
        field_names(&error),
        [
            "merged_ids",
            "merged_ids",
            "merged_ids",
            "fields.display_name"
        ]
    );

    let error = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: "missing".to_owned(),
            merged_ids: vec![fixture.merged.id.clone()],
            fields: MergeFieldChoices::default(),
        })
        .unwrap_err();
    assert_eq!(field_names(&error), ["survivor_id"]);

    // Nothing was changed by the refused merges.
    assert_eq!(core.contacts.get(&survivor_id).unwrap(), fixture.survivor);
    assert_eq!(
        core.notes
            .list_for_contact(&fixture.merged.id)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn undoing_the_merge_batch_restores_everything() {
    let (_directory, core) = open_core();
    let fixture = fixture(&core);
    let survivor_id = fixture.survivor.id.clone();
    let merged_id = fixture.merged.id.clone();
    let notes_before = core.notes.list_for_contact(&merged_id).unwrap();
    let shared_before = core.interactions.get(&fixture.shared_interaction).unwrap();
    let task_before = core.tasks.get(&fixture.task).unwrap();
    let identities_before = core.identities.list_for_contact(&merged_id).unwrap();
    let consents_before = core.consents.list_for_contact(&merged_id).unwrap();

    let mut fields = MergeFieldChoices::default();
    fields.set("display_name", &merged_id).unwrap();
    let outcome = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: survivor_id.clone(),
            merged_ids: vec![merged_id.clone()],
            fields,
        })
        .unwrap();
    let undone = core.undo.batch(&outcome.batch_id).unwrap();
    assert_eq!(undone.undone, 10);

    let survivor = core.contacts.get(&survivor_id).unwrap();
    assert_eq!(
        Contact {
            updated_at: String::new(),
            ..survivor
        },
        Contact {
            updated_at: String::new(),
            ..fixture.survivor.clone()
        }
    );
    let merged = core.contacts.get(&merged_id).unwrap();
    assert_eq!(merged.emails, fixture.merged.emails);
    assert_eq!(merged.tags, fixture.merged.tags);
    let notes_after = core.notes.list_for_contact(&merged_id).unwrap();
    let note_ids = |notes: &[omnicrm_core::notes::Note]| -> Vec<String> {
        notes.iter().map(|note| note.id.clone()).collect()
    };
    assert_eq!(note_ids(&notes_after), note_ids(&notes_before));
    assert_eq!(core.notes.list_for_contact(&survivor_id).unwrap().len(), 1);
    assert_eq!(
        core.interactions
            .get(&fixture.shared_interaction)
            .unwrap()
            .contact_ids,
        shared_before.contact_ids
    );
    assert_eq!(
        core.interactions
            .get(&fixture.own_interaction)
            .unwrap()
            .contact_ids,
        [merged_id.as_str()]
    );
    assert_eq!(
        core.tasks.get(&fixture.task).unwrap().contact_ids,
        task_before.contact_ids
    );
    let goals = core.goals.list(None).unwrap();
    let goal = goals.iter().find(|goal| goal.id == fixture.goal).unwrap();
    assert_eq!(goal.contact_id.as_deref(), Some(merged_id.as_str()));
    assert_eq!(
        core.identities.list_for_contact(&merged_id).unwrap(),
        identities_before
    );
    // Undo stamps a newer updated_at; everything else is as it was.
    let without_times = |consents: Vec<omnicrm_core::consents::Consent>| {
        consents
            .into_iter()
            .map(|consent| omnicrm_core::consents::Consent {
                updated_at: String::new(),
                ..consent
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_times(core.consents.list_for_contact(&merged_id).unwrap().history),
        without_times(consents_before.history)
    );
}

#[test]
fn merged_contacts_no_longer_appear_in_suggestions() {
    let (_directory, core) = open_core();
    let first = add(&core, with_email("Maya Lindqvist", "maya@example.com"));
    let second = add(&core, with_email("Maja Lindqvist", "maya@example.com"));
    let third = add(
        &core,
        ContactInput {
            phones: vec![phone("+14155550134")],
            ..with_email("Maya L", "maya@example.com")
        },
    );
    assert_eq!(core.duplicates.suggestions(50).unwrap().len(), 1);
    let outcome = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: first.id.clone(),
            merged_ids: vec![second.id, third.id],
            fields: MergeFieldChoices::default(),
        })
        .unwrap();
    assert_eq!(outcome.survivor.phones.len(), 1);
    assert!(core.duplicates.suggestions(50).unwrap().is_empty());

    core.undo.batch(&outcome.batch_id).unwrap();
    let suggestions = core.duplicates.suggestions(50).unwrap();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].contact_ids.len(), 3);
}

//! Keep in touch, reminders, birthdays and the Today page (issue 22), on real SQLite files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, FixedOffset, NaiveDate, Utc};
use common::{open_core, person};
use omnicrm_core::contacts::{BulkContact, BulkOptions, ContactInput, LifecycleStage};
use omnicrm_core::duplicates::MergeRequest;
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::keep_in_touch::{Cadence, CadenceOrigin, CadenceSetting, DefaultScope};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::reminders::{ReminderInput, ReminderKind};
use omnicrm_core::tags::TagInput;
use omnicrm_core::Core;

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A contact added `days_ago` days ago.
fn added(core: &Core, name: &str, days_ago: i64, input: ContactInput) -> String {
    let created_at = (Utc::now() - Duration::days(days_ago)).to_rfc3339();
    core.contacts
        .create_many(
            vec![BulkContact {
                input: ContactInput {
                    display_name: name.to_owned(),
                    ..input
                },
                created_at: Some(created_at),
            }],
            &BulkOptions::default(),
            &mut |_| {},
        )
        .unwrap()
        .remove(0)
}

fn touch(core: &Core, contact_id: &str, kind: InteractionKind, days_ago: i64, subject: &str) {
    core.interactions
        .create(InteractionInput {
            kind: Some(kind),
            subject: Some(subject.to_owned()),
            occurred_at: Some((Utc::now() - Duration::days(days_ago)).to_rfc3339()),
            contact_ids: vec![contact_id.to_owned()],
            ..InteractionInput::default()
        })
        .unwrap();
}

fn due_names(core: &Core, on: NaiveDate) -> Vec<String> {
    core.keep_in_touch
        .due(on, &utc())
        .unwrap()
        .into_iter()
        .map(|person| person.display_name)
        .collect()
}

#[test]
fn a_person_past_their_cadence_is_due_and_leaves_the_list_once_a_touch_is_logged() {
    let (_directory, core) = open_core();
    let ada = added(&core, "Ada Due", 90, ContactInput::default());
    touch(&core, &ada, InteractionKind::Email, 40, "Checking in");
    let receipt_less = core
        .keep_in_touch
        .set_cadence(&ada, CadenceSetting::Every(Cadence::days(30)))
        .unwrap();
    assert_eq!(receipt_less.keep_in_touch.cadence.as_deref(), Some("30d"));

    let due = core.keep_in_touch.due(today(), &utc()).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].display_name, "Ada Due");
    assert_eq!(due[0].days_overdue, 10);
    assert_eq!(due[0].cadence_origin, CadenceOrigin::Own);
    let last = due[0].last_contact.as_ref().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.summary.as_deref()),
        ("email", Some("Checking in"))
    );

    touch(
        &core,
        &ada,
        InteractionKind::Call,
        0,
        "Called about next week",
    );
    assert!(due_names(&core, today()).is_empty());
    let state = core.keep_in_touch.for_contact(&ada, &utc()).unwrap();
    assert_eq!(state.last_contact.unwrap().kind, "call");
    assert_eq!(
        state.due_on.as_deref(),
        Some(
            (today() + Duration::days(30))
                .format("%Y-%m-%d")
                .to_string()
                .as_str()
        )
    );
}

#[test]
fn a_calendar_meeting_still_to_come_is_not_a_last_contact_but_a_note_is() {
    let (_directory, core) = open_core();
    let bo = added(&core, "Bo Future", 60, ContactInput::default());
    core.keep_in_touch
        .set_cadence(&bo, CadenceSetting::Every(Cadence::weeks(2)))
        .unwrap();
    touch(
        &core,
        &bo,
        InteractionKind::CalendarEvent,
        -3,
        "Session next week",
    );
    assert_eq!(due_names(&core, today()), vec!["Bo Future"]);
    core.notes
        .create(
            &bo,
            omnicrm_core::notes::NoteInput::plain("Session note: sleep better"),
        )
        .unwrap();
    assert!(due_names(&core, today()).is_empty());
}

#[test]
fn the_contacts_own_cadence_wins_over_its_tags_which_win_over_its_stage() {
    let (_directory, core) = open_core();
    let vip = core
        .tags
        .create(TagInput {
            name: "VIP client".to_owned(),
            category: None,
            color: None,
        })
        .unwrap();
    let tagged = ContactInput {
        tags: vec!["VIP client".to_owned()],
        lifecycle_stage: Some(LifecycleStage::CoreClient),
        ..ContactInput::default()
    };
    let staged = ContactInput {
        lifecycle_stage: Some(LifecycleStage::CoreClient),
        ..ContactInput::default()
    };
    let tagged_id = added(&core, "Tagged Person", 20, tagged.clone());
    let staged_id = added(&core, "Staged Person", 20, staged);
    let own_id = added(&core, "Own Person", 20, tagged);
    let untouched = added(&core, "Nobody Set", 400, ContactInput::default());
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &vip.id, Some(Cadence::weeks(2)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "core_client", Some(Cadence::months(3)))
        .unwrap();
    core.keep_in_touch
        .set_cadence(&own_id, CadenceSetting::None)
        .unwrap();

    let due = core.keep_in_touch.due(today(), &utc()).unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].contact_id, tagged_id);
    assert_eq!(
        due[0].cadence_origin,
        CadenceOrigin::Tag("VIP client".to_owned())
    );
    let staged = core.keep_in_touch.for_contact(&staged_id, &utc()).unwrap();
    assert_eq!(staged.cadence, Some(Cadence::months(3)));
    assert_eq!(
        staged.cadence_origin,
        Some(CadenceOrigin::Stage("Core Client".to_owned()))
    );
    let own = core.keep_in_touch.for_contact(&own_id, &utc()).unwrap();
    assert_eq!((own.setting, own.cadence), (CadenceSetting::None, None));
    assert_eq!(
        core.keep_in_touch
            .for_contact(&untouched, &utc())
            .unwrap()
            .cadence,
        None
    );

    let health = core.keep_in_touch.health(today(), &utc()).unwrap();
    assert_eq!(
        (health.within, health.overdue, health.no_cadence),
        (1, 1, 2)
    );

    // Back to the defaults: the own "none" is gone, the tag's two weeks apply.
    core.keep_in_touch
        .set_cadence(&own_id, CadenceSetting::Default)
        .unwrap();
    assert_eq!(due_names(&core, today()).len(), 2);
}

#[test]
fn the_most_overdue_relative_to_their_cadence_come_first_and_a_snooze_hides_until_its_day() {
    let (_directory, core) = open_core();
    let weekly = added(&core, "Weekly Three Weeks", 100, ContactInput::default());
    let monthly = added(&core, "Monthly Two Months", 100, ContactInput::default());
    touch(&core, &weekly, InteractionKind::Call, 21, "Call");
    touch(&core, &monthly, InteractionKind::Call, 60, "Call");
    core.keep_in_touch
        .set_cadence(&weekly, CadenceSetting::Every(Cadence::weeks(1)))
        .unwrap();
    core.keep_in_touch
        .set_cadence(&monthly, CadenceSetting::Every(Cadence::months(1)))
        .unwrap();
    assert_eq!(
        due_names(&core, today()),
        vec!["Weekly Three Weeks", "Monthly Two Months"]
    );

    let until = today() + Duration::days(3);
    let snoozed = core
        .keep_in_touch
        .snooze(&weekly, Some(&until.format("%Y-%m-%d").to_string()))
        .unwrap();
    assert_eq!(due_names(&core, today()), vec!["Monthly Two Months"]);
    assert_eq!(due_names(&core, until).len(), 2);

    // The snooze is an ordinary change: undone, the person is due again today.
    core.undo.change(&snoozed.change_id).unwrap();
    assert_eq!(due_names(&core, today()).len(), 2);
}

#[test]
fn the_day_of_the_last_contact_is_the_users_local_day() {
    let (_directory, core) = open_core();
    let ada = added(&core, "Ada Zone", 100, ContactInput::default());
    // 23:30 UTC on 1 March is 01:30 on 2 March in UTC+2.
    core.interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::Call),
            subject: Some("Late call".to_owned()),
            occurred_at: Some("2026-03-01T23:30:00Z".to_owned()),
            contact_ids: vec![ada.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    core.keep_in_touch
        .set_cadence(&ada, CadenceSetting::Every(Cadence::days(10)))
        .unwrap();
    let east = FixedOffset::east_opt(2 * 3600).unwrap();
    let in_utc = core.keep_in_touch.for_contact(&ada, &utc()).unwrap();
    let in_east = core.keep_in_touch.for_contact(&ada, &east).unwrap();
    assert_eq!(in_utc.due_on.as_deref(), Some("2026-03-11"));
    assert_eq!(in_east.due_on.as_deref(), Some("2026-03-12"));
}

#[test]
fn a_follow_up_shows_from_its_days_ahead_until_done_and_a_yearly_date_comes_back() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Reminded")).unwrap();
    let soon = today() + Duration::days(5);
    let follow_up = core
        .reminders
        .add(
            &ada.id,
            ReminderInput {
                title: "Ask how the surgery went".to_owned(),
                due_on: soon.format("%Y-%m-%d").to_string(),
                yearly: false,
                days_ahead: 2,
            },
        )
        .unwrap();
    assert!(core.reminders.due(today()).unwrap().is_empty());
    let shown = core.reminders.due(soon - Duration::days(2)).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].kind, shown[0].days_until),
        (ReminderKind::FollowUp, 2)
    );
    // Overdue and not done: still shown.
    assert_eq!(
        core.reminders.due(soon + Duration::days(9)).unwrap().len(),
        1
    );
    core.reminders.done(&follow_up.id, soon).unwrap();
    assert!(core
        .reminders
        .due(soon + Duration::days(9))
        .unwrap()
        .is_empty());

    let anniversary = core
        .reminders
        .add(
            &ada.id,
            ReminderInput {
                title: "Started with us".to_owned(),
                due_on: soon.format("%Y-%m-%d").to_string(),
                yearly: true,
                days_ahead: 0,
            },
        )
        .unwrap();
    assert_eq!(core.reminders.due(soon).unwrap().len(), 1);
    core.reminders.done(&anniversary.id, soon).unwrap();
    assert!(core.reminders.due(soon).unwrap().is_empty());
    let next_year = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&soon) + 1,
        chrono::Datelike::month(&soon),
        chrono::Datelike::day(&soon).min(28),
    )
    .unwrap();
    if chrono::Datelike::day(&soon) <= 28 {
        assert_eq!(core.reminders.due(next_year).unwrap().len(), 1);
    }
}

#[test]
fn birthdays_show_a_week_ahead_with_the_age_and_29_february_falls_on_the_28th() {
    let (_directory, core) = open_core();
    core.contacts
        .create(ContactInput {
            date_of_birth: Some("1996-02-29".to_owned()),
            ..person("Leap Day")
        })
        .unwrap();
    core.contacts
        .create(ContactInput {
            date_of_birth: Some("--03-02".to_owned()),
            ..person("No Year")
        })
        .unwrap();
    let birthdays = |on: &str| {
        core.reminders
            .due(day(on))
            .unwrap()
            .into_iter()
            .filter(|due| due.kind == ReminderKind::Birthday)
            .map(|due| (due.display_name, due.on, due.turns))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        birthdays("2027-02-25"),
        vec![
            ("Leap Day".to_owned(), "2027-02-28".to_owned(), Some(31)),
            ("No Year".to_owned(), "2027-03-02".to_owned(), None),
        ]
    );
    assert_eq!(
        birthdays("2028-02-29"),
        vec![
            ("Leap Day".to_owned(), "2028-02-29".to_owned(), Some(32)),
            ("No Year".to_owned(), "2028-03-02".to_owned(), None),
        ]
    );
    assert!(birthdays("2027-03-03").is_empty());
    let error = core
        .contacts
        .create(ContactInput {
            date_of_birth: Some("--02-30".to_owned()),
            ..person("Bad Day")
        })
        .unwrap_err();
    assert_eq!(error.field_errors()[0].field, "date_of_birth");
}

#[test]
fn the_today_page_gathers_meetings_due_people_reminders_and_tasks() {
    let (_directory, core) = open_core();
    // A day ahead, so the meeting at 23:00 has not happened yet whatever the time now (on the
    // day itself, after 23:00 UTC it would count as Ada's last contact and she would not be due).
    let day = today() + chrono::Days::new(30);
    let ada = added(&core, "Ada Today", 30, ContactInput::default());
    core.keep_in_touch
        .set_cadence(&ada, CadenceSetting::Every(Cadence::weeks(1)))
        .unwrap();
    core.interactions
        .create(InteractionInput {
            kind: Some(InteractionKind::CalendarEvent),
            subject: Some("Session with Ada".to_owned()),
            occurred_at: Some(day.and_hms_opt(23, 0, 0).unwrap().and_utc().to_rfc3339()),
            contact_ids: vec![ada.clone()],
            ..InteractionInput::default()
        })
        .unwrap();
    core.tasks
        .create(omnicrm_core::productivity::TaskInput {
            title: "Send Ada the worksheet".to_owned(),
            due_date: Some(day.format("%Y-%m-%d").to_string()),
            contact_ids: vec![ada.clone()],
            ..Default::default()
        })
        .unwrap();
    let page = core.today.today(day, &utc()).unwrap();
    assert_eq!(page.meetings.len(), 1);
    assert_eq!(page.meetings[0].contacts[0].display_name, "Ada Today");
    assert_eq!(page.due.len(), 1);
    assert_eq!(page.tasks.len(), 1);
    assert!(page.reminders.is_empty());
}

mod due_list {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// "Due" never skips a person and never shows one twice: it holds exactly the people
        /// whose cadence has passed since their last contact, once each.
        #[test]
        fn due_holds_exactly_the_people_past_their_cadence_once_each(
            people in proptest::collection::vec((1u32..40, 0i64..80, proptest::bool::ANY), 1..12)
        ) {
            let (_directory, core) = open_core();
            let mut expected = Vec::new();
            for (index, (cadence_days, last_days_ago, has_cadence)) in people.iter().enumerate() {
                let name = format!("Person Number{index}");
                let id = added(&core, &name, 200, ContactInput::default());
                touch(&core, &id, InteractionKind::Call, *last_days_ago, "Call");
                if *has_cadence {
                    core.keep_in_touch
                        .set_cadence(&id, CadenceSetting::Every(Cadence::days(*cadence_days)))
                        .unwrap();
                    if *last_days_ago >= i64::from(*cadence_days) {
                        expected.push(name);
                    }
                }
            }
            let mut due = due_names(&core, today());
            let shown = due.len();
            due.sort();
            due.dedup();
            prop_assert_eq!(shown, due.len());
            expected.sort();
            prop_assert_eq!(due, expected);
        }
    }
}

#[test]
fn deleting_all_data_removes_cadences_defaults_and_reminders_too() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Erased")).unwrap();
    core.keep_in_touch
        .set_cadence(&ada.id, CadenceSetting::Every(Cadence::weeks(2)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "prospect", Some(Cadence::months(1)))
        .unwrap();
    core.reminders
        .add(
            &ada.id,
            ReminderInput {
                title: "Call back".to_owned(),
                due_on: "2027-01-05".to_owned(),
                ..ReminderInput::default()
            },
        )
        .unwrap();
    core.export
        .delete_all_data(omnicrm_core::export::DELETE_ALL_CONFIRMATION)
        .unwrap();
    assert!(core.reminders.list(None).unwrap().is_empty());
    assert!(core.keep_in_touch.defaults().unwrap().is_empty());
}

/// The reminders and birthdays calendar parses with a well-kept iCalendar parser (not only
/// our own writer): all-day events, yearly rules, alarms ahead, stable UIDs.
#[test]
fn the_reminders_calendar_is_valid_icalendar_with_yearly_rules_and_alarms() {
    use icalendar::Component;
    let (_directory, core) = open_core();
    let ada = core
        .contacts
        .create(ContactInput {
            date_of_birth: Some("1992-02-29".to_owned()),
            ..person("Ada Calendar")
        })
        .unwrap();
    core.reminders
        .add(
            &ada.id,
            ReminderInput {
                title: "Ask about the move".to_owned(),
                due_on: "2027-01-15".to_owned(),
                yearly: false,
                days_ahead: 3,
            },
        )
        .unwrap();
    core.reminders
        .add(
            &ada.id,
            ReminderInput {
                title: "Started with us".to_owned(),
                due_on: "2025-05-04".to_owned(),
                yearly: true,
                days_ahead: 0,
            },
        )
        .unwrap();
    let text = core.reminders.calendar().unwrap();
    let calendar: icalendar::Calendar = text.parse().unwrap();
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|component| component.as_event())
        .collect();
    assert_eq!(events.len(), 3, "{text}");
    let by_summary = |summary: &str| {
        events
            .iter()
            .find(|event| event.get_summary() == Some(summary))
            .copied()
            .unwrap_or_else(|| panic!("no {summary} in {text}"))
    };
    let follow_up = by_summary("Ada Calendar: Ask about the move");
    assert_eq!(
        follow_up.get_start(),
        Some(icalendar::DatePerhapsTime::Date(day("2027-01-15")))
    );
    assert!(follow_up.property_value("RRULE").is_none());
    let birthday = by_summary("Ada Calendar's birthday");
    assert_eq!(
        birthday.property_value("RRULE"),
        Some("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")
    );
    assert!(birthday
        .get_uid()
        .is_some_and(|uid| uid == format!("birthday-{}@omnicrm.local", ada.id)));
    let anniversary = by_summary("Ada Calendar: Started with us");
    assert_eq!(anniversary.property_value("RRULE"), Some("FREQ=YEARLY"));
    // Three days ahead.
    assert!(text.contains("TRIGGER:-PT259200S"), "{text}");
    assert!(text.contains("DTEND;VALUE=DATE:20270116"), "{text}");
    // The same data gives the same UIDs (events and alarms), so a subscribed calendar
    // updates in place.
    let uids = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("UID:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(uids(&text).len(), 6);
    assert_eq!(uids(&core.reminders.calendar().unwrap()), uids(&text));
}

/// The due list read from the clock (migration 0025) against the plain walk over every
/// contact, on a database with every kind of cadence and every write that moves a last
/// contact: own, tag and stage cadences (and 'none'), snoozes, meetings still to come and one
/// that passes, deleted and undone interactions and notes, merged, deleted and restored
/// contacts, stage and tag changes, a default changed and one removed.
#[test]
fn the_due_list_read_from_the_clock_is_the_plain_walks_on_a_varied_database() {
    let (_directory, core) = open_core();
    let zones = [
        FixedOffset::east_opt(0).unwrap(),
        FixedOffset::east_opt(14 * 3600).unwrap(),
        FixedOffset::west_opt(11 * 3600).unwrap(),
        FixedOffset::east_opt(5 * 3600 + 1800).unwrap(),
    ];
    let days = [-3_i64, 0, 1, 9, 15, 31, 45, 95, 400];
    let check = |phase: &str| -> usize {
        let mut listed = 0;
        for zone in &zones {
            for offset in days {
                let on = today() + Duration::days(offset);
                let fast = core.keep_in_touch.due(on, zone).unwrap();
                let plain = core
                    .keep_in_touch
                    .due_by_walking_everyone(on, zone)
                    .unwrap();
                if let Some(index) = (0..fast.len().max(plain.len()))
                    .find(|index| fast.get(*index) != plain.get(*index))
                {
                    panic!(
                        "{phase}, on {on} in {zone}: {} listed, {} by the plain walk; \
                         first difference at {index}:\n  {:?}\n  {:?}",
                        fast.len(),
                        plain.len(),
                        fast.get(index),
                        plain.get(index)
                    );
                }
                listed += fast.len();
            }
        }
        listed
    };

    let tag = |name: &str| {
        core.tags
            .create(TagInput {
                name: name.to_owned(),
                category: None,
                color: None,
            })
            .unwrap()
    };
    let vip = tag("Circle VIP");
    let monthly = tag("Circle month");
    let thirty = tag("Circle thirty");
    let quarterly = tag("Circle quarter");
    tag("Circle plain");
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &vip.id, Some(Cadence::weeks(2)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &monthly.id, Some(Cadence::months(1)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &thirty.id, Some(Cadence::days(30)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &quarterly.id, Some(Cadence::months(3)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "core_client", Some(Cadence::weeks(3)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "new_client", Some(Cadence::months(1)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "prospect", Some(Cadence::days(10)))
        .unwrap();

    let stages = [
        None,
        Some(LifecycleStage::CoreClient),
        Some(LifecycleStage::NewClient),
        Some(LifecycleStage::Prospect),
        Some(LifecycleStage::VipClient),
    ];
    let tag_sets: [&[&str]; 6] = [
        &[],
        &["Circle VIP"],
        &["Circle month", "Circle thirty"],
        &["Circle quarter", "Circle plain"],
        &["Circle VIP", "Circle quarter"],
        &["Circle plain"],
    ];
    let kinds = [
        InteractionKind::Email,
        InteractionKind::Call,
        InteractionKind::Meeting,
        InteractionKind::CalendarEvent,
    ];
    let mut ids = Vec::new();
    let mut interaction_ids = Vec::new();
    for index in 0..72_usize {
        let id = added(
            &core,
            &format!("Person {:02}", index % 60),
            [3, 20, 50, 200, 800][index % 5],
            ContactInput {
                lifecycle_stage: stages[index % stages.len()],
                tags: tag_sets[index % tag_sets.len()]
                    .iter()
                    .map(|name| (*name).to_owned())
                    .collect(),
                ..ContactInput::default()
            },
        );
        for touch_index in 0..(index % 4) {
            let days_ago = ((index * 37 + touch_index * 53) % 200) as i64 - 2;
            let interaction = core
                .interactions
                .create(InteractionInput {
                    kind: Some(kinds[(index + touch_index) % kinds.len()]),
                    subject: Some(format!("Touch {index}.{touch_index}")),
                    occurred_at: Some((Utc::now() - Duration::days(days_ago)).to_rfc3339()),
                    contact_ids: vec![id.clone()],
                    ..InteractionInput::default()
                })
                .unwrap();
            interaction_ids.push(interaction.id);
        }
        match index % 9 {
            0 => {
                core.keep_in_touch
                    .set_cadence(&id, CadenceSetting::Every(Cadence::days(30)))
                    .unwrap();
            }
            1 => {
                core.keep_in_touch
                    .set_cadence(&id, CadenceSetting::None)
                    .unwrap();
            }
            2 => {
                core.keep_in_touch
                    .set_cadence(&id, CadenceSetting::Every(Cadence::weeks(1)))
                    .unwrap();
            }
            3 => {
                let until = (today() + Duration::days(20))
                    .format("%Y-%m-%d")
                    .to_string();
                core.keep_in_touch.snooze(&id, Some(&until)).unwrap();
            }
            4 => {
                let until = (today() - Duration::days(2)).format("%Y-%m-%d").to_string();
                core.keep_in_touch.snooze(&id, Some(&until)).unwrap();
            }
            5 => {
                core.keep_in_touch
                    .set_cadence(&id, CadenceSetting::Every(Cadence::months(2)))
                    .unwrap();
            }
            _ => {}
        }
        ids.push(id);
    }
    assert!(check("built") > 100);

    // Notes: one kept, one deleted, one undone; an interaction deleted, one undone, one moved.
    let note = core
        .notes
        .create(
            &ids[5],
            NoteInput::plain("\n  Talked about the move\nand more"),
        )
        .unwrap();
    let deleted_note = core
        .notes
        .create(&ids[6], NoteInput::plain("Gone"))
        .unwrap();
    core.notes.delete(&deleted_note.id).unwrap();
    let undone_note = core
        .notes
        .create(&ids[7], NoteInput::plain("Undone"))
        .unwrap();
    let creation = core
        .changes
        .history("note", &undone_note.id)
        .unwrap()
        .remove(0);
    core.undo.change(&creation.id).unwrap();
    core.notes
        .update(&note.id, NoteInput::plain("Talked about the move, again"))
        .unwrap();
    // The clock writes a note's first words in SQL: bodies that test each rule of them.
    let long = "Ünïcödé wörds ".repeat(10);
    let bodies = [
        "\r\n \t\r\n  First line after blank ones  \r\nsecond".to_owned(),
        "\u{3000}\u{a0}Ideographic and no-break spaces\u{2003}\u{2028}".to_owned(),
        format!("{long}\nnext line"),
        "Exactly eighty characters: ".to_owned() + &"x".repeat(53),
        "Line\rwith a lone carriage return\u{85}".to_owned(),
        "Ends on a wide space\u{3000}\u{3000}\nand goes on".to_owned(),
    ];
    for (offset, body) in bodies.iter().enumerate() {
        core.notes
            .create(&ids[40 + offset], NoteInput::plain(body))
            .unwrap();
    }
    core.interactions.delete(&interaction_ids[0]).unwrap();
    let receipt = core.interactions.delete(&interaction_ids[3]).unwrap();
    core.undo.change(&receipt.change_id).unwrap();
    let moved = core.interactions.get(&interaction_ids[5]).unwrap();
    core.interactions
        .update(
            &moved.id,
            InteractionInput {
                kind: Some(InteractionKind::Call),
                subject: Some("Moved".to_owned()),
                occurred_at: Some((Utc::now() - Duration::days(1)).to_rfc3339()),
                contact_ids: vec![ids[9].clone(), ids[10].clone()],
                ..InteractionInput::default()
            },
        )
        .unwrap();
    check("notes and interactions");

    // Contacts: merged, deleted, restored; a stage and tags changed; defaults changed.
    let merge = core
        .duplicates
        .merge(MergeRequest {
            survivor_id: ids[11].clone(),
            merged_ids: vec![ids[12].clone(), ids[13].clone()],
            fields: Default::default(),
        })
        .unwrap();
    core.contacts.delete(&ids[14]).unwrap();
    let deletion = core.contacts.delete(&ids[15]).unwrap();
    core.undo.change(&deletion.change_id).unwrap();
    let mut changed = core.contacts.get(&ids[16]).unwrap();
    changed.lifecycle_stage = Some(LifecycleStage::Prospect);
    core.contacts
        .update(
            &ids[16],
            ContactInput {
                display_name: "Renamed Person".to_owned(),
                lifecycle_stage: changed.lifecycle_stage,
                tags: vec!["Circle VIP".to_owned()],
                ..ContactInput::default()
            },
        )
        .unwrap();
    core.tags
        .untag_contacts(&[ids[19].clone()], &["Circle VIP".to_owned()])
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &quarterly.id, Some(Cadence::weeks(6)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &thirty.id, None)
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "prospect", Some(Cadence::weeks(1)))
        .unwrap();
    check("contacts and defaults");
    core.undo.batch(&merge.batch_id).unwrap();
    core.keep_in_touch.clear(&ids[18]).unwrap();
    check("merge undone");

    // A meeting still to come, and one that passes between two reads with no write between.
    let later = |seconds: i64| (Utc::now() + Duration::seconds(seconds)).to_rfc3339();
    for (index, seconds) in [(20_usize, 3 * 86_400_i64), (21, 2), (22, 2)] {
        core.interactions
            .create(InteractionInput {
                kind: Some(InteractionKind::CalendarEvent),
                subject: Some(format!("Meeting {index}")),
                occurred_at: Some(later(seconds)),
                contact_ids: vec![ids[index].clone()],
                ..InteractionInput::default()
            })
            .unwrap();
    }
    check("meetings to come");
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    check("two meetings passed");
    core.notes
        .create(&ids[30], NoteInput::plain("A write settles what passed"))
        .unwrap();
    check("settled");
}

/// Cadences written some other way than `30d`, `2w`, `3m` (only direct edits or old data can):
/// an own cadence that still reads, one that does not (the defaults apply), and a tag default
/// in words (the clock orders tag defaults by their canonical form, so the read then walks
/// every contact). The list is the plain walk's each time.
#[test]
fn cadences_written_another_way_give_the_plain_walks_list() {
    let (_directory, core) = open_core();
    let circle = core
        .tags
        .create(TagInput {
            name: "Written circle".to_owned(),
            category: None,
            color: None,
        })
        .unwrap();
    let wide = core
        .tags
        .create(TagInput {
            name: "Written wide".to_owned(),
            category: None,
            color: None,
        })
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &circle.id, Some(Cadence::weeks(2)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Tag, &wide.id, Some(Cadence::weeks(3)))
        .unwrap();
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "core_client", Some(Cadence::months(1)))
        .unwrap();
    let mut ids = Vec::new();
    for index in 0..8_i64 {
        let id = added(
            &core,
            &format!("Written {index}"),
            100,
            ContactInput {
                lifecycle_stage: Some(LifecycleStage::CoreClient),
                tags: if index % 2 == 0 {
                    vec!["Written circle".to_owned(), "Written wide".to_owned()]
                } else {
                    Vec::new()
                },
                ..ContactInput::default()
            },
        );
        touch(&core, &id, InteractionKind::Email, 12 + index * 3, "Hello");
        if index < 3 {
            core.keep_in_touch
                .set_cadence(&id, CadenceSetting::Every(Cadence::days(7)))
                .unwrap();
        }
        ids.push(id);
    }
    let same = |phase: &str| {
        let mut listed = 0;
        for offset in [0_i64, 3, 6, 10, 30, 60] {
            let on = today() + Duration::days(offset);
            let fast = core.keep_in_touch.due(on, &utc()).unwrap();
            assert_eq!(
                fast,
                core.keep_in_touch
                    .due_by_walking_everyone(on, &utc())
                    .unwrap(),
                "{phase}, {on}"
            );
            listed += fast.len();
        }
        assert!(listed > 6, "{phase}: {listed}");
    };
    same("written the usual way");
    core.database
        .write(|transaction| {
            transaction.execute(
                "UPDATE keep_in_touch SET cadence = '3 weeks' WHERE contact_id = ?1",
                [&ids[0]],
            )?;
            transaction.execute(
                "UPDATE keep_in_touch SET cadence = 'sometimes' WHERE contact_id IN (?1, ?2)",
                [&ids[1], &ids[2]],
            )?;
            Ok(())
        })
        .unwrap();
    same("own cadences in words");
    core.database
        .write(|transaction| {
            transaction.execute(
                "UPDATE keep_in_touch_defaults SET cadence = '10 days' WHERE target = ?1",
                [&circle.id],
            )?;
            Ok(())
        })
        .unwrap();
    same("a tag default in words");
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use chrono::NaiveDate;
use omnicrm_core::contacts::LifecycleStage;
use omnicrm_core::demo;

#[test]
fn the_demo_generator_is_deterministic_for_a_seed() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let first = demo::generate(50, 7, today);
    let second = demo::generate(50, 7, today);
    let other = demo::generate(50, 8, today);
    let names = |people: &[demo::DemoContact]| -> Vec<String> {
        people
            .iter()
            .map(|person| person.contact.input.display_name.clone())
            .collect()
    };
    assert_eq!(names(&first), names(&second));
    assert_ne!(names(&first), names(&other));
    assert_eq!(
        first
            .iter()
            .map(|person| &person.contact.created_at)
            .collect::<Vec<_>>(),
        second
            .iter()
            .map(|person| &person.contact.created_at)
            .collect::<Vec<_>>()
    );
}

#[test]
fn demo_data_passes_validation_and_is_undoable_per_contact() {
    let (_directory, core) = common::open_core();
    let mut reports = Vec::new();
    let summary = core
        .demo
        .load(300, demo::DEFAULT_SEED, &mut |progress| {
            reports.push(progress)
        })
        .unwrap();
    assert_eq!(summary.contacts, 300);
    assert!(summary.notes > 100, "{summary:?}");
    assert!(summary.tags > 5, "{summary:?}");
    assert_eq!(reports.first().unwrap().done, 0);
    assert_eq!(reports.last().unwrap().done, 300);
    let page = core.contacts.list(&Default::default()).unwrap();
    assert_eq!(page.total, 300);
    let with_notes = page
        .items
        .iter()
        .find(|item| !core.notes.list_for_contact(&item.id).unwrap().is_empty());
    assert!(with_notes.is_some());
}

#[test]
fn the_dashboard_counts_stages_statuses_and_months() {
    let (_directory, core) = common::open_core();
    core.demo.load(400, 3, &mut |_| {}).unwrap();
    let dashboard = core.dashboard.get().unwrap();
    assert_eq!(dashboard.total_contacts, 400);
    assert_eq!(dashboard.by_stage.len(), LifecycleStage::ALL.len() + 1);
    assert_eq!(
        dashboard
            .by_stage
            .iter()
            .map(|entry| entry.count)
            .sum::<u32>(),
        400
    );
    // Each stage's count is the number of contacts the list shows for that stage (both read
    // stage_rank since migration 0013).
    for entry in dashboard
        .by_stage
        .iter()
        .filter(|entry| entry.stage.is_some())
    {
        let listed = core
            .contacts
            .list(&omnicrm_core::contacts::ContactListQuery {
                stage: entry.stage,
                ..Default::default()
            })
            .unwrap()
            .total;
        assert_eq!(entry.count, listed, "{:?}", entry.stage);
    }
    assert!(
        dashboard
            .by_stage
            .iter()
            .filter(|entry| entry.stage.is_some() && entry.count > 0)
            .count()
            > 1,
        "the demo data spreads over several stages"
    );
    assert_eq!(
        dashboard
            .by_status
            .iter()
            .map(|entry| entry.count)
            .sum::<u32>(),
        400
    );
    assert_eq!(dashboard.new_by_month.len(), 12);
    assert!(dashboard
        .new_by_month
        .windows(2)
        .all(|pair| pair[0].month < pair[1].month));
    let recent: u32 = dashboard.new_by_month.iter().map(|entry| entry.count).sum();
    assert!(
        recent > 200 && recent < 400,
        "about 12 of 18 months: {recent}"
    );
    assert_eq!(dashboard.new_this_month, dashboard.new_by_month[11].count);

    let created = core.contacts.create(common::person("Brand New")).unwrap();
    let after = core.dashboard.get().unwrap();
    assert_eq!(after.new_this_month, dashboard.new_this_month + 1);
    core.contacts.delete(&created.id).unwrap();
    assert_eq!(core.dashboard.get().unwrap().total_contacts, 400);
}

#[test]
fn demo_refuses_zero_contacts_with_a_field_error() {
    let (_directory, core) = common::open_core();
    let error = core.demo.load(0, 1, &mut |_| {}).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "contacts");
}

/// Issue 20: demo data was committed in pieces (2,000 contacts per transaction, their notes in
/// another), so a failure or a kill left 2,000 or 4,000 contacts, some without their notes.
#[test]
fn demo_data_that_fails_part_way_leaves_nothing_and_a_whole_set_undoes_by_its_batch() {
    let (_directory, core) = common::open_core();
    let connection = rusqlite::Connection::open(core.database.path()).unwrap();
    connection
        .execute_batch(
            "CREATE TRIGGER simulated_full_disk BEFORE INSERT ON notes
             WHEN (SELECT COUNT(*) FROM contacts) > 2000
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        )
        .unwrap();
    let error = core.demo.load(5_000, 7, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("full"), "{}", error.message);
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 0);
    connection
        .execute_batch("DROP TRIGGER simulated_full_disk")
        .unwrap();

    let summary = core.demo.load(5_000, 7, &mut |_| {}).unwrap();
    assert_eq!(
        core.contacts.list(&Default::default()).unwrap().total,
        5_000
    );
    core.undo.batch(&summary.batch_id).unwrap();
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 0);
}

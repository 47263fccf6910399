//! The Today page's read at scale. Run with `scripts/bench.sh today` (release build); figures
//! go in docs/benchmarks.md.
//!
//! The database: N demo contacts (default 100,000), M interactions (default 1,000,000) spread
//! over them in the past two years, a default cadence for two lifecycle stages and an own
//! cadence on every tenth contact, and a reminder on every hundredth. The interactions are
//! written with SQL in bulk (this measures the read, not the writes). Then the Today read
//! (`core.today.today`) runs R times (default 30); the median and p95 are printed.
//!
//! With `--data DIR`, the database is built in DIR once and reused by later runs (for trying
//! changes to the read without building 100k contacts again).
//!
//! With `--write-cost`, it then measures what the triggers that keep the Today clock cost a
//! write: interactions and notes logged through the services, one transaction each, then the
//! same with those triggers dropped (the database is left without them: it is thrown away).
//!
//! Usage: bench_today [--contacts N] [--interactions M] [--runs R] [--data DIR] [--write-cost]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use omnicrm_core::keep_in_touch::{Cadence, CadenceSetting, DefaultScope};
use omnicrm_core::Core;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut contacts: u32 = 100_000;
    let mut interactions: u64 = 1_000_000;
    let mut runs: usize = 30;
    let mut data: Option<std::path::PathBuf> = None;
    let mut write_cost = false;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--contacts" => {
                contacts = arguments
                    .next()
                    .ok_or("--contacts needs a number")?
                    .parse()?
            }
            "--interactions" => {
                interactions = arguments
                    .next()
                    .ok_or("--interactions needs a number")?
                    .parse()?
            }
            "--runs" => runs = arguments.next().ok_or("--runs needs a number")?.parse()?,
            "--write-cost" => write_cost = true,
            "--data" => data = Some(arguments.next().ok_or("--data needs a directory")?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let directory = tempfile::tempdir()?;
    let folder = data.unwrap_or_else(|| directory.path().to_path_buf());
    let ready = folder.join("bench-today-ready");
    let core = Core::open(&folder)?;
    if !ready.exists() {
        build(&core, contacts, interactions)?;
        std::fs::write(&ready, "")?;
    }
    let connection = rusqlite::Connection::open(core.database.path())?;
    let live: i64 = connection.query_row(
        "SELECT count(*) FROM contacts WHERE deleted_at IS NULL",
        [],
        |row| row.get(0),
    )?;
    println!("database in {}: {live} live contacts", folder.display());
    today_reads(&core, contacts, interactions, runs)?;
    if write_cost {
        std::fs::remove_file(&ready)?;
        write_costs(&core, &connection)?;
    }
    Ok(())
}

/// Interactions and notes logged one by one through the services, with the clock's triggers
/// and then without them.
fn write_costs(
    core: &Core,
    connection: &rusqlite::Connection,
) -> Result<(), Box<dyn std::error::Error>> {
    const WRITES: usize = 2_000;
    let ids: Vec<String> = {
        let mut statement =
            connection.prepare("SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id")?;
        let ids = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids
    };
    let measure = |label: &str| -> Result<(), Box<dyn std::error::Error>> {
        let started = Instant::now();
        for index in 0..WRITES {
            let contact = &ids[(index * 7_919) % ids.len()];
            core.interactions
                .create(omnicrm_core::interactions::InteractionInput {
                    kind: Some(omnicrm_core::interactions::InteractionKind::Call),
                    subject: Some(format!("Write cost {index}")),
                    contact_ids: vec![contact.clone()],
                    ..Default::default()
                })?;
        }
        let interactions = started.elapsed().as_secs_f64() * 1000.0 / WRITES as f64;
        let started = Instant::now();
        for index in 0..WRITES {
            let contact = &ids[(index * 7_907) % ids.len()];
            core.notes.create(
                contact,
                omnicrm_core::notes::NoteInput::plain(&format!("Write cost note {index}")),
            )?;
        }
        let notes = started.elapsed().as_secs_f64() * 1000.0 / WRITES as f64;
        println!(
            "{label}: an interaction logged {interactions:.3} ms, a note {notes:.3} ms \
             (mean of {WRITES} each, one transaction each)"
        );
        Ok(())
    };
    measure("with the clock's triggers")?;
    measure("with the clock's triggers, again")?;
    connection.execute_batch(
        "DROP TRIGGER keep_in_touch_clock_after_link_insert;
         DROP TRIGGER keep_in_touch_clock_after_link_update;
         DROP TRIGGER keep_in_touch_clock_after_link_delete;
         DROP TRIGGER keep_in_touch_clock_after_interaction_update;
         DROP TRIGGER keep_in_touch_clock_after_note_insert;
         DROP TRIGGER keep_in_touch_clock_after_note_update;
         DROP TRIGGER keep_in_touch_clock_after_note_delete;",
    )?;
    measure("without them")?;
    measure("without them, again")?;
    Ok(())
}

fn build(core: &Core, contacts: u32, interactions: u64) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    core.demo.load(contacts, 5, &mut |_| {})?;
    println!(
        "{contacts} demo contacts in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let connection = rusqlite::Connection::open(core.database.path())?;
    // The page cache of the app's writer (crates/omnicrm-core/src/store.rs).
    connection.pragma_update(None, "cache_size", -262_144)?;
    connection.execute_batch(&format!(
        "BEGIN;
         CREATE TEMP TABLE numbered AS
             SELECT row_number() OVER (ORDER BY id) AS n, id FROM contacts;
         WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < {last})
         INSERT INTO interactions (id, kind, subject, occurred_at, source, created_at, updated_at)
             SELECT printf('bench-%d', i), CASE i % 3 WHEN 0 THEN 'email' WHEN 1 THEN 'call'
                    ELSE 'calendar_event' END, 'Bench ' || i,
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d minutes', (i * 7919) % 1051200)),
                    'bench', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                    strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
             FROM k;
         INSERT INTO interaction_contacts (interaction_id, contact_id, occurred_at)
             SELECT i.id, n.id, i.occurred_at FROM interactions i
             JOIN numbered n ON n.n = 1 + (CAST(substr(i.id, 7) AS INTEGER) * 48271) % {contacts}
             WHERE i.source = 'bench';
         COMMIT;",
        last = interactions.saturating_sub(1),
    ))?;
    println!(
        "{interactions} interactions in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    core.keep_in_touch
        .set_default(DefaultScope::Stage, "core_client", Some(Cadence::weeks(2)))?;
    core.keep_in_touch
        .set_default(DefaultScope::Stage, "new_client", Some(Cadence::months(1)))?;
    let ids: Vec<String> = {
        let mut statement = connection.prepare("SELECT id FROM contacts ORDER BY id")?;
        let ids = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        ids
    };
    for (index, id) in ids.iter().enumerate() {
        if index % 10 == 0 {
            core.keep_in_touch
                .set_cadence(id, CadenceSetting::Every(Cadence::days(30)))?;
        }
        if index % 100 == 0 {
            core.reminders.add(
                id,
                omnicrm_core::reminders::ReminderInput {
                    title: "Follow up".to_owned(),
                    due_on: Utc::now().date_naive().format("%Y-%m-%d").to_string(),
                    yearly: false,
                    days_ahead: 0,
                },
            )?;
        }
    }
    Ok(())
}

fn today_reads(
    core: &Core,
    contacts: u32,
    interactions: u64,
    runs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let zone = FixedOffset::east_opt(0).ok_or("zone")?;
    let at_of = |timings: &[Duration], share: f64| {
        let index = ((timings.len() as f64 - 1.0) * share).round() as usize;
        timings
            .get(index)
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0
    };
    let today = Utc::now().date_naive();
    let mut timings: Vec<Duration> = Vec::with_capacity(runs);
    let mut due = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let page = core.today.today(today, &zone)?;
        timings.push(started.elapsed());
        due = page.due.len();
    }
    timings.sort();
    let at = |share: f64| {
        let index = ((timings.len() as f64 - 1.0) * share).round() as usize;
        timings
            .get(index)
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1000.0
    };
    println!(
        "Today read at {contacts} contacts, {interactions} interactions ({due} people due): \
         median {:.1} ms, p95 {:.1} ms over {runs} runs",
        at(0.5),
        at(0.95)
    );
    let mut timings: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        core.keep_in_touch.due(today, &zone)?;
        timings.push(started.elapsed());
    }
    timings.sort();
    println!(
        "  of which the due list alone: median {:.1} ms, p95 {:.1} ms",
        at_of(&timings, 0.5),
        at_of(&timings, 0.95)
    );
    let mut timings: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        core.reminders.due(today)?;
        timings.push(started.elapsed());
    }
    timings.sort();
    println!(
        "  of which reminders and birthdays: median {:.1} ms, p95 {:.1} ms",
        at_of(&timings, 0.5),
        at_of(&timings, 0.95)
    );
    // The same list as the plain walk over every contact (the reference; seconds at 100k).
    let started = Instant::now();
    let plain = core.keep_in_touch.due_by_walking_everyone(today, &zone)?;
    let plain_time = started.elapsed();
    let fast = core.keep_in_touch.due(today, &zone)?;
    println!(
        "Plain walk over every contact: {:.0} ms; same list as the clock's: {}",
        plain_time.as_secs_f64() * 1000.0,
        if plain == fast { "yes" } else { "NO" }
    );
    if plain != fast {
        return Err("the clock's due list differs from the plain walk".into());
    }
    Ok(())
}

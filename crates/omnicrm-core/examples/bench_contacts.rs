//! Contact store benchmark: insert throughput, first page of the list, and prefix search on a
//! real SQLite file. Run with `scripts/bench.sh` (release build); figures go in
//! docs/benchmarks.md.
//!
//! Usage: bench_contacts [--contacts N] [--iterations N] [--data-dir DIR]
//! With `--data-dir`, the database is kept there and reused when it already holds the contacts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use omnicrm_core::contacts::{ContactListQuery, ContactSort, LifecycleStage, SortDirection};
use omnicrm_core::Core;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut contacts: u32 = 100_000;
    let mut iterations: usize = 200;
    let mut kept_dir: Option<std::path::PathBuf> = None;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--contacts" => {
                contacts = arguments
                    .next()
                    .ok_or("--contacts needs a number")?
                    .parse()?
            }
            "--iterations" => {
                iterations = arguments
                    .next()
                    .ok_or("--iterations needs a number")?
                    .parse()?
            }
            "--data-dir" => {
                kept_dir = Some(arguments.next().ok_or("--data-dir needs a path")?.into())
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }

    let temporary = tempfile::tempdir()?;
    let directory = kept_dir.unwrap_or_else(|| temporary.path().to_path_buf());
    let core = Core::open(&directory)?;
    let existing = core.contacts.list(&ContactListQuery::default())?.total;
    println!("# OmniCRM contact store benchmark");
    println!();
    println!("contacts: {contacts}, iterations per query: {iterations}, database: real SQLite file (WAL)");
    println!();

    if existing >= contacts {
        println!(
            "insert: skipped, {existing} contacts already in {}",
            directory.display()
        );
    } else {
        insert(&core, contacts - existing)?;
    }
    println!();
    println!("| query | median | p95 |");
    println!("|---|---|---|");

    let list_cases = [
        ("first page (100), by name", ContactListQuery::default()),
        (
            "first page (100), by updated desc",
            ContactListQuery {
                sort: ContactSort::Updated,
                direction: SortDirection::Desc,
                ..ContactListQuery::default()
            },
        ),
        (
            "first page (100), stage = VIP, by name",
            ContactListQuery {
                stage: Some(LifecycleStage::VipClient),
                ..ContactListQuery::default()
            },
        ),
        (
            "page at offset 50,000, by name",
            ContactListQuery {
                offset: 50_000.min(contacts.saturating_sub(100)),
                ..ContactListQuery::default()
            },
        ),
        (
            "first page (100), tag = yoga",
            ContactListQuery {
                tag: Some("yoga".into()),
                ..ContactListQuery::default()
            },
        ),
        (
            "first page (100), list search \"ma\"",
            ContactListQuery {
                search: Some("ma".into()),
                ..ContactListQuery::default()
            },
        ),
    ];
    for (label, query) in &list_cases {
        let timings = measure(iterations, || core.contacts.list(query).map(|_| ()))?;
        report(label, &timings);
    }

    let mut all_search = Vec::new();
    for text in [
        "m",
        "ma",
        "may",
        "lind",
        "oka",
        "zo",
        "riverside",
        "415 2",
        "maya lin",
    ] {
        let timings = measure(iterations, || core.contacts.search(text, 20).map(|_| ()))?;
        report(&format!("prefix search \"{text}\" (top 20)"), &timings);
        all_search.extend(timings);
    }
    all_search.sort();
    report("prefix search, all queries above", &all_search);
    Ok(())
}

fn insert(core: &Core, contacts: u32) -> omnicrm_core::Result<()> {
    let started = Instant::now();
    let summary = core
        .demo
        .load(contacts, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})?;
    let elapsed = started.elapsed();
    println!(
        "insert: {} contacts (+{} notes) in {:.2} s = {:.0} contacts/s (validation, phone normalization, FTS, change log included)",
        summary.contacts,
        summary.notes,
        elapsed.as_secs_f64(),
        f64::from(summary.contacts) / elapsed.as_secs_f64()
    );
    Ok(())
}

fn measure(
    iterations: usize,
    mut work: impl FnMut() -> omnicrm_core::Result<()>,
) -> omnicrm_core::Result<Vec<Duration>> {
    for _ in 0..5 {
        work()?;
    }
    let mut timings = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        work()?;
        timings.push(started.elapsed());
    }
    timings.sort();
    Ok(timings)
}

fn report(label: &str, sorted: &[Duration]) {
    let at = |fraction: f64| {
        let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
        sorted.get(index).copied().unwrap_or_default()
    };
    println!(
        "| {label} | {:.3} ms | {:.3} ms |",
        at(0.5).as_secs_f64() * 1000.0,
        at(0.95).as_secs_f64() * 1000.0
    );
}

//! The cost of encryption at rest, measured in one run: the same work on a plain database and on
//! a SQLCipher one, interleaved run by run, with the ratio of the medians.
//!
//! - import: a Google CSV of N contacts into an empty database (3 runs each);
//! - contact list: the first page (100) by name and by last update, and a page deep in the list;
//! - keyword search: prefix searches of the contacts (top 20);
//! - open: opening the data folder (the key is set on every connection).
//!
//! Both databases hold the same demo data (N contacts, same seed). Run with
//! `scripts/bench.sh encryption [--contacts N] [--iterations N]`; figures go in
//! docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use omnicrm_core::contacts::{ContactListQuery, ContactSort, SortDirection};
use omnicrm_core::encryption::DatabaseKey;
use omnicrm_core::export::ExportFormat;
use omnicrm_core::imports::ImportOptions;
use omnicrm_core::Core;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut contacts: u32 = 100_000;
    let mut iterations: usize = 200;
    let mut import_runs: usize = 3;
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
            "--import-runs" => {
                import_runs = arguments
                    .next()
                    .ok_or("--import-runs needs a number")?
                    .parse()?
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let scratch = tempfile::tempdir()?;
    let key = DatabaseKey::generate();
    println!("# OmniCRM encryption at rest: plain vs SQLCipher");
    println!();
    println!(
        "contacts: {contacts}, iterations per query: {iterations}, import runs: {import_runs}; \
         real SQLite files (WAL), SQLCipher 4 (AES-256, HMAC-SHA512 per page), raw key"
    );
    println!();

    // 1. Import into an empty database, plain and encrypted runs interleaved.
    let csv = export_demo(scratch.path(), contacts)?;
    let mut plain_imports = Vec::new();
    let mut encrypted_imports = Vec::new();
    for run in 0..import_runs {
        for (encrypted, timings) in [(false, &mut plain_imports), (true, &mut encrypted_imports)] {
            let directory = scratch.path().join(format!("import-{run}-{encrypted}"));
            let core = open(&directory, encrypted.then(|| key.clone()))?;
            let started = Instant::now();
            core.imports
                .run_file(&csv, &ImportOptions::default(), &mut |_, _| {})?;
            timings.push(started.elapsed());
            drop(core);
            std::fs::remove_dir_all(&directory)?;
        }
    }
    println!("| work | plain median | encrypted median | encrypted / plain |");
    println!("|---|---|---|---|");
    compare(
        &format!("import {contacts} contacts (Google CSV) into an empty database"),
        &mut plain_imports,
        &mut encrypted_imports,
    );

    // 2. Reads on the same data, plain and encrypted.
    let plain_dir = scratch.path().join("plain");
    let encrypted_dir = scratch.path().join("encrypted");
    for (directory, folder_key) in [(&plain_dir, None), (&encrypted_dir, Some(key.clone()))] {
        let core = open(directory, folder_key)?;
        core.demo
            .load(contacts, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})?;
    }
    let plain = open(&plain_dir, None)?;
    let encrypted = open(&encrypted_dir, Some(key.clone()))?;
    let list_cases = [
        (
            "contact list: first page (100), by name",
            ContactListQuery::default(),
        ),
        (
            "contact list: first page (100), by last update",
            ContactListQuery {
                sort: ContactSort::Updated,
                direction: SortDirection::Desc,
                ..ContactListQuery::default()
            },
        ),
        (
            "contact list: page at the middle, by name",
            ContactListQuery {
                offset: contacts / 2,
                ..ContactListQuery::default()
            },
        ),
    ];
    for (label, query) in &list_cases {
        let (mut plain_timings, mut encrypted_timings) = interleaved(
            iterations,
            || plain.contacts.list(query).map(|_| ()),
            || encrypted.contacts.list(query).map(|_| ()),
        )?;
        compare(label, &mut plain_timings, &mut encrypted_timings);
    }
    let mut plain_search = Vec::new();
    let mut encrypted_search = Vec::new();
    for text in ["m", "ma", "lind", "oka", "riverside", "maya lin"] {
        let (plain_timings, encrypted_timings) = interleaved(
            iterations,
            || plain.contacts.search(text, 20).map(|_| ()),
            || encrypted.contacts.search(text, 20).map(|_| ()),
        )?;
        plain_search.extend(plain_timings);
        encrypted_search.extend(encrypted_timings);
    }
    compare(
        "keyword search: 6 prefix searches (top 20), all timings",
        &mut plain_search,
        &mut encrypted_search,
    );
    drop(plain);
    drop(encrypted);

    // 3. Opening the folder and reading the first page with a cold page cache (what the app
    //    does at start; every page read is decrypted once).
    let first_page = |core: Core| core.contacts.list(&ContactListQuery::default()).map(drop);
    let (mut plain_opens, mut encrypted_opens) = interleaved(
        20,
        || {
            open(&plain_dir, None)
                .map_err(to_error)
                .and_then(first_page)
        },
        || {
            open(&encrypted_dir, Some(key.clone()))
                .map_err(to_error)
                .and_then(first_page)
        },
    )?;
    compare(
        "open the data folder and list the first page (cold cache)",
        &mut plain_opens,
        &mut encrypted_opens,
    );
    println!();
    println!(
        "database and WAL: plain {:.1} MB, encrypted {:.1} MB",
        megabytes(&plain_dir),
        megabytes(&encrypted_dir)
    );
    Ok(())
}

fn to_error(error: Box<dyn std::error::Error>) -> omnicrm_core::Error {
    omnicrm_core::Error::internal(error.to_string())
}

fn open(directory: &Path, key: Option<DatabaseKey>) -> Result<Core, Box<dyn std::error::Error>> {
    Ok(Core::open_with_key(directory, key)?)
}

fn export_demo(scratch: &Path, contacts: u32) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = scratch.join("import.csv");
    let source = scratch.join("export-source");
    let core = Core::open(&source)?;
    core.demo.load(contacts, 11, &mut |_| {})?;
    core.export.write(ExportFormat::GoogleCsv, &path, None)?;
    drop(core);
    std::fs::remove_dir_all(&source)?;
    Ok(path)
}

/// Runs `plain` and `encrypted` alternately, `iterations` times each after a warm-up.
fn interleaved(
    iterations: usize,
    mut plain: impl FnMut() -> omnicrm_core::Result<()>,
    mut encrypted: impl FnMut() -> omnicrm_core::Result<()>,
) -> omnicrm_core::Result<(Vec<Duration>, Vec<Duration>)> {
    for _ in 0..3 {
        plain()?;
        encrypted()?;
    }
    let mut plain_timings = Vec::with_capacity(iterations);
    let mut encrypted_timings = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        plain()?;
        plain_timings.push(started.elapsed());
        let started = Instant::now();
        encrypted()?;
        encrypted_timings.push(started.elapsed());
    }
    Ok((plain_timings, encrypted_timings))
}

fn median(timings: &mut [Duration]) -> Duration {
    timings.sort();
    timings.get(timings.len() / 2).copied().unwrap_or_default()
}

fn compare(label: &str, plain: &mut [Duration], encrypted: &mut [Duration]) {
    let plain = median(plain);
    let encrypted = median(encrypted);
    println!(
        "| {label} | {} | {} | {:.2} |",
        show(plain),
        show(encrypted),
        encrypted.as_secs_f64() / plain.as_secs_f64().max(f64::MIN_POSITIVE)
    );
}

fn show(duration: Duration) -> String {
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else {
        format!("{:.3} ms", duration.as_secs_f64() * 1000.0)
    }
}

/// The database and its WAL in `directory`, in MB.
fn megabytes(directory: &Path) -> f64 {
    ["omnicrm.sqlite3", "omnicrm.sqlite3-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(directory.join(name)).ok())
        .map(|metadata| metadata.len() as f64 / 1_000_000.0)
        .sum()
}

//! Import and timeline benchmark on real SQLite files. Run with `scripts/bench.sh imports`
//! (release build); figures go in docs/benchmarks.md.
//!
//! 1. Import 10k contacts (a Google CSV export of demo data) into a database that already
//!    holds 10k other contacts, matching every record against them.
//! 2. Import 100k contacts into an empty database.
//! 3. The first page (50 items) of a contact timeline holding 5k interactions and notes.
//!
//! During the first large import, a second writer (its own connections, as another process
//! has) adds a contact every 100 ms; its failures and waits are reported.
//!
//! Usage: bench_imports [--runs N] [--large N] [--only small|large|timeline] [--cache DIR]
//!
//! `--only` runs one of the three measurements; `--cache DIR` keeps the exported files in DIR
//! and reuses them, so that runs alternating two builds import the same files without
//! exporting them again each time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use omnicrm_core::export::ExportFormat;
use omnicrm_core::imports::ImportOptions;
use omnicrm_core::interactions::{InteractionInput, InteractionKind};
use omnicrm_core::Core;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs: usize = 3;
    let mut large: u32 = 100_000;
    let mut only: Option<String> = None;
    let mut cache: Option<std::path::PathBuf> = None;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--runs" => runs = arguments.next().ok_or("--runs needs a number")?.parse()?,
            "--large" => large = arguments.next().ok_or("--large needs a number")?.parse()?,
            "--only" => only = Some(arguments.next().ok_or("--only needs a measurement")?),
            "--cache" => cache = Some(arguments.next().ok_or("--cache needs a directory")?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let runs_of = |measurement: &str| {
        if only.as_deref().is_none_or(|only| only == measurement) {
            runs
        } else {
            0
        }
    };
    let scratch = tempfile::tempdir()?;
    let files = cache.unwrap_or_else(|| scratch.path().to_owned());
    std::fs::create_dir_all(&files)?;

    // The files to import: Google CSV exports of demo data from other seeds.
    let ten_thousand = if runs_of("small") > 0 {
        export_demo(&files, "ten-thousand", 10_000, 7)?
    } else {
        files.join("unused.csv")
    };
    let large_file = if large > 0 && runs_of("large") > 0 {
        Some(export_demo(&files, &format!("large-{large}"), large, 11)?)
    } else {
        None
    };

    // 1. 10k into 10k existing.
    let mut timings = Vec::new();
    for run in 0..runs_of("small") {
        let directory = scratch.path().join(format!("existing-{run}"));
        let core = Core::open(&directory)?;
        core.demo
            .load(10_000, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})?;
        let started = Instant::now();
        let bytes = std::fs::read(&ten_thousand)?;
        core.imports.preview(&bytes, &ImportOptions::default())?;
        let planned = started.elapsed();
        let started = Instant::now();
        let summary =
            core.imports
                .run_file(&ten_thousand, &ImportOptions::default(), &mut |_, _| {})?;
        timings.push(started.elapsed());
        println!(
            "  run {run}: reading and planning alone {:.0} ms, whole import {:.0} ms",
            planned.as_secs_f64() * 1000.0,
            started.elapsed().as_secs_f64() * 1000.0
        );
        if run == 0 {
            println!(
                "10k into 10k existing: {} created, {} updated, {} combined, {} skipped, {} invalid",
                summary.counts.create,
                summary.counts.update,
                summary.counts.merge,
                summary.counts.skip,
                summary.counts.invalid
            );
        }
        drop(core);
        std::fs::remove_dir_all(&directory)?;
    }
    if !timings.is_empty() {
        report(
            "import 10k contacts, dedupe against 10k existing",
            &mut timings,
        );
    }

    // 2. The large file into an empty database (skipped with --large 0).
    let mut timings = Vec::new();
    for run in 0..large_file.as_ref().map_or(0, |_| runs.min(2)) {
        let directory = scratch.path().join(format!("large-{run}"));
        let core = Core::open(&directory)?;
        let other_writer = (run == 0)
            .then(|| OtherWriter::start(&directory))
            .transpose()?;
        let started = Instant::now();
        core.imports.run_file(
            large_file.as_deref().ok_or("no large file")?,
            &ImportOptions::default(),
            &mut |_, _| {},
        )?;
        timings.push(started.elapsed());
        if let Some(other_writer) = other_writer {
            other_writer.stop_and_report();
        }
        drop(core);
        std::fs::remove_dir_all(&directory)?;
    }
    if !timings.is_empty() {
        report(
            &format!("import {large} contacts into an empty database"),
            &mut timings,
        );
    }
    if runs_of("timeline") == 0 {
        return Ok(());
    }

    // 3. Timeline of one contact with 5k items.
    let core = Core::open(&scratch.path().join("timeline"))?;
    let contact = core.contacts.create(omnicrm_core::contacts::ContactInput {
        display_name: "Busy Client".into(),
        ..Default::default()
    })?;
    let started = chrono::Utc::now();
    for index in 0..4_000i64 {
        core.interactions.create(InteractionInput {
            kind: Some(InteractionKind::Email),
            subject: Some(format!("Message {index}")),
            body: Some("Thanks for the session, see you next week.".into()),
            occurred_at: Some((started - chrono::Duration::minutes(index * 17)).to_rfc3339()),
            contact_ids: vec![contact.id.clone()],
            ..Default::default()
        })?;
    }
    for index in 0..1_000 {
        core.notes.create(
            &contact.id,
            omnicrm_core::notes::NoteInput::plain(&format!("Session note {index}")),
        )?;
    }
    let mut timings = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let page = core.timeline.page(&contact.id, None, 50)?;
        timings.push(started.elapsed());
        if page.items.len() != 50 {
            return Err("the timeline page is short".into());
        }
    }
    report("timeline first page (50 of 5k items)", &mut timings);
    Ok(())
}

/// A second writer adding a contact every 100 ms while a large import runs.
struct OtherWriter {
    running: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(Vec<Duration>, Vec<String>)>,
}

impl OtherWriter {
    fn start(directory: &std::path::Path) -> Result<Self, Box<dyn std::error::Error>> {
        let core = Core::open(directory)?;
        let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let still_running = running.clone();
        let thread = std::thread::spawn(move || {
            let mut waits = Vec::new();
            let mut failures = Vec::new();
            while still_running.load(std::sync::atomic::Ordering::SeqCst) {
                let started = Instant::now();
                let added = core.contacts.create(omnicrm_core::contacts::ContactInput {
                    display_name: format!("Meanwhile Number{}", waits.len()),
                    ..Default::default()
                });
                waits.push(started.elapsed());
                if let Err(error) = added {
                    failures.push(error.message);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (waits, failures)
        });
        Ok(Self { running, thread })
    }

    fn stop_and_report(self) {
        self.running
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let Ok((mut waits, failures)) = self.thread.join() else {
            println!("the other writer panicked");
            return;
        };
        waits.sort();
        let at = |share: f64| {
            let index = ((waits.len() as f64 - 1.0) * share).round() as usize;
            waits.get(index).copied().unwrap_or_default().as_secs_f64() * 1000.0
        };
        println!(
            "another writer during the import: {} contacts added, {} failed, each write took \
             p50 {:.1} ms, p95 {:.1} ms, longest {:.1} ms",
            waits.len(),
            failures.len(),
            at(0.5),
            at(0.95),
            at(1.0)
        );
        for failure in failures.iter().take(3) {
            println!("  failed: {failure}");
        }
    }
}

fn export_demo(
    scratch: &std::path::Path,
    name: &str,
    contacts: u32,
    seed: u64,
) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let path = scratch.join(format!("{name}.csv"));
    if path.exists() {
        return Ok(path);
    }
    let source = scratch.join(format!("source-{name}"));
    let core = Core::open(&source)?;
    core.demo.load(contacts, seed, &mut |_| {})?;
    core.export.write(ExportFormat::GoogleCsv, &path, None)?;
    drop(core);
    std::fs::remove_dir_all(&source)?;
    Ok(path)
}

fn report(what: &str, timings: &mut [Duration]) {
    timings.sort();
    let median = timings.get(timings.len() / 2).copied().unwrap_or_default();
    let worst = timings.last().copied().unwrap_or_default();
    println!(
        "{what}: median {:.3} ms, worst {:.3} ms over {} runs",
        median.as_secs_f64() * 1000.0,
        worst.as_secs_f64() * 1000.0,
        timings.len()
    );
}

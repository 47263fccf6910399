//! Times duplicate suggestions over demo contacts: `cargo run --release -p omnicrm-core
//! --example bench_duplicates [CONTACTS]` (10,000 by default). Prints the median of 5 runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use omnicrm_core::duplicates::MAX_SUGGESTIONS;
use omnicrm_core::{Core, Error, Result};

const RUNS: usize = 5;

fn main() -> Result<()> {
    let count: u32 = match std::env::args().nth(1) {
        Some(text) => text
            .parse()
            .map_err(|_| Error::invalid_field("contacts", "must be a whole number"))?,
        None => 10_000,
    };
    let directory =
        std::env::temp_dir().join(format!("omnicrm-bench-duplicates-{}", std::process::id()));
    let outcome = run(&directory, count);
    if let Err(error) = std::fs::remove_dir_all(&directory) {
        eprintln!("could not remove {}: {error}", directory.display());
    }
    outcome
}

fn run(directory: &std::path::Path, count: u32) -> Result<()> {
    let core = Core::open(directory)?;
    let loading = Instant::now();
    core.demo
        .load(count, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})?;
    println!(
        "loaded {count} demo contacts in {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    let mut timings: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut found = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        found = core.duplicates.suggestions(MAX_SUGGESTIONS)?.len();
        timings.push(started.elapsed());
    }
    timings.sort();
    let median = timings.get(RUNS / 2).copied().unwrap_or_default();
    println!(
        "suggestions over {count} contacts: median {:.1} ms of {RUNS} runs ({found} suggestions, \
         limit {MAX_SUGGESTIONS})",
        median.as_secs_f64() * 1000.0
    );
    Ok(())
}

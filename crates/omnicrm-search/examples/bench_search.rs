//! Search benchmark on a real SQLite file: keyword p95 at 100k contacts + 1M interactions,
//! semantic kNN p95 and recall@10 at 100k chunks × 384, hybrid p95, and local embedding
//! throughput. Run with `scripts/bench.sh search` (release build); figures go in
//! docs/benchmarks.md.
//!
//! Usage: bench_search [--contacts N] [--interactions N] [--chunks N] [--iterations N]
//!                     [--data-dir DIR] [--only hybrid|embedding|semantic]
//! With `--data-dir`, the database is kept and reused when it already holds the data.
//! `--only hybrid` measures hybrid search and the query's embedding alone (for comparing
//! builds quickly, and for profiling); `--only embedding` the query's embedding and the
//! batched embedding throughput alone; `--only semantic` the kNN alone, at k = 10 and at the
//! 200 chunks a hybrid search of every kind asks for.
//!
//! Fixture data: contacts come from the demo loader; interactions and chunk vectors are written
//! with plain SQL in large transactions (a million service calls would take the benchmark's
//! whole budget), through the same search triggers the app's writes fire. Chunk vectors are
//! synthetic (clustered random unit vectors, tagged with the local model's id), so the vector
//! timings and recall are real while their "meaning" is not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rusqlite::params;

use omnicrm_core::contacts::ContactListQuery;
use omnicrm_core::Core;
use omnicrm_search::embedder::normalize;
use omnicrm_search::models::{self, ModelSpec};
use omnicrm_search::vectors::{self, to_blob};
use omnicrm_search::{
    register_sqlite_vec, LocalEmbedder, SearchMode, SearchRequest, SearchService, LOCAL_MODEL_ID,
};

const WORDS: &[&str] = &[
    "session",
    "massage",
    "follow",
    "up",
    "appointment",
    "booking",
    "invoice",
    "payment",
    "reminder",
    "yoga",
    "stretching",
    "back",
    "neck",
    "shoulder",
    "pain",
    "sleep",
    "stress",
    "breathing",
    "meditation",
    "nutrition",
    "workshop",
    "newsletter",
    "referral",
    "review",
    "gift",
    "voucher",
    "prenatal",
    "recovery",
    "marathon",
    "knee",
    "hip",
    "posture",
    "anxiety",
    "grief",
    "burnout",
    "calendar",
    "reschedule",
    "cancel",
    "confirm",
    "thanks",
    "question",
    "plan",
    "goals",
    "progress",
    "weekly",
    "monthly",
    "package",
    "discount",
    "membership",
];
const RARE_WORDS: &[&str] = &[
    "acupressure",
    "fibromyalgia",
    "sciatica",
    "craniosacral",
    "lymphatic",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As the app and the CLI do, before any thread starts.
    omnicrm_search::pin_compute_thread_count();
    let mut contacts: u32 = 100_000;
    let mut interactions: u32 = 1_000_000;
    let mut chunks: u32 = 100_000;
    let mut iterations: usize = 200;
    let mut kept_dir: Option<std::path::PathBuf> = None;
    let mut only_hybrid = false;
    let mut only_embedding = false;
    let mut only_semantic = false;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        let mut number = || -> Result<u32, Box<dyn std::error::Error>> {
            Ok(arguments.next().ok_or("a number is needed")?.parse()?)
        };
        match argument.as_str() {
            "--contacts" => contacts = number()?,
            "--interactions" => interactions = number()?,
            "--chunks" => chunks = number()?,
            "--iterations" => iterations = number()? as usize,
            "--data-dir" => {
                kept_dir = Some(arguments.next().ok_or("--data-dir needs a path")?.into())
            }
            "--only" => match arguments.next().as_deref() {
                Some("hybrid") => only_hybrid = true,
                Some("embedding") => only_embedding = true,
                Some("semantic") => only_semantic = true,
                other => {
                    return Err(format!(
                        "--only takes `hybrid`, `embedding` or `semantic`, not {other:?}"
                    )
                    .into())
                }
            },
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    register_sqlite_vec();
    let temporary = tempfile::tempdir()?;
    let directory = kept_dir.unwrap_or_else(|| temporary.path().to_path_buf());
    let core = Core::open(&directory)?;
    println!("# OmniCRM search benchmark");
    println!();
    println!(
        "contacts: {contacts}, interactions: {interactions}, chunks: {chunks} × 384, iterations: {iterations}"
    );
    fill_contacts(&core, contacts)?;
    fill_interactions(&core, interactions)?;
    fill_chunks(&core, chunks)?;

    let keyword = SearchService::keyword_only(
        core.database.clone(),
        omnicrm_search::SearchNotice {
            reason: omnicrm_search::ModeNotice::ModelMissing,
            message: String::new(),
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let queries = [
        "session",
        "massage follow",
        "sciatica",
        "pain",
        "maya",
        "invoice payment",
        "acupress",
        "yo",
    ];
    println!();
    println!("| measurement | median | p95 |");
    println!("|---|---|---|");
    if !only_hybrid && !only_embedding && !only_semantic {
        measure_keyword(&keyword, &runtime, &queries, iterations)?;
    }
    if !only_hybrid && !only_embedding {
        // k = 200: what a hybrid search of all five kinds, ten each, asks of the kNN.
        for limit in [10, 200] {
            measure_knn(&core, limit)?;
        }
    }
    if only_semantic {
        return Ok(());
    }
    // Hybrid and embedding throughput need the real model.
    let Some(models_dir) = models::default_models_dir() else {
        return Ok(());
    };
    let spec = ModelSpec::all_minilm_l6_v2();
    if !models::is_installed(&models_dir, &spec) {
        println!(
            "hybrid and throughput: skipped, the model is not installed (scripts/fetch-models.sh)"
        );
        return Ok(());
    }
    let embedder = LocalEmbedder::load(&models_dir.join(&spec.directory))?;
    let hybrid = SearchService::new(core.database.clone(), Arc::new(embedder.clone()))?;
    let mut hybrid_times = Vec::new();
    for query in queries.iter().filter(|_| !only_embedding) {
        hybrid_times.extend(time(iterations / queries.len().max(1) + 1, || {
            runtime.block_on(hybrid.search(request(query, SearchMode::Hybrid)))?;
            Ok(())
        })?);
    }
    if !only_embedding {
        report(
            "hybrid (query embedding + keyword + kNN + fusion), pooled",
            &hybrid_times,
        );
    }
    let query_embedding = time(50, || {
        embedder.embed_blocking(&["massage follow up".to_owned()])?;
        Ok(())
    })?;
    report("of which: embedding the query", &query_embedding);

    if only_hybrid {
        return Ok(());
    }
    let texts: Vec<String> = (0..512)
        .map(|index| {
            (0..30)
                .map(|offset| WORDS[(index * 7 + offset * 3) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    for batch in [16usize, 32, 64] {
        let started = Instant::now();
        for slice in texts.chunks(batch) {
            embedder.embed_blocking(slice)?;
        }
        let rate = texts.len() as f64 / started.elapsed().as_secs_f64();
        println!(
            "embedding throughput, 512 texts of 30 words, batches of {batch}: {rate:.0} texts/s"
        );
    }
    Ok(())
}

/// Keyword search per query and pooled.
fn measure_keyword(
    keyword: &SearchService,
    runtime: &tokio::runtime::Runtime,
    queries: &[&str],
    iterations: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut pooled = Vec::new();
    for &query in queries {
        let timings = time(iterations / queries.len().max(1) + 1, || {
            runtime.block_on(keyword.search(request(query, SearchMode::Keyword)))?;
            Ok(())
        })?;
        report(
            &format!("keyword \"{query}\" (all kinds, 10 per kind)"),
            &timings,
        );
        pooled.extend(timings);
    }
    report("keyword, all queries pooled", &pooled);
    Ok(())
}

/// kNN p95 for `limit` results, and recall against exact search.
fn measure_knn(core: &Core, limit: usize) -> Result<(), Box<dyn std::error::Error>> {
    // Semantic kNN: bit pass + rescoring, against exact float brute force.
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let centers = cluster_centers();
    let probes: Vec<Vec<f32>> = (0..100)
        .map(|_| clustered_vector(&mut random, &centers))
        .collect();
    let mut approximate_times = Vec::new();
    let mut exact_times = Vec::new();
    let mut found = 0usize;
    let mut wanted = 0usize;
    // As the search service does: the bit vectors stay in memory between searches (the first
    // search, untimed, loads them).
    let cache = vectors::VectorCache::default();
    core.database.read(|connection| {
        if let Some(probe) = probes.first() {
            vectors::nearest(connection, &cache, LOCAL_MODEL_ID, probe, limit)?;
        }
        for probe in &probes {
            let started = Instant::now();
            let approximate = vectors::nearest(connection, &cache, LOCAL_MODEL_ID, probe, limit)?;
            approximate_times.push(started.elapsed());
            let started = Instant::now();
            let exact = vectors::nearest_exact(connection, LOCAL_MODEL_ID, probe, limit)?;
            exact_times.push(started.elapsed());
            wanted += exact.len();
            found += exact
                .iter()
                .filter(|near| {
                    approximate
                        .iter()
                        .any(|other| other.chunk_id == near.chunk_id)
                })
                .count();
        }
        Ok(())
    })?;
    report(
        &format!("semantic kNN k={limit} (bit pass + float rescoring)"),
        &approximate_times,
    );
    report(
        &format!("exact float brute force k={limit} (reference)"),
        &exact_times,
    );
    println!(
        "recall@{limit} of the bit pass + rescoring vs exact: {:.3}",
        found as f64 / wanted.max(1) as f64
    );
    Ok(())
}

fn request(text: &str, mode: SearchMode) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        mode,
        limit: Some(10),
        ..SearchRequest::default()
    }
}

fn time(
    runs: usize,
    mut work: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    work()?;
    let mut timings = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        work()?;
        timings.push(started.elapsed());
    }
    Ok(timings)
}

fn report(label: &str, timings: &[Duration]) {
    let mut sorted = timings.to_vec();
    sorted.sort();
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

fn fill_contacts(core: &Core, contacts: u32) -> Result<(), Box<dyn std::error::Error>> {
    let existing = core.contacts.list(&ContactListQuery::default())?.total;
    if existing >= contacts {
        return Ok(());
    }
    let started = Instant::now();
    core.demo.load(
        contacts - existing,
        omnicrm_core::demo::DEFAULT_SEED,
        &mut |_| {},
    )?;
    println!(
        "contacts: {} loaded in {:.1} s",
        contacts - existing,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn count(core: &Core, sql: &str) -> Result<u32, Box<dyn std::error::Error>> {
    Ok(core
        .database
        .read(|connection| Ok(connection.query_row(sql, [], |row| row.get(0))?))?)
}

fn fill_interactions(core: &Core, wanted: u32) -> Result<(), Box<dyn std::error::Error>> {
    let existing = count(core, "SELECT count(*) FROM interactions")?;
    if existing >= wanted {
        return Ok(());
    }
    let contact_ids: Vec<String> = core.database.read(|connection| {
        let mut statement = connection.prepare("SELECT id FROM contacts LIMIT 100000")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    })?;
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let started = Instant::now();
    let mut written = existing;
    while written < wanted {
        let batch = (wanted - written).min(20_000);
        core.database.write(|transaction| {
            let mut interaction = transaction.prepare_cached(
                "INSERT INTO interactions (id, kind, subject, body, occurred_at, source, created_at, updated_at)
                 VALUES (?1, 'email', ?2, ?3, ?4, 'bench', ?4, ?4)",
            )?;
            let mut link = transaction.prepare_cached(
                "INSERT INTO interaction_contacts (interaction_id, contact_id, occurred_at) VALUES (?1, ?2, ?3)",
            )?;
            for _ in 0..batch {
                let id = omnicrm_core::time::new_id();
                let subject: Vec<&str> = (0..4).map(|_| WORDS[random.random_range(0..WORDS.len())]).collect();
                let mut body: Vec<&str> = (0..40).map(|_| WORDS[random.random_range(0..WORDS.len())]).collect();
                if random.random_range(0..1000) == 0 {
                    body.push(RARE_WORDS[random.random_range(0..RARE_WORDS.len())]);
                }
                let seconds = random.random_range(0..(3 * 365 * 86_400i64));
                let occurred_at = omnicrm_core::time::format_utc(
                    chrono::DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap_or_default(),
                );
                interaction.execute(params![id, subject.join(" "), body.join(" "), occurred_at])?;
                if let Some(contact) = contact_ids.get(random.random_range(0..contact_ids.len().max(1))) {
                    link.execute(params![id, contact, occurred_at])?;
                }
            }
            Ok(())
        })?;
        written += batch;
    }
    println!(
        "interactions: {} written (with their search index) in {:.1} s",
        wanted - existing,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn cluster_centers() -> Vec<Vec<f32>> {
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    (0..200)
        .map(|_| {
            let mut center: Vec<f32> = (0..384)
                .map(|_| random.random_range(-1.0f32..1.0))
                .collect();
            normalize(&mut center);
            center
        })
        .collect()
}

/// A unit vector near one of the centers (real embeddings cluster by topic).
fn clustered_vector(random: &mut impl Rng, centers: &[Vec<f32>]) -> Vec<f32> {
    let center = &centers[random.random_range(0..centers.len())];
    let mut vector: Vec<f32> = center
        .iter()
        .map(|value| value + random.random_range(-0.08f32..0.08))
        .collect();
    normalize(&mut vector);
    vector
}

fn fill_chunks(core: &Core, wanted: u32) -> Result<(), Box<dyn std::error::Error>> {
    let existing = count(core, "SELECT count(*) FROM search_chunks")?;
    if existing >= wanted {
        return Ok(());
    }
    let centers = cluster_centers();
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let started = Instant::now();
    let items: Vec<String> = core.database.read(|connection| {
        let mut statement = connection
            .prepare("SELECT item_id FROM search_documents WHERE kind = 'interaction' LIMIT ?1")?;
        let rows = statement.query_map([wanted], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    })?;
    core.database.write(|transaction| {
        transaction.execute_batch(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_vector_bits_384 USING vec0(
                 chunk_id INTEGER PRIMARY KEY, embedding bit[384])",
        )?;
        let mut chunk = transaction.prepare(
            "INSERT INTO search_chunks (kind, item_id, position, text, text_hash, model_id, dimensions, embedding)
             VALUES ('interaction', ?1, ?2, 'synthetic passage', '', ?3, 384, ?4) RETURNING chunk_id",
        )?;
        let mut bits = transaction.prepare(
            "INSERT INTO search_vector_bits_384 (chunk_id, embedding) VALUES (?1, vec_quantize_binary(?2))",
        )?;
        vectors::mark_bits_changed(transaction, 384)?;
        for index in existing..wanted {
            let vector = clustered_vector(&mut random, &centers);
            let item = items.get(index as usize % items.len().max(1)).cloned().unwrap_or_default();
            let position = index as usize / items.len().max(1);
            let chunk_id: i64 = chunk.query_row(
                params![item, position as i64, LOCAL_MODEL_ID, to_blob(&vector)],
                |row| row.get(0),
            )?;
            bits.execute(params![chunk_id, to_blob(&vector)])?;
        }
        Ok(())
    })?;
    println!(
        "chunks: {} written in {:.1} s",
        wanted - existing,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

//! Recall of the approximate vector search against exact float search, on clustered vectors
//! like real embeddings (and the benchmark's): many chunks close to each other, where the
//! sign bits alone cannot tell the nearest apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rand::{Rng, SeedableRng};
use rusqlite::params;

use common::open_core;
use omnicrm_search::embedder::normalize;
use omnicrm_search::vectors::{self, to_blob, Neighbour};

const MODEL: &str = "test-model";
const DIMENSIONS: usize = 384;

fn unit(mut vector: Vec<f32>) -> Vec<f32> {
    normalize(&mut vector);
    vector
}

/// `centres` random unit centres; each vector is a centre plus uniform ±0.08 noise per
/// dimension, normalised (the benchmark's recipe).
fn clustered(random: &mut impl Rng, centres: &[Vec<f32>]) -> Vec<f32> {
    let centre = &centres[random.random_range(0..centres.len())];
    unit(
        centre
            .iter()
            .map(|value| value + random.random_range(-0.08f32..0.08))
            .collect(),
    )
}

fn recall(found: &[Vec<Neighbour>], exact: &[Vec<Neighbour>]) -> f64 {
    let mut hits = 0usize;
    let mut wanted = 0usize;
    for (found, exact) in found.iter().zip(exact) {
        wanted += exact.len();
        hits += exact
            .iter()
            .filter(|near| found.iter().any(|other| other.chunk_id == near.chunk_id))
            .count();
    }
    hits as f64 / wanted.max(1) as f64
}

#[test]
fn clustered_vectors_recall_their_exact_neighbours() {
    let (_directory, core) = open_core();
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    // 10 clusters of ~500 chunks: the benchmark's density per cluster, at a twentieth of its size.
    let centres: Vec<Vec<f32>> = (0..10)
        .map(|_| {
            unit(
                (0..DIMENSIONS)
                    .map(|_| random.random_range(-1.0f32..1.0))
                    .collect(),
            )
        })
        .collect();
    core.database
        .write(|transaction| {
            transaction.execute_batch(&format!(
                "CREATE VIRTUAL TABLE search_vector_bits_{DIMENSIONS} USING vec0(
                     chunk_id INTEGER PRIMARY KEY, embedding bit[{DIMENSIONS}])"
            ))?;
            let mut chunk = transaction.prepare(
                "INSERT INTO search_chunks (kind, item_id, position, text, text_hash, model_id,
                                            dimensions, embedding)
                 VALUES ('note', ?1, 0, 'passage', '', ?2, ?3, ?4) RETURNING chunk_id",
            )?;
            let mut bits = transaction.prepare(&format!(
                "INSERT INTO search_vector_bits_{DIMENSIONS} (chunk_id, embedding)
                 VALUES (?1, vec_quantize_binary(?2))"
            ))?;
            // As the indexer does with every write of bit vectors (migration 0014).
            vectors::mark_bits_changed(transaction, DIMENSIONS)?;
            for index in 0..5_000 {
                let vector = to_blob(&clustered(&mut random, &centres));
                let chunk_id: i64 = chunk.query_row(
                    params![format!("note-{index}"), MODEL, DIMENSIONS as i64, vector],
                    |row| row.get(0),
                )?;
                bits.execute(params![chunk_id, vector])?;
            }
            Ok(())
        })
        .unwrap();
    let probes: Vec<Vec<f32>> = (0..30).map(|_| clustered(&mut random, &centres)).collect();
    let cache = vectors::VectorCache::default();
    let (found, earlier_design, exact) = core
        .database
        .read(|connection| {
            let mut found = Vec::new();
            let mut earlier_design = Vec::new();
            let mut exact = Vec::new();
            for probe in &probes {
                found.push(vectors::nearest(connection, &cache, MODEL, probe, 10)?);
                // What the search did before: 12 × 10 Hamming candidates, rescored.
                earlier_design.push(vectors::nearest_with(
                    connection, &cache, MODEL, probe, 10, 120, 120,
                )?);
                exact.push(vectors::nearest_exact(connection, MODEL, probe, 10)?);
            }
            Ok((found, earlier_design, exact))
        })
        .unwrap();
    assert_eq!(
        cache.held(DIMENSIONS),
        5_000,
        "the bit pass ran over the vectors held in memory"
    );
    let recall_now = recall(&found, &exact);
    let recall_before = recall(&earlier_design, &exact);
    eprintln!("recall@10: {recall_now:.3} (120 Hamming candidates: {recall_before:.3})");
    assert!(
        recall_before < 0.9,
        "the data should be hard for the bits alone; recall was {recall_before:.3}"
    );
    assert!(
        recall_now >= 0.95,
        "recall@10 {recall_now:.3} is below 0.95"
    );
    for (found, exact) in found.iter().zip(&exact) {
        assert_eq!(
            found.first().map(|near| near.chunk_id),
            exact.first().map(|near| near.chunk_id),
            "the nearest chunk comes first"
        );
    }
}

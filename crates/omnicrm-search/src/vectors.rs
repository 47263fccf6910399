//! Chunk vectors and their nearest-neighbour search with sqlite-vec.
//!
//! Float vectors live in `search_chunks` (migration 0010). Their bit-quantized copies (one bit
//! per dimension: the sign) live in a sqlite-vec `vec0` table per dimension count, which
//! omnicrm-search creates: the core opens databases without the extension, so nothing the
//! core runs may depend on it. A search narrows in three steps, each cheaper per chunk than the
//! next: a Hamming pass over every bit vector (`vectors/bit_scan.rs`, over a copy held in
//! memory by [`VectorCache`] while the table is unchanged) shortlists a thousand or so; the
//! query's dot product with their signs keeps a few hundred; those are rescored by exact cosine
//! over their floats, loaded in one statement. At 100k chunks × 384 on the benchmark's
//! clustered vectors that is ~2.5 ms with recall@10 ≈ 0.98, where float brute force takes ~200 ms
//! and the earlier 120 Hamming candidates from vec0's own KNN took ~20 ms for recall 0.73.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Once};

use rusqlite::{params, Connection, OptionalExtension};

use omnicrm_core::{Error, Result};

mod bit_scan;

/// Chunks rescored over their floats per wanted result, on top of [`RESCORED_BASE`].
pub const RESCORED_PER_RESULT: usize = 2;
/// Chunks rescored over their floats whatever the number wanted.
pub const RESCORED_BASE: usize = 280;
/// Chunks shortlisted by Hamming distance per rescored chunk.
pub const SHORTLIST_PER_RESCORED: usize = 4;

/// Registers sqlite-vec with SQLite for every connection opened from now on
/// (`sqlite3_auto_extension`). Call it before opening the core (`Core::open`), so the
/// writer and readers have it; calling it again does nothing.
pub fn register_sqlite_vec() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        type EntryPoint = unsafe extern "C" fn(
            *mut rusqlite::ffi::sqlite3,
            *mut *mut std::os::raw::c_char,
            *const rusqlite::ffi::sqlite3_api_routines,
        ) -> std::os::raw::c_int;
        // SAFETY: `sqlite3_vec_init` is sqlite-vec's extension entry point, which has exactly
        // the signature SQLite calls auto extensions with; the transmute only names that type.
        unsafe {
            let entry_point: EntryPoint =
                std::mem::transmute(sqlite_vec::sqlite3_vec_init as *const ());
            rusqlite::ffi::sqlite3_auto_extension(Some(entry_point));
        }
    });
}

/// Fails with a clear message when sqlite-vec is not loaded on `connection` (the core was
/// opened before [`register_sqlite_vec`]).
pub fn check_loaded(connection: &Connection) -> Result<()> {
    connection
        .query_row("SELECT vec_version()", [], |row| row.get::<_, String>(0))
        .map(drop)
        .map_err(|_| {
            Error::internal(
                "sqlite-vec is not loaded: call omnicrm_search::register_sqlite_vec() before \
                 opening the core",
            )
        })
}

/// The `vec0` table of bit vectors for `dimensions`.
pub(crate) fn bits_table(dimensions: usize) -> String {
    format!("search_vector_bits_{dimensions}")
}

/// Creates the bit table for `dimensions` when missing.
pub(crate) fn ensure_bits_table(connection: &Connection, dimensions: usize) -> Result<()> {
    connection.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING vec0(
             chunk_id INTEGER PRIMARY KEY, embedding bit[{dimensions}])",
        bits_table(dimensions)
    ))?;
    connection
        .prepare_cached(
            "INSERT INTO search_vector_generations (dimensions, token)
             VALUES (?1, randomblob(16)) ON CONFLICT (dimensions) DO NOTHING",
        )?
        .execute([dimensions as i64])?;
    Ok(())
}

/// Gives the bit table for `dimensions` a new generation token (migration 0014), in the
/// transaction that changed it: searches holding its vectors in memory reload them.
pub fn mark_bits_changed(connection: &Connection, dimensions: usize) -> Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO search_vector_generations (dimensions, token)
             VALUES (?1, randomblob(16))
             ON CONFLICT (dimensions) DO UPDATE SET token = excluded.token",
        )?
        .execute([dimensions as i64])?;
    Ok(())
}

fn table_exists(connection: &Connection, name: &str) -> Result<bool> {
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = ?1)",
        [name],
        |row| row.get(0),
    )?)
}

/// A vector as stored: float32, little-endian.
pub fn to_blob(vector: &[f32]) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// The vector of a stored blob.
pub fn from_blob(blob: &[u8]) -> Vec<f32> {
    blob.chunks_exact(4)
        .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .collect()
}

/// The dot product of `query` with a stored vector ([`to_blob`]'s layout), read where it lies.
/// Eight running sums, which the compiler keeps in one vector register (a single sum adds one
/// product after another). With the two copies it replaces (out of SQLite, then into a
/// `Vec<f32>`), 680 vectors took 0.30 ms; this, 0.035 ms. Reads as far as the shorter.
pub fn dot_with_blob(query: &[f32], blob: &[u8]) -> f32 {
    let mut sums = [0f32; 8];
    let mut query_lanes = query.chunks_exact(8);
    let mut blob_lanes = blob.chunks_exact(32);
    for (values, bytes) in (&mut query_lanes).zip(&mut blob_lanes) {
        for ((sum, value), stored) in sums.iter_mut().zip(values).zip(bytes.chunks_exact(4)) {
            *sum += value * f32_of(stored);
        }
    }
    let tail: f32 = query_lanes
        .remainder()
        .iter()
        .zip(blob_lanes.remainder().chunks_exact(4))
        .map(|(value, stored)| value * f32_of(stored))
        .sum();
    sums.iter().sum::<f32>() + tail
}

#[inline(always)]
fn f32_of(bytes: &[u8]) -> f32 {
    let mut array = [0u8; 4];
    array.copy_from_slice(bytes);
    f32::from_le_bytes(array)
}

/// Stores the bit copy of chunk `chunk_id`'s vector (replacing an earlier one).
pub(crate) fn put_bits(
    connection: &Connection,
    dimensions: usize,
    chunk_id: i64,
    vector: &[f32],
) -> Result<()> {
    let table = bits_table(dimensions);
    connection
        .prepare_cached(&format!("DELETE FROM {table} WHERE chunk_id = ?1"))?
        .execute([chunk_id])?;
    connection
        .prepare_cached(&format!(
            "INSERT INTO {table} (chunk_id, embedding) VALUES (?1, vec_quantize_binary(?2))"
        ))?
        .execute(params![chunk_id, to_blob(vector)])?;
    mark_bits_changed(connection, dimensions)
}

/// Removes bit vectors whose chunk is gone (chunks leave with their record, by trigger, on
/// connections that may not have sqlite-vec). Returns how many were removed.
pub(crate) fn purge_orphans(connection: &Connection, dimensions: usize) -> Result<usize> {
    let table = bits_table(dimensions);
    if !table_exists(connection, &table)? {
        return Ok(0);
    }
    let orphans: Vec<i64> = connection
        .prepare(&format!(
            "SELECT chunk_id FROM {table}
             WHERE chunk_id NOT IN (SELECT chunk_id FROM search_chunks)"
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut delete = connection.prepare(&format!("DELETE FROM {table} WHERE chunk_id = ?1"))?;
    for chunk_id in &orphans {
        delete.execute([chunk_id])?;
    }
    if !orphans.is_empty() {
        mark_bits_changed(connection, dimensions)?;
    }
    Ok(orphans.len())
}

/// The bit vectors of each dimension count, kept in memory between searches while their
/// table's generation token (migration 0014, renewed by every write to the table) is
/// unchanged. At 100k chunks × 384 dimensions that is 5.6 MB, read from SQLite once instead
/// of on every search (where reading them cost more than the pass over them).
#[derive(Debug, Default)]
pub struct VectorCache {
    tables: Mutex<HashMap<usize, Arc<CachedBits>>>,
}

#[derive(Debug)]
struct CachedBits {
    token: Vec<u8>,
    vectors: bit_scan::BitVectors,
}

impl VectorCache {
    /// The bit vectors of `dimensions` as `connection`'s snapshot sees them; `None` when the
    /// table has no generation token (then nothing can tell when they change).
    fn bit_vectors(
        &self,
        connection: &Connection,
        dimensions: usize,
    ) -> Result<Option<Arc<CachedBits>>> {
        let token: Option<Vec<u8>> = connection
            .prepare_cached("SELECT token FROM search_vector_generations WHERE dimensions = ?1")?
            .query_row([dimensions as i64], |row| row.get(0))
            .optional()?;
        let Some(token) = token else {
            return Ok(None);
        };
        if let Some(cached) = self.lock().get(&dimensions) {
            if cached.token == token {
                return Ok(Some(cached.clone()));
            }
        }
        let vectors = bit_scan::BitVectors::load(
            connection,
            &bits_table(dimensions),
            dimensions.div_ceil(8),
        )?;
        let cached = Arc::new(CachedBits { token, vectors });
        self.lock().insert(dimensions, cached.clone());
        Ok(Some(cached))
    }

    /// How many bit vectors of `dimensions` are held (for tests and diagnostics).
    pub fn held(&self, dimensions: usize) -> usize {
        self.lock()
            .get(&dimensions)
            .map_or(0, |cached| cached.vectors.len())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<usize, Arc<CachedBits>>> {
        // Entries are replaced whole: a panicking holder cannot leave one half-written.
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A chunk near the query, with its exact cosine similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub chunk_id: i64,
    pub similarity: f32,
}

/// The `limit` chunks of `model_id` nearest to `query`: the bit pass shortlists
/// [`shortlist_size`] chunks by Hamming distance, the query's dot product with their signs
/// keeps [`rescored_count`], and those are rescored by cosine over their float vectors. The
/// bit vectors come from `cache` when their table records generations (migration 0014).
pub fn nearest(
    connection: &Connection,
    cache: &VectorCache,
    model_id: &str,
    query: &[f32],
    limit: usize,
) -> Result<Vec<Neighbour>> {
    let rescored = rescored_count(limit);
    nearest_with(
        connection,
        cache,
        model_id,
        query,
        limit,
        shortlist_size(rescored),
        rescored,
    )
}

/// [`nearest`] among the chunks that are not of a private note (the assistant's audience,
/// [`crate::types::SearchAudience::Assistant`]): private chunks are dropped from the bit pass's
/// shortlist, before anything is ranked, so they take no place among the results.
pub fn nearest_without_private(
    connection: &Connection,
    cache: &VectorCache,
    model_id: &str,
    query: &[f32],
    limit: usize,
) -> Result<Vec<Neighbour>> {
    let rescored = rescored_count(limit);
    nearest_among(
        connection,
        cache,
        NearestSearch {
            model_id,
            query,
            limit,
            shortlisted: shortlist_size(rescored),
            rescored,
            without_private: true,
        },
    )
}

/// Which of `chunk_ids` are chunks of a private note (read from the note now, so a note made
/// private is left out at once, before its chunks are re-embedded or dropped).
fn private_chunks(
    connection: &Connection,
    chunk_ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashSet<i64>> {
    let chunk_ids: Vec<i64> = chunk_ids.collect();
    let mut statement = connection.prepare_cached(
        "SELECT s.chunk_id FROM search_chunks s JOIN notes n ON n.id = s.item_id
         WHERE s.chunk_id IN (SELECT value FROM json_each(?1))
           AND s.kind = 'note' AND n.is_private <> 0",
    )?;
    let found = statement
        .query_map([serde_json::to_string(&chunk_ids)?], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(found)
}

/// How many chunks are rescored over their floats for `limit` results. On the benchmark's
/// 100k clustered vectors, recall@10 was 0.945 with 200, 0.97 with 250 and 0.985 with 290;
/// recall@40 0.975 with 330, recall@120 0.999 with 490. It grows slower than `limit`: the
/// approximation blurs the results' boundary, which does not widen with their number.
pub fn rescored_count(limit: usize) -> usize {
    if limit == 0 {
        0
    } else {
        limit * RESCORED_PER_RESULT + RESCORED_BASE
    }
}

/// How many chunks the Hamming pass shortlists for `rescored` rescored ones.
pub fn shortlist_size(rescored: usize) -> usize {
    rescored * SHORTLIST_PER_RESCORED
}

/// [`nearest`] with explicit stage sizes (for measuring recall against cost).
pub fn nearest_with(
    connection: &Connection,
    cache: &VectorCache,
    model_id: &str,
    query: &[f32],
    limit: usize,
    shortlisted: usize,
    rescored: usize,
) -> Result<Vec<Neighbour>> {
    nearest_among(
        connection,
        cache,
        NearestSearch {
            model_id,
            query,
            limit,
            shortlisted,
            rescored,
            without_private: false,
        },
    )
}

/// One nearest-neighbour search.
struct NearestSearch<'a> {
    model_id: &'a str,
    query: &'a [f32],
    limit: usize,
    shortlisted: usize,
    rescored: usize,
    /// Leave out the chunks of private notes.
    without_private: bool,
}

fn nearest_among(
    connection: &Connection,
    cache: &VectorCache,
    search: NearestSearch<'_>,
) -> Result<Vec<Neighbour>> {
    let NearestSearch {
        model_id,
        query,
        limit,
        shortlisted,
        rescored,
        without_private,
    } = search;
    let table = bits_table(query.len());
    if limit == 0 || !table_exists(connection, &table)? {
        return Ok(Vec::new());
    }
    let query_bits = bit_scan::quantize(query);
    let size = shortlisted.max(rescored).max(limit);
    let mut candidates = match cache.bit_vectors(connection, query.len())? {
        Some(cached) => cached.vectors.shortlist(&query_bits, size),
        None => bit_scan::shortlist(connection, &table, &query_bits, size)?,
    };
    if without_private {
        let private = private_chunks(
            connection,
            candidates.iter().map(|candidate| candidate.chunk_id),
        )?;
        candidates.retain(|candidate| !private.contains(&candidate.chunk_id));
    }
    let candidates = bit_scan::best_by_query_signs(query, candidates, rescored.max(limit));
    let chunk_ids: Vec<i64> = candidates
        .iter()
        .map(|candidate| candidate.chunk_id)
        .collect();
    let mut scored = Vec::with_capacity(chunk_ids.len());
    // `+model_id`: found by rowid and checked, not through the (model_id, chunk_id) index,
    // which cost a second B-tree search per chunk (a third of the rescoring's time).
    let mut load = connection.prepare_cached(
        "SELECT chunk_id, embedding FROM search_chunks
         WHERE chunk_id IN (SELECT value FROM json_each(?1)) AND +model_id = ?2",
    )?;
    let mut rows = load.query(params![serde_json::to_string(&chunk_ids)?, model_id])?;
    while let Some(row) = rows.next()? {
        let stored = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
        scored.push(Neighbour {
            chunk_id: row.get(0)?,
            similarity: dot_with_blob(query, stored),
        });
    }
    scored.sort_by(|left, right| {
        right
            .similarity
            .total_cmp(&left.similarity)
            .then(left.chunk_id.cmp(&right.chunk_id))
    });
    scored.truncate(limit);
    Ok(scored)
}

/// The exact `limit` nearest chunks by brute force over every float vector of `model_id`
/// (the reference recall is measured against).
pub fn nearest_exact(
    connection: &Connection,
    model_id: &str,
    query: &[f32],
    limit: usize,
) -> Result<Vec<Neighbour>> {
    let mut statement = connection
        .prepare_cached("SELECT chunk_id, embedding FROM search_chunks WHERE model_id = ?1")?;
    let mut scored: Vec<Neighbour> = statement
        .query_map([model_id], |row| {
            Ok(Neighbour {
                chunk_id: row.get(0)?,
                similarity: dot_with_blob(query, row.get_ref(1)?.as_blob()?),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    scored.sort_by(|left, right| right.similarity.total_cmp(&left.similarity));
    scored.truncate(limit);
    Ok(scored)
}

/// Chunk ids → (kind, item id, text) for showing semantic results.
pub(crate) fn chunk_sources(
    connection: &Connection,
    chunk_ids: &[i64],
) -> Result<HashMap<i64, (String, String, String)>> {
    // One statement for all of them: a hybrid search looks up 200 chunks, and a statement run
    // per chunk cost a millisecond.
    let mut statement = connection.prepare_cached(
        "SELECT chunk_id, kind, item_id, text FROM search_chunks
         WHERE chunk_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = statement.query([serde_json::to_string(chunk_ids)?])?;
    let mut sources = HashMap::with_capacity(chunk_ids.len());
    while let Some(row) = rows.next()? {
        sources.insert(row.get(0)?, (row.get(1)?, row.get(2)?, row.get(3)?));
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The plainest dot product, in double precision.
    fn dot_f64(left: &[f32], right: &[f32]) -> f64 {
        left.iter()
            .zip(right)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum()
    }

    #[test]
    fn the_dot_product_with_a_stored_vector_reads_every_dimension() {
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        for dimensions in [0usize, 1, 7, 8, 13, 384, 1_536] {
            let query: Vec<f32> = (0..dimensions)
                .map(|_| random.random_range(-1.0..1.0))
                .collect();
            let stored: Vec<f32> = (0..dimensions)
                .map(|_| random.random_range(-1.0..1.0))
                .collect();
            let found = f64::from(dot_with_blob(&query, &to_blob(&stored)));
            let expected = dot_f64(&query, &stored);
            assert!(
                (found - expected).abs() < 1e-4,
                "{dimensions}: {found} against {expected}"
            );
        }
        // A stored vector shorter than the query counts as far as it goes.
        let query = [1.0f32; 10];
        assert_eq!(dot_with_blob(&query, &to_blob(&[2.0; 9])), 18.0);
    }
}

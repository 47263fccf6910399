//! Chunk vectors and their nearest-neighbour search with sqlite-vec.
//!
//! Float vectors live in `search_chunks` (migration 0010). Their bit-quantized copies (one bit
//! per dimension: the sign) live in a sqlite-vec `vec0` table per dimension count, which
//! omnicrm-search creates: the core opens databases without the extension, so nothing the
//! core runs may depend on it. A search takes the nearest chunks by Hamming distance over the
//! bits, oversampled, then rescores those by exact cosine similarity over the floats: at 100k
//! chunks × 384 the bit pass is a few milliseconds where float brute force took 78 ms.

use std::collections::HashMap;
use std::sync::Once;

use rusqlite::{params, Connection};

use omnicrm_core::{Error, Result};

use crate::embedder::dot;

/// How many bit-pass candidates per wanted result are rescored.
pub const OVERSAMPLING: usize = 12;
/// sqlite-vec's largest `k`.
const MAX_K: usize = 4096;

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
    Ok(())
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
    Ok(orphans.len())
}

/// A chunk near the query, with its exact cosine similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub chunk_id: i64,
    pub similarity: f32,
}

/// The `limit` chunks of `model_id` nearest to `query`: a Hamming pass over the bit vectors
/// for `limit × OVERSAMPLING` candidates, rescored by cosine over the float vectors.
pub fn nearest(
    connection: &Connection,
    model_id: &str,
    query: &[f32],
    limit: usize,
) -> Result<Vec<Neighbour>> {
    let table = bits_table(query.len());
    if limit == 0 || !table_exists(connection, &table)? {
        return Ok(Vec::new());
    }
    let k = (limit * OVERSAMPLING).clamp(1, MAX_K);
    let candidates: Vec<i64> = connection
        .prepare_cached(&format!(
            "SELECT chunk_id FROM {table}
             WHERE embedding MATCH vec_quantize_binary(?1) AND k = ?2"
        ))?
        .query_map(params![to_blob(query), k as i64], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut load = connection.prepare_cached(
        "SELECT embedding FROM search_chunks WHERE chunk_id = ?1 AND model_id = ?2",
    )?;
    let mut scored = Vec::with_capacity(candidates.len());
    for chunk_id in candidates {
        let blob: Option<Vec<u8>> = load
            .query_row(params![chunk_id, model_id], |row| row.get(0))
            .map(Some)
            .or_else(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        if let Some(blob) = blob {
            scored.push(Neighbour {
                chunk_id,
                similarity: dot(query, &from_blob(&blob)),
            });
        }
    }
    scored.sort_by(|left, right| right.similarity.total_cmp(&left.similarity));
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
            let blob: Vec<u8> = row.get(1)?;
            Ok(Neighbour {
                chunk_id: row.get(0)?,
                similarity: dot(query, &from_blob(&blob)),
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
    let mut statement = connection
        .prepare_cached("SELECT kind, item_id, text FROM search_chunks WHERE chunk_id = ?1")?;
    let mut sources = HashMap::new();
    for &chunk_id in chunk_ids {
        let row = statement.query_row([chunk_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?))
        });
        match row {
            Ok(source) => {
                sources.insert(chunk_id, source);
            }
            Err(rusqlite::Error::QueryReturnedNoRows) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(sources)
}

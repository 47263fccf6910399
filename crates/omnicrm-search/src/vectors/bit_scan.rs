//! The bit pass of a vector search: the chunks nearest a query by Hamming distance.
//!
//! The bit vectors live in a sqlite-vec `vec0` table, and are written and deleted through it.
//! Its own KNN (`MATCH … AND k = ?`) is not used for the pass: it keeps the best `k` of every
//! 1,024-row chunk by repeated minimum search, so it costs rows × k. At 100k × 384 bits it took
//! 7 ms for k = 10, 27 ms for k = 120 and 112 ms for k = 500, while a recall of 0.95 on
//! clustered vectors needs a few hundred candidates. So the pass reads the rows vec0 stores
//! (`{table}_chunks`: a validity bitmap and the rowids of 1,024 slots; `{table}_vector_chunks00`:
//! their packed bits) in one statement and keeps the nearest in Rust, in time linear in the rows
//! whatever the shortlist's size (about 3 ms at 100k). That layout is sqlite-vec 0.1's (each
//! table records the version that created it in `{table}_info`); a table of any other version,
//! or a chunk that does not match it, is searched with vec0's KNN instead, slower but the same.
//!
//! The shortlist is then ordered by the float query against the signs (`q · sign(v)`,
//! asymmetric distance), which ranks far better than Hamming distance at almost no cost: a
//! byte of bits indexes a table of the query's partial sums.

use rusqlite::{params, Connection, OptionalExtension};

use omnicrm_core::Result;

/// sqlite-vec's largest `k`.
const MAX_K: usize = 4096;

/// One shortlisted chunk: its id and bit vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub distance: u32,
    pub chunk_id: i64,
    pub bits: Vec<u8>,
}

/// The bits of `vector` as sqlite-vec's `vec_quantize_binary` makes them: bit `i % 8` of byte
/// `i / 8` is set when dimension `i` is positive.
pub(crate) fn quantize(vector: &[f32]) -> Vec<u8> {
    let mut bits = vec![0u8; vector.len().div_ceil(8)];
    for (byte, values) in bits.iter_mut().zip(vector.chunks(8)) {
        for (bit, value) in values.iter().enumerate() {
            if *value > 0.0 {
                *byte |= 1 << bit;
            }
        }
    }
    bits
}

/// The number of differing bits.
pub(crate) fn hamming(left: &[u8], right: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the one feature the function is compiled with (checked above).
        return unsafe { hamming_with_popcnt(left, right) };
    }
    hamming_portable(left, right)
}

/// [`hamming_portable`] with the POPCNT instruction, which the x86-64 baseline Rust compiles
/// for lacks (it counts bits with a dozen shifts and masks instead): a third of the scan.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn hamming_with_popcnt(left: &[u8], right: &[u8]) -> u32 {
    hamming_portable(left, right)
}

/// The Hamming distance from `query_bits` to each `query_bits.len()`-byte vector of `bits`, in
/// order, written over `distances`. One call for many vectors: the feature check is made once,
/// and the whole loop is compiled with POPCNT. (Through [`hamming`], a call per vector that
/// cannot be inlined, 100k × 384 bits took 1.25 ms; this, 0.28 ms.)
fn hamming_distances(bits: &[u8], query_bits: &[u8], distances: &mut Vec<u32>) {
    distances.clear();
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the one feature the function is compiled with (checked above).
        unsafe { hamming_distances_with_popcnt(bits, query_bits, distances) };
        return;
    }
    hamming_distances_portable(bits, query_bits, distances);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn hamming_distances_with_popcnt(bits: &[u8], query_bits: &[u8], distances: &mut Vec<u32>) {
    hamming_distances_portable(bits, query_bits, distances);
}

// The loops here are written out, not collected: `collect` is generic code compiled apart, so
// without POPCNT (a version that collected took 0.9 ms over 100k × 384 bits, this one 0.3).
#[inline(always)]
fn hamming_distances_portable(bits: &[u8], query_bits: &[u8], distances: &mut Vec<u32>) {
    match query_bits.len() {
        0 => {}
        48 => hamming_distances_of_width::<6>(bits, query_bits, distances),
        width => {
            for vector in bits.chunks_exact(width) {
                distances.push(hamming_portable(vector, query_bits));
            }
        }
    }
}

/// [`hamming_distances_portable`] for vectors of `WORDS` 64-bit words (384 dimensions are six),
/// a width known when compiling, so that the loop over the words unrolls.
#[inline(always)]
fn hamming_distances_of_width<const WORDS: usize>(
    bits: &[u8],
    query_bits: &[u8],
    distances: &mut Vec<u32>,
) {
    let mut query = [0u64; WORDS];
    for (query_word, bytes) in query.iter_mut().zip(query_bits.chunks_exact(8)) {
        *query_word = word(bytes);
    }
    for vector in bits.chunks_exact(WORDS * 8) {
        let mut distance = 0;
        for (bytes, query_word) in vector.chunks_exact(8).zip(&query) {
            distance += (word(bytes) ^ query_word).count_ones();
        }
        distances.push(distance);
    }
}

#[inline(always)]
fn hamming_portable(left: &[u8], right: &[u8]) -> u32 {
    let words = left.chunks_exact(8).zip(right.chunks_exact(8));
    let whole: u32 = words.map(|(a, b)| (word(a) ^ word(b)).count_ones()).sum();
    let tail: u32 = left
        .chunks_exact(8)
        .remainder()
        .iter()
        .zip(right.chunks_exact(8).remainder())
        .map(|(a, b)| (a ^ b).count_ones())
        .sum();
    whole + tail
}

#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    let mut array = [0u8; 8];
    array.copy_from_slice(bytes);
    u64::from_le_bytes(array)
}

/// The `size` nearest entries seen, in amortised linear time: entries nearer than the
/// current threshold are buffered, and the buffer is cut back to the best `size` when it
/// doubles. (Distances are small integers, so many entries tie: once `size` are kept, one as
/// far as the farthest kept is not taken.) `T` is what is kept of an entry besides its
/// distance and chunk id.
struct Nearest<T> {
    size: usize,
    threshold: u32,
    entries: Vec<(u32, i64, T)>,
}

impl<T> Nearest<T> {
    fn new(size: usize) -> Self {
        Self {
            size,
            threshold: u32::MAX,
            entries: Vec::with_capacity(size * 2),
        }
    }

    /// Whether an entry at `distance` would be kept for now.
    fn wants(&self, distance: u32) -> bool {
        distance < self.threshold
    }

    fn offer(&mut self, distance: u32, chunk_id: i64, kept: impl FnOnce() -> T) {
        if !self.wants(distance) {
            return;
        }
        self.entries.push((distance, chunk_id, kept()));
        if self.entries.len() >= self.size * 2 {
            self.cut();
        }
    }

    fn cut(&mut self) {
        if self.entries.len() > self.size && self.size > 0 {
            self.entries
                .select_nth_unstable_by_key(self.size - 1, |entry| (entry.0, entry.1));
            self.entries.truncate(self.size);
            self.threshold = self
                .entries
                .iter()
                .map(|entry| entry.0)
                .max()
                .unwrap_or(u32::MAX);
        }
    }

    /// The kept entries, nearest first.
    fn finish(mut self) -> Vec<(u32, i64, T)> {
        self.cut();
        self.entries.truncate(self.size);
        self.entries
            .sort_unstable_by_key(|entry| (entry.0, entry.1));
        self.entries
    }
}

/// Every bit vector of one table, held in memory (see `vectors::VectorCache`): the pass over
/// them is pure arithmetic, where reading them from vec0's storage cost more than the pass.
#[derive(Debug, Default)]
pub(crate) struct BitVectors {
    width: usize,
    chunk_ids: Vec<i64>,
    bits: Vec<u8>,
}

impl BitVectors {
    /// Reads every live bit vector of `table`, `width` bytes each: from vec0's storage when
    /// its layout is the known one, otherwise through a plain scan of the table.
    pub(crate) fn load(connection: &Connection, table: &str, width: usize) -> Result<Self> {
        let mut loaded = Self {
            width,
            ..Self::default()
        };
        if has_known_layout(connection, table)? {
            let complete = for_each_stored(connection, table, width, |chunk_id, bits| {
                loaded.chunk_ids.push(chunk_id);
                loaded.bits.extend_from_slice(bits);
            })?;
            if complete {
                return Ok(loaded);
            }
            loaded.chunk_ids.clear();
            loaded.bits.clear();
        }
        let mut statement =
            connection.prepare(&format!("SELECT chunk_id, embedding FROM \"{table}\""))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let Ok(bits) = row.get_ref(1)?.as_blob() else {
                continue;
            };
            if bits.len() == width {
                loaded.chunk_ids.push(row.get(0)?);
                loaded.bits.extend_from_slice(bits);
            }
        }
        Ok(loaded)
    }

    pub(crate) fn len(&self) -> usize {
        self.chunk_ids.len()
    }

    /// The `size` vectors nearest `query_bits` by Hamming distance, nearest first.
    pub(crate) fn shortlist(&self, query_bits: &[u8], size: usize) -> Vec<Candidate> {
        if size == 0 || self.width == 0 || query_bits.len() != self.width {
            return Vec::new();
        }
        // Distances a block at a time, which stays in the first-level cache.
        const BLOCK: usize = 1024;
        let mut distances = Vec::with_capacity(BLOCK);
        let mut nearest = Nearest::new(size);
        let blocks = self
            .bits
            .chunks(BLOCK * self.width)
            .zip(self.chunk_ids.chunks(BLOCK));
        for (block, (bits, chunk_ids)) in blocks.enumerate() {
            hamming_distances(bits, query_bits, &mut distances);
            for (offset, (distance, chunk_id)) in distances.iter().zip(chunk_ids).enumerate() {
                nearest.offer(*distance, *chunk_id, || block * BLOCK + offset);
            }
        }
        nearest
            .finish()
            .into_iter()
            .map(|(distance, chunk_id, position)| Candidate {
                distance,
                chunk_id,
                bits: self
                    .bits
                    .get(position * self.width..(position + 1) * self.width)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            })
            .collect()
    }
}

/// The `size` bit vectors of `table` nearest `query_bits` by Hamming distance, nearest first.
pub(crate) fn shortlist(
    connection: &Connection,
    table: &str,
    query_bits: &[u8],
    size: usize,
) -> Result<Vec<Candidate>> {
    if size == 0 {
        return Ok(Vec::new());
    }
    if has_known_layout(connection, table)? {
        if let Some(found) = scan_storage(connection, table, query_bits, size)? {
            return Ok(found);
        }
    }
    knn_query(connection, table, query_bits, size)
}

/// Whether `table` was created by sqlite-vec 0.1, whose storage [`scan_storage`] reads.
fn has_known_layout(connection: &Connection, table: &str) -> Result<bool> {
    let info = format!("{table}_info");
    let exists: bool = connection
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = ?1)")?
        .query_row([&info], |row| row.get(0))?;
    if !exists {
        return Ok(false);
    }
    let version: Option<(i64, i64)> = connection
        .prepare_cached(&format!(
            "SELECT (SELECT value FROM \"{info}\" WHERE key = 'CREATE_VERSION_MAJOR'),
                    (SELECT value FROM \"{info}\" WHERE key = 'CREATE_VERSION_MINOR')"
        ))?
        .query_row([], |row| {
            Ok(row
                .get::<_, Option<i64>>(0)?
                .zip(row.get::<_, Option<i64>>(1)?))
        })
        .optional()?
        .flatten();
    Ok(version == Some((0, 1)))
}

/// The pass over vec0's stored chunks, or `None` when a chunk is not laid out as expected.
pub(crate) fn scan_storage(
    connection: &Connection,
    table: &str,
    query_bits: &[u8],
    size: usize,
) -> Result<Option<Vec<Candidate>>> {
    let mut nearest = Nearest::new(size);
    let complete = for_each_stored(connection, table, query_bits.len(), |chunk_id, bits| {
        let distance = hamming(bits, query_bits);
        nearest.offer(distance, chunk_id, || bits.to_vec());
    })?;
    Ok(complete.then(|| {
        nearest
            .finish()
            .into_iter()
            .map(|(distance, chunk_id, bits)| Candidate {
                distance,
                chunk_id,
                bits,
            })
            .collect()
    }))
}

/// Calls `each` with every live row of vec0's stored chunks (`width` bytes of bits each).
/// Returns `false`, part-way, when a chunk is not laid out as expected.
fn for_each_stored(
    connection: &Connection,
    table: &str,
    width: usize,
    mut each: impl FnMut(i64, &[u8]),
) -> Result<bool> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT chunks.size, chunks.validity, chunks.rowids, vectors.vectors
         FROM \"{table}_chunks\" AS chunks
         JOIN \"{table}_vector_chunks00\" AS vectors ON vectors.rowid = chunks.chunk_id"
    ))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let slots = usize::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        let (Ok(validity), Ok(rowids), Ok(vectors)) = (
            row.get_ref(1)?.as_blob(),
            row.get_ref(2)?.as_blob(),
            row.get_ref(3)?.as_blob(),
        ) else {
            return Ok(false);
        };
        if slots == 0
            || width == 0
            || validity.len() * 8 != slots
            || rowids.len() != slots * 8
            || vectors.len() != slots * width
        {
            return Ok(false);
        }
        for (slot, (bits, rowid)) in vectors
            .chunks_exact(width)
            .zip(rowids.chunks_exact(8))
            .enumerate()
        {
            let valid = validity
                .get(slot / 8)
                .is_some_and(|byte| byte & (1 << (slot % 8)) != 0);
            if valid {
                // vec0 writes rowids as native-endian i64.
                let mut id_bytes = [0u8; 8];
                id_bytes.copy_from_slice(rowid);
                each(i64::from_ne_bytes(id_bytes), bits);
            }
        }
    }
    Ok(true)
}

/// The pass through vec0's own KNN (any layout; cost grows with `size`, capped at its `k`).
pub(crate) fn knn_query(
    connection: &Connection,
    table: &str,
    query_bits: &[u8],
    size: usize,
) -> Result<Vec<Candidate>> {
    let k = size.clamp(1, MAX_K);
    let mut found = connection
        .prepare_cached(&format!(
            "SELECT chunk_id, embedding FROM \"{table}\"
             WHERE embedding MATCH vec_bit(?1) AND k = ?2"
        ))?
        .query_map(params![query_bits, k as i64], |row| {
            let bits: Vec<u8> = row.get(1)?;
            Ok(Candidate {
                distance: hamming(&bits, query_bits),
                chunk_id: row.get(0)?,
                bits,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    found.sort_unstable_by_key(|entry| (entry.distance, entry.chunk_id));
    Ok(found)
}

/// Orders `candidates` by the query's dot product with their signs (each bit as ±1), best
/// first, and keeps `count`.
pub(crate) fn best_by_query_signs(
    query: &[f32],
    candidates: Vec<Candidate>,
    count: usize,
) -> Vec<Candidate> {
    // table[byte][value]: the sum of the query's dimensions whose bit is set in `value` at
    // that byte. q · sign(v) = 2 × Σ(set bits) − Σ q, so the sum alone ranks.
    let tables: Vec<[f32; 256]> = query
        .chunks(8)
        .map(|dimensions| {
            let mut table = [0f32; 256];
            for value in 1..256usize {
                // The sum for `value` is the sum without its lowest bit, plus that dimension.
                let lowest = value.trailing_zeros() as usize;
                let rest = table.get(value & (value - 1)).copied().unwrap_or(0.0);
                if let Some(slot) = table.get_mut(value) {
                    *slot = rest + dimensions.get(lowest).copied().unwrap_or(0.0);
                }
            }
            table
        })
        .collect();
    let mut scored: Vec<(f32, Candidate)> = candidates
        .into_iter()
        .map(|candidate| {
            let score = candidate
                .bits
                .iter()
                .zip(&tables)
                .filter_map(|(byte, table)| table.get(usize::from(*byte)))
                .sum::<f32>();
            (score, candidate)
        })
        .collect();
    scored.sort_by(|left, right| {
        right
            .0
            .total_cmp(&left.0)
            .then(left.1.chunk_id.cmp(&right.1.chunk_id))
    });
    scored.truncate(count);
    scored.into_iter().map(|(_, candidate)| candidate).collect()
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rusqlite::{params, Connection};

    use super::*;
    use crate::vectors::{ensure_bits_table, put_bits, register_sqlite_vec, to_blob};

    const TABLE: &str = "search_vector_bits_72";

    fn open() -> (tempfile::TempDir, Connection) {
        register_sqlite_vec();
        let directory = tempfile::tempdir().expect("temporary directory");
        let connection = Connection::open(directory.path().join("bits.sqlite3")).expect("open");
        connection
            .execute_batch(include_str!(
                "../../../../migrations/sqlite/0014_search_vector_generations.sql"
            ))
            .expect("generations table");
        ensure_bits_table(&connection, 72).expect("bits table");
        (directory, connection)
    }

    fn random_vector(random: &mut impl Rng, dimensions: usize) -> Vec<f32> {
        (0..dimensions)
            .map(|_| random.random_range(-1.0f32..1.0))
            .collect()
    }

    fn distances(candidates: &[Candidate]) -> Vec<u32> {
        candidates.iter().map(|found| found.distance).collect()
    }

    #[test]
    fn quantize_and_hamming_agree_with_sqlite_vec() {
        let (_directory, connection) = open();
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for dimensions in [8usize, 72, 384] {
            let left = random_vector(&mut random, dimensions);
            let right = random_vector(&mut random, dimensions);
            let (bits, distance): (Vec<u8>, f64) = connection
                .query_row(
                    "SELECT vec_quantize_binary(?1),
                            vec_distance_hamming(vec_quantize_binary(?1), vec_quantize_binary(?2))",
                    params![to_blob(&left), to_blob(&right)],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .expect("sqlite-vec quantizes");
            assert_eq!(quantize(&left), bits, "{dimensions} dimensions");
            assert_eq!(
                f64::from(hamming(&quantize(&left), &quantize(&right))),
                distance,
                "{dimensions} dimensions"
            );
        }
    }

    /// The scan reads vec0's storage directly, so it must see exactly what vec0's KNN sees,
    /// including rows deleted (validity bit cleared, slot left behind) and replaced (a new
    /// slot), across several 1,024-row chunks.
    #[test]
    fn storage_scan_finds_what_vec0_knn_finds_after_updates_and_deletes() {
        let (_directory, connection) = open();
        assert!(has_known_layout(&connection, TABLE).expect("layout"));
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        connection.execute_batch("BEGIN").expect("begin");
        for chunk_id in 1..=2_500i64 {
            put_bits(&connection, 72, chunk_id, &random_vector(&mut random, 72)).expect("put");
        }
        for chunk_id in (1..=2_500i64).step_by(7) {
            connection
                .execute(
                    &format!("DELETE FROM {TABLE} WHERE chunk_id = ?1"),
                    [chunk_id],
                )
                .expect("delete");
        }
        connection.execute_batch("COMMIT").expect("commit");
        let query = random_vector(&mut random, 72);
        let query_bits = quantize(&query);
        // Chunks 3 and 5 now equal the query: replaced in place, they must come first.
        for chunk_id in [3i64, 5] {
            put_bits(&connection, 72, chunk_id, &query).expect("replace");
        }
        for size in [1usize, 10, 300] {
            let scanned = scan_storage(&connection, TABLE, &query_bits, size)
                .expect("scan")
                .expect("known layout");
            let searched = knn_query(&connection, TABLE, &query_bits, size).expect("knn");
            assert_eq!(scanned.len(), size);
            assert_eq!(distances(&scanned), distances(&searched), "size {size}");
            assert!(scanned.iter().all(|found| found.chunk_id % 7 != 1));
            assert_eq!(scanned[0].distance, 0);
            for found in &scanned {
                assert_eq!(hamming(&found.bits, &query_bits), found.distance);
            }
            let held = BitVectors::load(&connection, TABLE, 9).expect("load");
            assert_eq!(held.len(), 2_500 - 2_500_usize.div_ceil(7));
            let from_memory = held.shortlist(&query_bits, size);
            assert_eq!(distances(&from_memory), distances(&searched), "size {size}");
            for found in &from_memory {
                assert_eq!(hamming(&found.bits, &query_bits), found.distance);
            }
        }
        let nearest: Vec<i64> = shortlist(&connection, TABLE, &query_bits, 2)
            .expect("shortlist")
            .iter()
            .map(|found| found.chunk_id)
            .collect();
        assert_eq!(nearest, vec![3, 5]);
    }

    #[test]
    fn a_table_of_an_unknown_version_is_searched_through_vec0() {
        let (_directory, connection) = open();
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        for chunk_id in 1..=50i64 {
            put_bits(&connection, 72, chunk_id, &random_vector(&mut random, 72)).expect("put");
        }
        connection
            .execute(
                &format!("UPDATE {TABLE}_info SET value = 2 WHERE key = 'CREATE_VERSION_MINOR'"),
                [],
            )
            .expect("pretend another version");
        assert!(!has_known_layout(&connection, TABLE).expect("layout"));
        let query_bits = quantize(&random_vector(&mut random, 72));
        let expected = knn_query(&connection, TABLE, &query_bits, 5).expect("knn");
        let found = shortlist(&connection, TABLE, &query_bits, 5).expect("shortlist");
        assert_eq!(distances(&found), distances(&expected));
        let held = BitVectors::load(&connection, TABLE, 9).expect("load through vec0");
        assert_eq!(held.len(), 50);
        assert_eq!(
            distances(&held.shortlist(&query_bits, 5)),
            distances(&expected)
        );
    }

    /// The distances a byte at a time, the plainest way.
    fn hamming_bytewise(left: &[u8], right: &[u8]) -> u32 {
        left.iter()
            .zip(right)
            .map(|(left, right)| (left ^ right).count_ones())
            .sum()
    }

    /// Pins the bulk pass, its unrolled 384-bit path and the any-width one, to the plainest
    /// count.
    #[test]
    fn bulk_distances_equal_distances_counted_a_byte_at_a_time() {
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        for width in [1usize, 9, 48, 50] {
            let bits: Vec<u8> = (0..700 * width).map(|_| random.random()).collect();
            let query: Vec<u8> = (0..width).map(|_| random.random()).collect();
            let mut distances = vec![7; 3];
            hamming_distances(&bits, &query, &mut distances);
            let expected: Vec<u32> = bits
                .chunks_exact(width)
                .map(|vector| hamming_bytewise(vector, &query))
                .collect();
            assert_eq!(distances, expected, "width {width}");
        }
    }

    #[test]
    fn the_shortlist_of_384_bit_vectors_across_blocks_is_the_nearest_by_hamming_distance() {
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(16);
        let count = 2_600;
        let query = quantize(&random_vector(&mut random, 384));
        let held = BitVectors {
            width: 48,
            chunk_ids: (1..=count).map(|chunk_id| chunk_id * 3).collect(),
            bits: (0..count)
                .flat_map(|_| quantize(&random_vector(&mut random, 384)))
                .collect(),
        };
        let mut expected: Vec<(u32, i64)> = held
            .bits
            .chunks_exact(48)
            .zip(&held.chunk_ids)
            .map(|(bits, chunk_id)| (hamming_bytewise(bits, &query), *chunk_id))
            .collect();
        expected.sort_unstable();
        for size in [1usize, 100, 1_500] {
            let shortlist = held.shortlist(&query, size);
            for found in &shortlist {
                assert_eq!(hamming_bytewise(&found.bits, &query), found.distance);
            }
            let found: Vec<(u32, i64)> = shortlist
                .iter()
                .map(|found| (found.distance, found.chunk_id))
                .collect();
            assert_eq!(found, expected[..size], "size {size}");
        }
    }

    #[test]
    fn query_signs_rank_by_the_dot_product_with_the_signs() {
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(14);
        let query = random_vector(&mut random, 72);
        let candidates: Vec<Candidate> = (0..200i64)
            .map(|chunk_id| Candidate {
                distance: 0,
                chunk_id,
                bits: quantize(&random_vector(&mut random, 72)),
            })
            .collect();
        let signed = |bits: &[u8]| -> f32 {
            query
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    if bits[index / 8] & (1 << (index % 8)) != 0 {
                        *value
                    } else {
                        -*value
                    }
                })
                .sum()
        };
        let mut expected: Vec<(f32, i64)> = candidates
            .iter()
            .map(|candidate| (signed(&candidate.bits), candidate.chunk_id))
            .collect();
        expected.sort_by(|left, right| right.0.total_cmp(&left.0));
        let best: Vec<i64> = best_by_query_signs(&query, candidates, 20)
            .iter()
            .map(|candidate| candidate.chunk_id)
            .collect();
        let expected: Vec<i64> = expected.iter().take(20).map(|entry| entry.1).collect();
        assert_eq!(best, expected);
    }
}

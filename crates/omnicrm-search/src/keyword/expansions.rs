//! Long-prefix expansions remembered between searches.
//!
//! Expanding a typed word into the indexed words it starts (`"sessi"` → `session`,
//! `sessions`) costs one vocabulary seek per word found plus one, and each seek opens an
//! iterator over every segment of the index: at a million interactions that was a third of a
//! keyword search's time, and most of it repeats from one keystroke to the next.
//!
//! An expansion stays true as long as the index's vocabulary does, so each index's remembered
//! expansions are tagged with its FTS5 *structure record* (row 10 of `{index}_data`, which
//! lists the index's segments): a committed insert or update adds the new words in a new
//! segment, and with it a new structure record, so a word can never be missing from a
//! remembered expansion. (A delete may leave a word behind in one, which only ORs in a word
//! that matches nothing.) Reading the record is one rowid lookup.
//! A reader whose snapshot holds another structure than the remembered one recomputes (and, if
//! newer, replaces) the expansions: it never uses expansions of another state of the index.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension};

use omnicrm_core::Result;

use super::{expand, DocumentIndex, Expansion, INDEXED_PREFIX_CHARS};

/// The FTS5 structure record's rowid in `{index}_data` (fixed by FTS5's file format).
const STRUCTURE_ROWID: i64 = 10;
/// Expansions remembered per index; past this the index's list starts over (a practitioner
/// types a few hundred distinct long prefixes between two changes at most).
const MAX_WORDS_PER_INDEX: usize = 4_096;

/// Expansions per index, each list valid for one structure record.
#[derive(Debug, Default)]
pub(crate) struct ExpansionCache {
    indexes: Mutex<HashMap<&'static str, Remembered>>,
}

#[derive(Debug, Default)]
struct Remembered {
    structure: Vec<u8>,
    words: HashMap<String, Expansion>,
}

impl ExpansionCache {
    /// [`expand`], from memory when the index has not changed since `word` was expanded.
    pub(super) fn expand(
        &self,
        connection: &Connection,
        index: &DocumentIndex,
        word: &str,
    ) -> Result<Expansion> {
        if word.chars().count() <= INDEXED_PREFIX_CHARS {
            return Ok(Expansion::Prefix);
        }
        let structure = structure_record(connection, index.table)?;
        if let Some(remembered) = self.lock().get(index.table) {
            if remembered.structure == structure {
                if let Some(expansion) = remembered.words.get(word) {
                    return Ok(expansion.clone());
                }
            }
        }
        let expansion = expand(connection, index, word)?;
        let mut indexes = self.lock();
        let remembered = indexes.entry(index.table).or_default();
        if remembered.structure != structure {
            remembered.structure = structure;
            remembered.words.clear();
        }
        if remembered.words.len() >= MAX_WORDS_PER_INDEX {
            remembered.words.clear();
        }
        remembered.words.insert(word.to_owned(), expansion.clone());
        Ok(expansion)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<&'static str, Remembered>> {
        // The map holds no invariant a panicking holder could break half-way.
        self.indexes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The index's structure record as this connection's snapshot sees it (empty when FTS5 has
/// not written one yet).
fn structure_record(connection: &Connection, table: &str) -> Result<Vec<u8>> {
    Ok(connection
        .prepare_cached(&format!("SELECT block FROM {table}_data WHERE id = ?1"))?
        .query_row([STRUCTURE_ROWID], |row| row.get::<_, Vec<u8>>(0))
        .optional()?
        .unwrap_or_default())
}

//! Keyword search: FTS5 over contacts (`contacts_fts`) and over notes, interactions, tasks and
//! projects (`search_fts`, migration 0010).
//!
//! Large corpora: bm25-ranking every match of a common word took 2 s at a million records. A
//! search therefore takes the newest [`CANDIDATES`] matches of each kind (FTS5 walks its
//! doclists in rowid order and `doc` rowids grow with the record's time, so `ORDER BY rowid
//! DESC LIMIT n` stops early) and ranks only those by bm25. Rare words still find old records
//! (few matches fit in the window); a common word ranks its recent matches, which is what a
//! practitioner looking something up usually wants. A contact or tag filter restricts the
//! candidates to that contact's records before the window is applied, so old records of one
//! client are never cut off by other clients' newer ones.

use rusqlite::Connection;

use omnicrm_core::contacts::search_query::fts_match_expression;
use omnicrm_core::time::parse_utc;
use omnicrm_core::Result;

use crate::records::{self, RecordView};
use crate::terms;
use crate::types::{ItemKind, SearchFilters};

/// The newest matches of one kind that are ranked by bm25.
pub const CANDIDATES: u32 = 500;
/// `doc` rowids are milliseconds since 1970 times this (see migration 0010).
const DOC_PER_MILLISECOND: i64 = 1 << 20;

/// A keyword match: the record and its bm25 score (higher is better).
#[derive(Debug, Clone)]
pub(crate) struct KeywordMatch {
    pub view: RecordView,
    pub score: f64,
}

/// The best `limit` keyword matches of `kind` for `text`, best first.
pub(crate) fn search(
    connection: &Connection,
    kind: ItemKind,
    text: &str,
    filters: &SearchFilters,
    limit: usize,
) -> Result<Vec<KeywordMatch>> {
    let candidates = match kind {
        ItemKind::Contact => contact_candidates(connection, text, filters)?,
        _ => document_candidates(connection, kind, text, filters)?,
    };
    let mut ranked = candidates;
    ranked.sort_by(|left, right| right.1.total_cmp(&left.1));
    let mut matches = Vec::new();
    for (item_id, score) in ranked {
        if matches.len() >= limit {
            break;
        }
        let Some(view) = records::load(connection, kind, &item_id)? else {
            continue;
        };
        if records::passes(connection, &view, filters)? {
            matches.push(KeywordMatch { view, score });
        }
    }
    Ok(matches)
}

/// The first `doc` of records at or after `instant`, and the last before `before`.
fn doc_range(filters: &SearchFilters) -> (i64, i64) {
    let doc_of = |text: &str| {
        parse_utc(text).map(|instant| {
            instant
                .timestamp_millis()
                .saturating_mul(DOC_PER_MILLISECOND)
        })
    };
    let low = filters.from.as_deref().and_then(doc_of).unwrap_or(i64::MIN);
    let high = filters
        .to
        .as_deref()
        .and_then(doc_of)
        .map_or(i64::MAX, |doc| doc.saturating_sub(1));
    (low, high)
}

fn document_candidates(
    connection: &Connection,
    kind: ItemKind,
    text: &str,
    filters: &SearchFilters,
) -> Result<Vec<(String, f64)>> {
    let Some(expression) = terms::document_expression(kind, text) else {
        return Ok(Vec::new());
    };
    let (low, high) = doc_range(filters);
    let owned = filters.contact_id.is_some() || filters.tag_id.is_some();
    let owner_clause = if owned {
        let Some(items) = records::owned_items_sql(kind) else {
            return Ok(Vec::new());
        };
        let items = items.replace("?2", ":contact").replace("?3", ":tag");
        format!(
            "AND search_fts.rowid IN (SELECT d.doc FROM search_documents d
                             WHERE d.kind = :kind AND d.item_id IN ({items}))"
        )
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT d.item_id, c.score FROM (
             SELECT search_fts.rowid AS doc, bm25(search_fts, 0.0, 2.0, 1.0) AS score
             FROM search_fts
             WHERE search_fts MATCH :match AND search_fts.rowid BETWEEN :low AND :high
               {owner_clause}
             ORDER BY search_fts.rowid DESC LIMIT :cap
         ) c JOIN search_documents d ON d.doc = c.doc"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let mut parameters: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":match", &expression),
        (":low", &low),
        (":high", &high),
        (":cap", &CANDIDATES),
    ];
    let kind_name = kind.as_str();
    if owned {
        parameters.push((":kind", &kind_name));
        parameters.push((":contact", &filters.contact_id));
        parameters.push((":tag", &filters.tag_id));
    }
    let rows = statement.query_map(parameters.as_slice(), |row| {
        Ok((row.get::<_, String>(0)?, -row.get::<_, f64>(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn contact_candidates(
    connection: &Connection,
    text: &str,
    filters: &SearchFilters,
) -> Result<Vec<(String, f64)>> {
    let Some(expression) = fts_match_expression(text) else {
        return Ok(Vec::new());
    };
    let mut statement = connection.prepare_cached(
        "SELECT c.id, m.score FROM (
             SELECT rowid AS seq, bm25(contacts_fts, 4.0, 2.0, 2.0, 1.0) AS score
             FROM contacts_fts WHERE contacts_fts MATCH ?1
             ORDER BY rowid DESC LIMIT ?2
         ) m JOIN contacts c ON c.seq = m.seq
         WHERE c.deleted_at IS NULL AND (?3 IS NULL OR c.id = ?3)
           AND (?4 IS NULL OR c.id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?4))",
    )?;
    let rows = statement.query_map(
        rusqlite::params![expression, CANDIDATES, filters.contact_id, filters.tag_id],
        |row| Ok((row.get::<_, String>(0)?, -row.get::<_, f64>(1)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

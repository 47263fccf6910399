//! Keyword search: FTS5 over contacts (`contacts_fts`) and over notes, interactions, tasks and
//! projects (one index per kind, `search_notes_fts` and so on, migration 0012).
//!
//! Large corpora: at a million records, two things each cost tens of milliseconds to a second
//! per query, so neither is used (and one index per kind spares the cost of a `kind` term):
//! - **Ranking every match.** bm25 needs each term's document frequency, which FTS5 computes by
//!   walking the term's whole doclist (60 ms for a word in half of a million records). Instead a search takes the newest [`CANDIDATES`] matches of
//!   each kind (FTS5 walks doclists in rowid order, `doc` rowids grow with the record's time,
//!   and `ORDER BY rowid DESC LIMIT n` stops early) and re-ranks only those, in Rust, with a
//!   BM25-style score over their text ([`crate::ranking`]). Rare words still find old records
//!   (few matches fit in the window); a common word ranks its recent matches, which is what a
//!   practitioner looking something up usually wants.
//! - **Long prefixes.** Every word is matched as a prefix. FTS5 answers prefixes of 2 and 3
//!   characters from its prefix index, lazily; a longer one (`"sessio"*`) makes it merge the
//!   complete doclists of every word it covers before the first row (80 ms for "session"). A
//!   longer prefix is therefore expanded into the indexed words it covers, read from the
//!   index's vocabulary table (`search_notes_terms` and so on) one seek per word, and searched as
//!   `("session" OR "sessions")`, which FTS5 walks lazily. A prefix covering more than
//!   [`MAX_EXPANSION`] words keeps the prefix query: slower, never wrong.
//!
//! Private notes are in their own index (`search_private_notes_fts`, migration 0017), opened
//! only for [`SearchAudience::User`]: the assistant's searches never read it, so a private
//! note's words cannot match or count in another note's score there.
//!
//! A contact or tag filter restricts the candidates to that contact's records before the window
//! is applied, so old records of one client are never cut off by other clients' newer ones.

use rusqlite::{Connection, OptionalExtension};

use omnicrm_core::contacts::search_query::fts_match_expression;
use omnicrm_core::time::parse_utc;
use omnicrm_core::Result;

use crate::ranking::{self, Field};
use crate::records::{self, RecordView};
use crate::terms;
use crate::types::{ItemKind, SearchAudience, SearchFilters};

mod expansions;

pub(crate) use expansions::ExpansionCache;

/// The newest matches of one kind that are re-ranked.
pub const CANDIDATES: u32 = 200;
/// A prefix covering more indexed words than this is searched as a prefix.
pub const MAX_EXPANSION: usize = 32;
/// Prefixes up to this many characters are in the indexes' prefix index (`prefix = '2 3'`).
pub(crate) const INDEXED_PREFIX_CHARS: usize = 3;
/// `doc` rowids are milliseconds since 1970 times this (see migration 0010).
const DOC_PER_MILLISECOND: i64 = 1 << 20;
/// How much of a long body is read for ranking.
const RANKED_BODY_CHARS: u32 = 2_000;

/// A keyword match: the record and its score (higher is better).
#[derive(Debug, Clone)]
pub(crate) struct KeywordMatch {
    pub view: RecordView,
    pub score: f64,
}

/// What a user typed, prepared once per search for every kind: the words, folded as the
/// tokenizer folds them (for the match expressions and for ranking).
#[derive(Debug, Clone)]
pub(crate) struct KeywordQuery {
    text: String,
    words: Vec<String>,
}

impl KeywordQuery {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            words: terms::words(text)
                .iter()
                .map(|word| terms::fold(word))
                .collect(),
        }
    }

    /// The FTS5 expression over the keyword index `index` (every word, as a prefix, in the
    /// title or body); `None` when there are no words.
    fn document_expression(
        &self,
        connection: &Connection,
        index: &DocumentIndex,
        expansions: &ExpansionCache,
    ) -> Result<Option<String>> {
        if self.words.is_empty() {
            return Ok(None);
        }
        let mut parts = Vec::with_capacity(self.words.len());
        for word in &self.words {
            match expansions.expand(connection, index, word)? {
                Expansion::Prefix => parts.push(format!("{}*", terms::quote(word))),
                Expansion::Words(found) => parts.push(format!(
                    "({})",
                    found
                        .iter()
                        .map(|word| terms::quote(word))
                        .collect::<Vec<_>>()
                        .join(" OR ")
                )),
            }
        }
        Ok(Some(format!("{{title body}} : ({})", parts.join(" AND "))))
    }
}

/// The keyword index of one kind of record and its vocabulary (migration 0012).
struct DocumentIndex {
    table: &'static str,
    terms: &'static str,
}

/// The keyword indexes `audience` searches for `kind`. Notes have two (migration 0017): the
/// notes that are not private, and the private ones, which only the user's own search opens.
fn document_indexes(kind: ItemKind, audience: SearchAudience) -> Vec<DocumentIndex> {
    let (table, terms) = match kind {
        ItemKind::Note => ("search_notes_fts", "search_notes_terms"),
        ItemKind::Interaction => ("search_interactions_fts", "search_interactions_terms"),
        ItemKind::Task => ("search_tasks_fts", "search_tasks_terms"),
        ItemKind::Project => ("search_projects_fts", "search_projects_terms"),
        ItemKind::Contact => return Vec::new(),
    };
    let mut indexes = vec![DocumentIndex { table, terms }];
    if kind == ItemKind::Note && audience.sees_private_notes() {
        indexes.push(DocumentIndex {
            table: "search_private_notes_fts",
            terms: "search_private_notes_terms",
        });
    }
    indexes
}

#[derive(Debug, Clone)]
enum Expansion {
    /// Search the word as an FTS5 prefix.
    Prefix,
    /// The indexed words that start with it.
    Words(Vec<String>),
}

/// The indexed words a typed word stands for, when it is longer than the prefix index covers.
fn expand(connection: &Connection, index: &DocumentIndex, word: &str) -> Result<Expansion> {
    if word.chars().count() <= INDEXED_PREFIX_CHARS {
        return Ok(Expansion::Prefix);
    }
    // Every word starting with `word` sorts below `word` + the last code point.
    let upper = format!("{word}{}", char::MAX);
    let mut next = connection.prepare_cached(&format!(
        "SELECT term FROM {} WHERE term >= ?1 AND term < ?2 LIMIT 1",
        index.terms
    ))?;
    let mut found = Vec::new();
    let mut lower = word.to_owned();
    while let Some(term) = next
        .query_row([&lower, &upper], |row| row.get::<_, String>(0))
        .optional()?
    {
        if found.len() == MAX_EXPANSION {
            return Ok(Expansion::Prefix);
        }
        // The smallest string above `term`: FTS5 words never hold control characters.
        lower = format!("{term}\u{1}");
        found.push(term);
    }
    if found.is_empty() {
        // No indexed word starts with it as `terms::words` cut it; the tokenizer may cut it
        // differently, so let FTS5 decide (a word nothing starts with costs nothing).
        return Ok(Expansion::Prefix);
    }
    Ok(Expansion::Words(found))
}

/// One keyword search of one kind.
pub(crate) struct KindSearch<'a> {
    pub kind: ItemKind,
    pub query: &'a KeywordQuery,
    pub filters: &'a SearchFilters,
    pub audience: SearchAudience,
    pub limit: usize,
    pub expansions: &'a ExpansionCache,
}

/// The best `limit` keyword matches of `kind`, best first.
pub(crate) fn search(
    connection: &Connection,
    search: &KindSearch<'_>,
) -> Result<Vec<KeywordMatch>> {
    let KindSearch {
        kind,
        query,
        filters,
        audience,
        limit,
        ..
    } = *search;
    let mut ranked = match kind {
        ItemKind::Contact => contact_candidates(connection, query, filters)?,
        _ => document_candidates(connection, search)?,
    };
    // Stable: equal scores keep the newest first.
    ranked.sort_by(|left, right| right.1.total_cmp(&left.1));
    let mut matches = Vec::new();
    for (item_id, score) in ranked {
        if matches.len() >= limit {
            break;
        }
        let Some(view) = records::load(connection, kind, &item_id)? else {
            continue;
        };
        // The private index is not searched for this audience; this only guards against a
        // note whose flag changed in a way the index has not followed.
        if view.private && !audience.sees_private_notes() {
            continue;
        }
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

/// The newest matches of `kind` with their score, newest first: the newest [`CANDIDATES`] of
/// every index the audience searches, ranked together.
fn document_candidates(
    connection: &Connection,
    search: &KindSearch<'_>,
) -> Result<Vec<(String, f64)>> {
    let mut candidates = Vec::new();
    for index in document_indexes(search.kind, search.audience) {
        candidates.extend(index_candidates(connection, &index, search)?);
    }
    candidates.sort_by_key(|candidate| std::cmp::Reverse(candidate.0));
    candidates.truncate(CANDIDATES as usize);
    let scores = ranking::scores(
        &search.query.words,
        candidates.iter().map(|(_, _, title, body)| {
            vec![
                Field::new(title, ranking::TITLE_WEIGHT),
                Field::new(body, ranking::BODY_WEIGHT),
            ]
        }),
    );
    Ok(candidates
        .into_iter()
        .map(|(_, item_id, _, _)| item_id)
        .zip(scores)
        .collect())
}

/// The newest [`CANDIDATES`] matches in one index: `(doc, item_id, title, body)`, newest first.
fn index_candidates(
    connection: &Connection,
    index: &DocumentIndex,
    search: &KindSearch<'_>,
) -> Result<Vec<(i64, String, String, String)>> {
    let KindSearch {
        kind,
        query,
        filters,
        expansions,
        ..
    } = *search;
    let Some(expression) = query.document_expression(connection, index, expansions)? else {
        return Ok(Vec::new());
    };
    let Some(texts) = records::indexed_text_sql(kind) else {
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
            "AND fts.rowid IN (SELECT d.doc FROM search_documents d
                               WHERE d.kind = :kind AND d.item_id IN ({items}))"
        )
    } else {
        String::new()
    };
    let table = index.table;
    // The window is written into the SQL: a bound LIMIT makes SQLite prepare the statement
    // again on every run (it hands the limit to FTS5).
    let sql = format!(
        "SELECT c.doc, d.item_id, t.title, substr(t.body, 1, :body_chars) FROM (
             SELECT fts.rowid AS doc FROM {table} fts
             WHERE fts.{table} MATCH :match AND fts.rowid BETWEEN :low AND :high
               {owner_clause}
             ORDER BY fts.rowid DESC LIMIT {CANDIDATES}
         ) c JOIN search_documents d ON d.doc = c.doc
         JOIN ({texts}) t ON t.id = d.item_id
         ORDER BY c.doc DESC"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let mut parameters: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
        (":match", &expression),
        (":low", &low),
        (":high", &high),
        (":body_chars", &RANKED_BODY_CHARS),
    ];
    let kind_name = kind.as_str();
    if owned {
        parameters.push((":kind", &kind_name));
        parameters.push((":contact", &filters.contact_id));
        parameters.push((":tag", &filters.tag_id));
    }
    let rows = statement.query_map(parameters.as_slice(), |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The newest matching contacts with their score, newest first.
fn contact_candidates(
    connection: &Connection,
    query: &KeywordQuery,
    filters: &SearchFilters,
) -> Result<Vec<(String, f64)>> {
    let Some(expression) = fts_match_expression(&query.text) else {
        return Ok(Vec::new());
    };
    // The window is written into the SQL: a bound LIMIT makes SQLite prepare the statement
    // again on every run (it hands the limit to FTS5).
    let mut statement = connection.prepare_cached(&format!(
        "SELECT c.id, m.display_name, m.emails, m.phones, m.organization FROM (
             SELECT rowid AS seq, display_name, coalesce(emails, '') AS emails,
                    coalesce(phones, '') AS phones, coalesce(organization, '') AS organization
             FROM contacts_fts WHERE contacts_fts MATCH ?1
             ORDER BY rowid DESC LIMIT {CANDIDATES}
         ) m JOIN contacts c ON c.seq = m.seq
         WHERE c.deleted_at IS NULL AND (?2 IS NULL OR c.id = ?2)
           AND (?3 IS NULL OR c.id IN (SELECT contact_id FROM contact_tags WHERE tag_id = ?3))
         ORDER BY m.seq DESC"
    ))?;
    let rows = statement.query_map(
        rusqlite::params![expression, filters.contact_id, filters.tag_id],
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                [
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ],
            ))
        },
    )?;
    let candidates = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    let scores = ranking::scores(
        &query.words,
        candidates
            .iter()
            .map(|(_, [name, emails, phones, organization])| {
                vec![
                    Field::new(name, ranking::NAME_WEIGHT),
                    Field::new(emails, ranking::TITLE_WEIGHT),
                    Field::new(phones, ranking::TITLE_WEIGHT),
                    Field::new(organization, ranking::BODY_WEIGHT),
                ]
            }),
    );
    Ok(candidates
        .into_iter()
        .map(|(item_id, _)| item_id)
        .zip(scores)
        .collect())
}

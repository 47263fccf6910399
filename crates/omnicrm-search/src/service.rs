//! `SearchService`: one search over every kind of record, in keyword, semantic or hybrid mode,
//! grouped by kind.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use omnicrm_core::time::parse_utc;
use omnicrm_core::{Database, Error, Result};

use crate::embedder::{Embedder, LocalEmbedder};
use crate::embedder_settings::EmbedderSettingsStore;
use crate::hybrid::reciprocal_rank_fusion;
use crate::keyword;
use crate::models::{self, ModelSpec};
use crate::records::{self, RecordView};
use crate::snippet::highlight;
use crate::terms;
use crate::types::{
    ItemKind, MatchReason, ModeNotice, ResultGroup, SearchAudience, SearchFilters, SearchHit,
    SearchMode, SearchNotice, SearchRequest, SearchResponse, DEFAULT_LIMIT, MAX_LIMIT,
};
use crate::vectors;

/// Chunks fetched per wanted result in semantic search (several chunks may be one record, and
/// filters drop some).
const CHUNKS_PER_RESULT: usize = 4;
const MAX_CHUNKS: usize = 400;

/// Searches one database.
#[derive(Clone)]
pub struct SearchService {
    database: Database,
    embedder: Option<Arc<dyn Embedder>>,
    /// Why semantic search is off, when it is.
    unavailable: Option<SearchNotice>,
    /// Long prefixes expanded by earlier searches, while their index is unchanged.
    expansions: Arc<keyword::ExpansionCache>,
    /// The bit vectors of the chunks, while unchanged.
    vectors: Arc<vectors::VectorCache>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SearchService")
            .field(
                "model",
                &self.embedder.as_ref().map(|embedder| embedder.model_id()),
            )
            .field("unavailable", &self.unavailable)
            .finish()
    }
}

impl SearchService {
    /// Keyword search only, saying why in every response.
    pub fn keyword_only(database: Database, reason: SearchNotice) -> Self {
        Self {
            database,
            embedder: None,
            unavailable: Some(reason),
            expansions: Arc::default(),
            vectors: Arc::default(),
        }
    }

    /// All modes with `embedder`. sqlite-vec must be loaded ([`vectors::register_sqlite_vec`]
    /// before the core was opened).
    pub fn new(database: Database, embedder: Arc<dyn Embedder>) -> Result<Self> {
        database.read(vectors::check_loaded)?;
        Ok(Self {
            database,
            embedder: Some(embedder),
            unavailable: None,
            expansions: Arc::default(),
            vectors: Arc::default(),
        })
    }

    /// With the embedder the stored settings choose ([`EmbedderSettingsStore`]): the remote
    /// endpoint, or the local model from `models_dir` as [`Self::with_local_model`].
    pub fn from_settings(
        database: Database,
        models_dir: &Path,
        settings: &EmbedderSettingsStore,
    ) -> Result<Self> {
        match crate::embedder_settings::remote_embedder(settings)? {
            Some(remote) => Self::new(database, remote),
            None => Self::with_local_model(database, models_dir),
        }
    }

    /// With the local model from `models_dir` when its weights are installed; otherwise keyword
    /// only, with a notice saying how to get them.
    pub fn with_local_model(database: Database, models_dir: &Path) -> Result<Self> {
        let spec = ModelSpec::all_minilm_l6_v2();
        if !models::is_installed(models_dir, &spec) {
            return Ok(Self::keyword_only(
                database,
                SearchNotice {
                    reason: ModeNotice::ModelMissing,
                    message: format!(
                        "semantic search is off until the embedding model is installed \
                         (`omnicrm models fetch`, into {}); showing keyword results",
                        models_dir.display()
                    ),
                },
            ));
        }
        let embedder = LocalEmbedder::load(&models_dir.join(&spec.directory))?;
        Self::new(database, Arc::new(embedder))
    }

    /// The embedder, when semantic search is on.
    pub fn embedder(&self) -> Option<Arc<dyn Embedder>> {
        self.embedder.clone()
    }

    /// Searches. Blank text finds nothing (not an error: the palette searches as you type).
    #[tracing::instrument(skip_all, fields(mode = request.mode.as_str()))]
    pub async fn search(&self, request: SearchRequest) -> Result<SearchResponse> {
        validate_filters(&request.filters)?;
        let limit = request.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let kinds: Vec<ItemKind> = if request.filters.kinds.is_empty() {
            ItemKind::ALL.to_vec()
        } else {
            ItemKind::ALL
                .into_iter()
                .filter(|kind| request.filters.kinds.contains(kind))
                .collect()
        };
        let mut response = SearchResponse {
            mode_requested: request.mode,
            mode_used: request.mode,
            notice: None,
            groups: Vec::new(),
        };
        if terms::words(&request.text).is_empty() {
            return Ok(response);
        }

        let mut query_vector = None;
        if request.mode != SearchMode::Keyword {
            match &self.embedder {
                None => {
                    response.mode_used = SearchMode::Keyword;
                    response.notice = self.unavailable.clone();
                }
                Some(embedder) => {
                    let texts = [request.text.clone()];
                    match embedder.embed(&texts).await {
                        Ok(mut vectors) => query_vector = vectors.pop(),
                        Err(error) => {
                            tracing::warn!(message = %error.message, "query embedding failed");
                            response.mode_used = SearchMode::Keyword;
                            response.notice = Some(SearchNotice {
                                reason: ModeNotice::EmbedderUnavailable,
                                message: format!(
                                    "semantic search is unavailable ({}); showing keyword results",
                                    error.message
                                ),
                            });
                        }
                    }
                }
            }
        }

        let mode = response.mode_used;
        let model_id = self
            .embedder
            .as_ref()
            .map(|embedder| embedder.model_id().to_owned());
        let words = terms::words(&request.text);
        let audience = request.audience;
        // Keyword and semantic search each run on their own reader, at the same time: both
        // are single-threaded, and hybrid search would otherwise pay for one after the other.
        let keyword_search = async {
            if mode == SearchMode::Semantic {
                return Ok(HashMap::new());
            }
            let keyword_limit = if mode == SearchMode::Hybrid {
                limit * 2
            } else {
                limit
            };
            let (text, kinds, filters, words, expansions) = (
                request.text.clone(),
                kinds.clone(),
                request.filters.clone(),
                words.clone(),
                self.expansions.clone(),
            );
            self.database
                .run(move |database| {
                    database.read(|connection| {
                        let search = KeywordSearch {
                            text: &text,
                            kinds: &kinds,
                            filters: &filters,
                            audience,
                            words: &words,
                            limit: keyword_limit,
                            expansions: &expansions,
                        };
                        keyword_hits(connection, &search)
                    })
                })
                .await
        };
        let semantic_search = async {
            let (Some(query), Some(model_id)) = (query_vector, model_id) else {
                return Ok((HashMap::new(), false));
            };
            let (kinds, filters, words, cache) = (
                kinds.clone(),
                request.filters.clone(),
                words.clone(),
                self.vectors.clone(),
            );
            self.database
                .run(move |database| {
                    database.read(|connection| {
                        let search = SemanticSearch {
                            model_id: &model_id,
                            query: &query,
                            kinds: &kinds,
                            filters: &filters,
                            audience,
                            words: &words,
                            limit,
                            cache: &cache,
                        };
                        let hits = semantic(connection, &search)?;
                        let indexing = connection.query_row(
                            "SELECT EXISTS (SELECT 1 FROM search_documents
                                            WHERE embedded_model IS NULL)",
                            [],
                            |row| row.get(0),
                        )?;
                        Ok((hits, indexing))
                    })
                })
                .await
        };
        let (keyword_hits, semantic_outcome) = tokio::join!(keyword_search, semantic_search);
        let mut keyword_hits = keyword_hits?;
        let (mut semantic_hits, indexing) = semantic_outcome?;
        let mut groups = Vec::new();
        for &kind in &kinds {
            let keyword = keyword_hits.remove(&kind).unwrap_or_default();
            let semantic = semantic_hits.remove(&kind).unwrap_or_default();
            let mut hits = match mode {
                SearchMode::Keyword => keyword,
                SearchMode::Semantic => semantic,
                SearchMode::Hybrid => reciprocal_rank_fusion(keyword, semantic),
            };
            hits.truncate(limit);
            if !hits.is_empty() {
                groups.push(ResultGroup { kind, hits });
            }
        }
        response.groups = groups;
        if indexing && response.notice.is_none() {
            response.notice = Some(SearchNotice {
                reason: ModeNotice::IndexingInProgress,
                message: "some records are still being embedded; semantic results may miss them"
                    .to_owned(),
            });
        }
        Ok(response)
    }
}

/// One keyword search over several kinds.
struct KeywordSearch<'a> {
    text: &'a str,
    kinds: &'a [ItemKind],
    filters: &'a SearchFilters,
    audience: SearchAudience,
    words: &'a [String],
    limit: usize,
    expansions: &'a keyword::ExpansionCache,
}

/// Keyword hits of each kind, best first.
fn keyword_hits(
    connection: &rusqlite::Connection,
    search: &KeywordSearch<'_>,
) -> Result<HashMap<ItemKind, Vec<SearchHit>>> {
    let query = keyword::KeywordQuery::new(search.text);
    let mut hits_by_kind = HashMap::new();
    for &kind in search.kinds {
        let hits = keyword::search(
            connection,
            &keyword::KindSearch {
                kind,
                query: &query,
                filters: search.filters,
                audience: search.audience,
                limit: search.limit,
                expansions: search.expansions,
            },
        )?
        .into_iter()
        .map(|found| {
            hit(
                found.view,
                search.words,
                MatchReason::Keyword,
                found.score,
                None,
            )
        })
        .collect();
        hits_by_kind.insert(kind, hits);
    }
    Ok(hits_by_kind)
}

/// The contact a matching record is about, the first time one of their records matched and
/// when the contact passes the filters.
fn contact_of(
    connection: &rusqlite::Connection,
    record: &RecordView,
    seen: &mut std::collections::HashSet<(ItemKind, String)>,
    filters: &SearchFilters,
) -> Result<Option<RecordView>> {
    let Some(contact_id) = record.contact_id.as_deref() else {
        return Ok(None);
    };
    if !seen.insert((ItemKind::Contact, contact_id.to_owned())) {
        return Ok(None);
    }
    let Some(contact) = records::load(connection, ItemKind::Contact, contact_id)? else {
        return Ok(None);
    };
    Ok(records::passes(connection, &contact, filters)?.then_some(contact))
}

fn validate_filters(filters: &SearchFilters) -> Result<()> {
    for (field, value) in [("filters.from", &filters.from), ("filters.to", &filters.to)] {
        if let Some(value) = value {
            if parse_utc(value).is_none() {
                return Err(Error::invalid_field(
                    field,
                    "must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z",
                ));
            }
        }
    }
    Ok(())
}

fn hit(
    view: RecordView,
    words: &[String],
    matched_by: MatchReason,
    score: f64,
    passage: Option<&str>,
) -> SearchHit {
    let snippet = highlight(passage.unwrap_or(&view.text), words);
    SearchHit {
        kind: view.kind,
        item_id: view.item_id,
        contact_id: view.contact_id,
        title: view.title,
        snippet,
        matched_by,
        happened_at: view.happened_at,
        score,
    }
}

/// The nearest records per kind: the best chunk of each record, records passing the filters.
/// Semantic hits of each kind. Contacts have no text of their own worth embedding (a name
/// has no meaning to match), so a contact is found through the records about them: the
/// passage of their note, mail or event that matched is shown as why.
/// One semantic search over several kinds.
struct SemanticSearch<'a> {
    model_id: &'a str,
    query: &'a [f32],
    kinds: &'a [ItemKind],
    filters: &'a SearchFilters,
    audience: SearchAudience,
    words: &'a [String],
    limit: usize,
    cache: &'a vectors::VectorCache,
}

fn semantic(
    connection: &rusqlite::Connection,
    search: &SemanticSearch<'_>,
) -> Result<HashMap<ItemKind, Vec<SearchHit>>> {
    let SemanticSearch {
        model_id,
        query,
        kinds,
        filters,
        audience,
        words,
        limit,
        cache,
    } = *search;
    let wanted = (limit * kinds.len() * CHUNKS_PER_RESULT).min(MAX_CHUNKS);
    let neighbours = if audience.sees_private_notes() {
        vectors::nearest(connection, cache, model_id, query, wanted)?
    } else {
        vectors::nearest_without_private(connection, cache, model_id, query, wanted)?
    };
    let chunk_ids: Vec<i64> = neighbours.iter().map(|found| found.chunk_id).collect();
    let sources = vectors::chunk_sources(connection, &chunk_ids)?;
    let with_contacts = kinds.contains(&ItemKind::Contact);
    let mut seen = std::collections::HashSet::new();
    let mut hits: HashMap<ItemKind, Vec<SearchHit>> = HashMap::new();
    let has_room = |hits: &HashMap<ItemKind, Vec<SearchHit>>, kind| {
        hits.get(&kind).is_none_or(|group| group.len() < limit)
    };
    for neighbour in neighbours {
        let Some((kind, item_id, passage)) = sources.get(&neighbour.chunk_id) else {
            continue;
        };
        let Some(kind) = ItemKind::parse(kind) else {
            continue;
        };
        let list_record = kinds.contains(&kind)
            && has_room(&hits, kind)
            && !seen.contains(&(kind, item_id.clone()));
        let find_contact = with_contacts && has_room(&hits, ItemKind::Contact);
        if !list_record && !find_contact {
            continue;
        }
        let Some(view) = records::load(connection, kind, item_id)? else {
            continue;
        };
        // Neither the note nor its contact: a contact found through a private note tells
        // whom it concerns.
        if view.private && !audience.sees_private_notes() {
            continue;
        }
        let similarity = f64::from(neighbour.similarity);
        if find_contact {
            if let Some(contact) = contact_of(connection, &view, &mut seen, filters)? {
                hits.entry(ItemKind::Contact).or_default().push(hit(
                    contact,
                    words,
                    MatchReason::Semantic,
                    similarity,
                    Some(passage),
                ));
            }
        }
        if !list_record || !records::passes(connection, &view, filters)? {
            continue;
        }
        seen.insert((kind, item_id.clone()));
        hits.entry(kind).or_default().push(hit(
            view,
            words,
            MatchReason::Semantic,
            similarity,
            Some(passage),
        ));
    }
    Ok(hits)
}

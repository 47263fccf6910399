//! The assistant's retrieval over `omnicrm-search`: hybrid (keyword + meaning) search across
//! contacts, notes, interactions and tasks, so "who mentioned shoulder pain?" finds the note that
//! says "her neck and shoulder still ache" and cites it — not only a contact whose name matches.
//!
//! Private notes are found by the practitioner's own search but never reach the model: every
//! search here is made for [`SearchAudience::Assistant`], which never opens the private notes'
//! keyword index nor their embeddings, so a private note cannot match, rank or lead the search
//! to its contact. Callers only pass the question; they cannot choose another audience. Each
//! note hit is still read back and dropped when it is private, in case the flag changed in a
//! way the index has not followed.

use omnicrm_core::{Core, ErrorCode, Result};
use omnicrm_search::{
    ItemKind, SearchAudience, SearchFilters, SearchHit, SearchMode, SearchRequest, SearchService,
};

use super::{contact_hit, ContactFacts, RecordHit, RecordSearch, RecordSearchFuture, RecordType};

/// How much of a note the model reads: enough for the context around the match.
const NOTE_CHARS: usize = 800;

/// Hybrid search for the assistant (keyword only, with the same results shape, until the
/// embedding model is installed).
#[derive(Debug, Clone)]
pub struct HybridRecordSearch {
    search: SearchService,
    core: Core,
}

impl HybridRecordSearch {
    pub fn new(search: SearchService, core: Core) -> Self {
        Self { search, core }
    }

    async fn find(&self, query: &str, limit: u32) -> Result<Vec<RecordHit>> {
        let response = self
            .search
            .search(SearchRequest {
                text: query.to_owned(),
                mode: SearchMode::Hybrid,
                filters: SearchFilters {
                    kinds: vec![
                        ItemKind::Contact,
                        ItemKind::Note,
                        ItemKind::Interaction,
                        ItemKind::Task,
                    ],
                    ..SearchFilters::default()
                },
                limit: Some(limit),
                audience: SearchAudience::Assistant,
            })
            .await?;
        let mut hits: Vec<SearchHit> = response
            .groups
            .into_iter()
            .flat_map(|group| group.hits)
            .collect();
        hits.sort_by(|left, right| right.score.total_cmp(&left.score));

        let mut found = Vec::new();
        for hit in hits {
            if found.len() >= limit as usize {
                break;
            }
            match self.record_hit(hit) {
                Ok(Some(record)) => found.push(record),
                Ok(None) => {}
                // Deleted between the search and now: nothing to tell the model.
                Err(error) if error.code == ErrorCode::NotFound => {}
                Err(error) => return Err(error),
            }
        }
        Ok(found)
    }

    /// What the model reads about one hit; `None` for what it may not read.
    fn record_hit(&self, hit: SearchHit) -> Result<Option<RecordHit>> {
        let snippet: String = hit.snippet.iter().map(|part| part.text.as_str()).collect();
        let record = match hit.kind {
            ItemKind::Contact => {
                let contact = self.core.contacts.get(&hit.item_id)?;
                contact_hit(ContactFacts {
                    id: &contact.id,
                    display_name: &contact.display_name,
                    organization: contact.organization.as_deref(),
                    primary_email: contact.primary_email(),
                    lifecycle_stage: contact.lifecycle_stage,
                    tags: &contact.tags,
                })
            }
            ItemKind::Note => {
                let note = self.core.notes.get(&hit.item_id)?;
                if note.is_private {
                    return Ok(None);
                }
                RecordHit {
                    record_type: RecordType::Note,
                    id: hit.item_id,
                    contact_id: hit.contact_id,
                    title: hit.title.clone(),
                    text: format!(
                        "{} (written {}): {}",
                        hit.title,
                        hit.happened_at,
                        note.body.chars().take(NOTE_CHARS).collect::<String>()
                    ),
                }
            }
            ItemKind::Interaction => RecordHit {
                record_type: RecordType::Interaction,
                id: hit.item_id,
                contact_id: hit.contact_id,
                text: format!("{} ({}): {snippet}", hit.title, hit.happened_at),
                title: hit.title,
            },
            ItemKind::Task => RecordHit {
                record_type: RecordType::Task,
                id: hit.item_id,
                contact_id: hit.contact_id,
                text: format!("task {}: {snippet}", hit.title),
                title: hit.title,
            },
            // Citations cannot open projects; the task list tool covers them.
            ItemKind::Project => return Ok(None),
        };
        Ok(Some(record))
    }
}

impl RecordSearch for HybridRecordSearch {
    fn search<'a>(&'a self, query: &'a str, limit: u32) -> RecordSearchFuture<'a> {
        Box::pin(self.find(query, limit))
    }
}

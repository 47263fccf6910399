//! What the model may read: records found by a [`RecordSearch`], a contact's timeline and the
//! task list — never a private note — and the [`Citation`]s that let the UI link each record an
//! answer used.

use omnicrm_core::contacts::ContactService;
use omnicrm_core::Result;
use serde::{Deserialize, Serialize};

/// The kind of record a citation points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    Contact,
    Note,
    Interaction,
    Task,
}

/// A record an answer used: enough for the UI to show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Citation {
    pub record_type: RecordType,
    pub id: String,
    pub title: String,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordHit {
    pub record_type: RecordType,
    pub id: String,
    pub title: String,
    /// What the model reads about it (no private content).
    pub text: String,
}

/// Finds records for a question. Today: contacts by keyword; the hybrid search of
/// `omnicrm-search` implements this too and replaces it when present.
pub trait RecordSearch: Send + Sync + std::fmt::Debug {
    fn search(&self, query: &str, limit: u32) -> Result<Vec<RecordHit>>;
}

/// Core's contact keyword search (name, email, phone, organisation).
#[derive(Debug, Clone)]
pub struct ContactKeywordSearch {
    contacts: ContactService,
}

impl ContactKeywordSearch {
    pub fn new(contacts: ContactService) -> Self {
        Self { contacts }
    }
}

impl RecordSearch for ContactKeywordSearch {
    fn search(&self, query: &str, limit: u32) -> Result<Vec<RecordHit>> {
        let mut hits = Vec::new();
        for contact in self.contacts.search(query, limit)? {
            let mut text = contact.display_name.clone();
            if let Some(organization) = &contact.organization {
                text.push_str(&format!(", {organization}"));
            }
            if let Some(email) = &contact.primary_email {
                text.push_str(&format!(", email {email}"));
            }
            if let Some(stage) = contact.lifecycle_stage {
                text.push_str(&format!(", stage {}", stage.as_str()));
            }
            if !contact.tags.is_empty() {
                text.push_str(&format!(", tags {}", contact.tags.join(", ")));
            }
            hits.push(RecordHit {
                record_type: RecordType::Contact,
                id: contact.id,
                title: contact.display_name,
                text,
            });
        }
        Ok(hits)
    }
}

/// The records an answer cites: those surfaced to the model that the answer names; when it
/// names none of them (it paraphrased), every surfaced record, since the answer rests on them.
pub fn cited(answer: &str, surfaced: &[Citation]) -> Vec<Citation> {
    let lowered = answer.to_lowercase();
    let named: Vec<Citation> = surfaced
        .iter()
        .filter(|citation| {
            !citation.title.trim().is_empty() && lowered.contains(&citation.title.to_lowercase())
        })
        .cloned()
        .collect();
    let chosen = if named.is_empty() {
        surfaced.to_vec()
    } else {
        named
    };
    let mut unique: Vec<Citation> = Vec::new();
    for citation in chosen {
        if !unique.contains(&citation) {
            unique.push(citation);
        }
    }
    unique
}

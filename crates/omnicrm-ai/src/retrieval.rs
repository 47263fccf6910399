//! What the model may read: records found by a [`RecordSearch`], a contact's timeline and the
//! task list — never a private note — and the [`Citation`]s that let the UI link each record an
//! answer used.

use std::future::Future;
use std::pin::Pin;

use omnicrm_core::contacts::{ContactService, LifecycleStage};
use omnicrm_core::Result;
use serde::{Deserialize, Serialize};

mod hybrid_search;

pub use hybrid_search::HybridRecordSearch;

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
    /// The contact it belongs to (a contact's own id), for the tools that take one.
    pub contact_id: Option<String>,
    /// What the model reads about it (no private content).
    pub text: String,
}

/// What [`RecordSearch::search`] returns: a search may have to embed the question first.
pub type RecordSearchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<RecordHit>>> + Send + 'a>>;

/// Finds records for a question: [`HybridRecordSearch`] (keyword and meaning, over contacts,
/// notes, interactions and tasks) in the app and the CLI, [`ContactKeywordSearch`] where there is
/// no search index.
pub trait RecordSearch: Send + Sync + std::fmt::Debug {
    fn search<'a>(&'a self, query: &'a str, limit: u32) -> RecordSearchFuture<'a>;
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
    fn search<'a>(&'a self, query: &'a str, limit: u32) -> RecordSearchFuture<'a> {
        Box::pin(async move {
            Ok(self
                .contacts
                .search(query, limit)?
                .iter()
                .map(|contact| {
                    contact_hit(ContactFacts {
                        id: &contact.id,
                        display_name: &contact.display_name,
                        organization: contact.organization.as_deref(),
                        primary_email: contact.primary_email.as_deref(),
                        lifecycle_stage: contact.lifecycle_stage,
                        tags: &contact.tags,
                    })
                })
                .collect())
        })
    }
}

/// What the model reads about a contact: name, organisation, email, stage and tags.
pub(crate) struct ContactFacts<'a> {
    pub id: &'a str,
    pub display_name: &'a str,
    pub organization: Option<&'a str>,
    pub primary_email: Option<&'a str>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub tags: &'a [String],
}

pub(crate) fn contact_hit(contact: ContactFacts<'_>) -> RecordHit {
    let mut text = contact.display_name.to_owned();
    if let Some(organization) = contact.organization {
        text.push_str(&format!(", {organization}"));
    }
    if let Some(email) = contact.primary_email {
        text.push_str(&format!(", email {email}"));
    }
    if let Some(stage) = contact.lifecycle_stage {
        text.push_str(&format!(", stage {}", stage.as_str()));
    }
    if !contact.tags.is_empty() {
        text.push_str(&format!(", tags {}", contact.tags.join(", ")));
    }
    RecordHit {
        record_type: RecordType::Contact,
        contact_id: Some(contact.id.to_owned()),
        id: contact.id.to_owned(),
        title: contact.display_name.to_owned(),
        text,
    }
}

/// A record shown to the model, with the words it was shown as: an answer that draws on it
/// repeats some of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surfaced {
    pub citation: Citation,
    pub text: String,
}

/// The records an answer cites: those surfaced to the model that the answer names, or whose
/// own words it repeats (an email address or a phone number, or two words of five letters or
/// more that are not everyday words). An answer that draws on none of them cites nothing: it
/// used to cite every search hit then, related or not.
pub fn cited(answer: &str, surfaced: &[Surfaced]) -> Vec<Citation> {
    let lowered = answer.to_lowercase();
    let answer_words = distinctive_words(&lowered);
    let mut unique: Vec<Citation> = Vec::new();
    for record in surfaced {
        let title = record.citation.title.trim().to_lowercase();
        let named = !title.is_empty() && lowered.contains(&title);
        let shared: Vec<String> = distinctive_words(&record.text.to_lowercase())
            .into_iter()
            .filter(|word| answer_words.contains(word))
            .collect();
        let repeats = shared.iter().any(|word| is_address_or_number(word)) || shared.len() >= 2;
        if (named || repeats) && !unique.contains(&record.citation) {
            unique.push(record.citation.clone());
        }
    }
    unique
}

/// Everyday words long enough to count as distinctive otherwise.
const EVERYDAY_WORDS: &[&str] = &[
    "about", "after", "again", "before", "being", "could", "every", "first", "found", "great",
    "their", "there", "these", "thing", "think", "those", "today", "under", "until", "where",
    "which", "while", "would", "should", "client", "clients", "contact", "contacts", "email",
    "phone", "notes", "session", "sessions", "recent", "record", "records",
];

/// The distinct words of a lower-cased text that can tie an answer to a record: email
/// addresses, numbers of seven digits or more, and words of five letters or more that are not
/// everyday words.
fn distinctive_words(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|character: char| character.is_whitespace() || ",;:!?()[]\"'".contains(character))
        .map(|word| word.trim_matches(|character: char| character == '.' || character == '-'))
        .filter(|word| {
            is_address_or_number(word)
                || (word
                    .chars()
                    .filter(|character| character.is_alphabetic())
                    .count()
                    >= 5
                    && !EVERYDAY_WORDS.contains(word))
        })
        .map(str::to_owned)
        .collect()
}

fn is_address_or_number(word: &str) -> bool {
    word.contains('@') || word.chars().filter(char::is_ascii_digit).count() >= 7
}

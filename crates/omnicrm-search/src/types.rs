//! The request and response of a search, as the desktop app and the CLI see them.

use serde::{Deserialize, Serialize};

/// How to search. Hybrid (the default) fuses keyword and semantic rankings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    Keyword,
    Semantic,
    #[default]
    Hybrid,
}

impl SearchMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyword => "keyword",
            Self::Semantic => "semantic",
            Self::Hybrid => "hybrid",
        }
    }

    /// Parses `keyword`, `semantic` or `hybrid`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "keyword" => Some(Self::Keyword),
            "semantic" => Some(Self::Semantic),
            "hybrid" => Some(Self::Hybrid),
            _ => None,
        }
    }
}

/// The kinds of record a search finds; results are grouped by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Contact,
    Note,
    Interaction,
    Task,
    Project,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] = [
        Self::Contact,
        Self::Note,
        Self::Interaction,
        Self::Task,
        Self::Project,
    ];
    /// The kinds kept in `search_documents` (contacts have their own index).
    pub const DOCUMENTS: [ItemKind; 4] = [Self::Note, Self::Interaction, Self::Task, Self::Project];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Note => "note",
            Self::Interaction => "interaction",
            Self::Task => "task",
            Self::Project => "project",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// What narrows a search. Empty filters narrow nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchFilters {
    /// Only these kinds; empty means all.
    #[serde(default)]
    pub kinds: Vec<ItemKind>,
    /// Only records of this contact (the contact itself, its notes, interactions and tasks).
    #[serde(default)]
    pub contact_id: Option<String>,
    /// Only records of contacts carrying this tag (by tag id).
    #[serde(default)]
    pub tag_id: Option<String>,
    /// Only records that happened at or after this instant (RFC 3339). For contacts: last
    /// updated.
    #[serde(default)]
    pub from: Option<String>,
    /// Only records that happened before this instant (RFC 3339).
    #[serde(default)]
    pub to: Option<String>,
}

/// Who a search is for, which decides whether private notes take part.
///
/// - [`SearchAudience::User`]: the practitioner's own search on this device (the app's search
///   box, the CLI). Private notes match, rank and are shown like any other note.
/// - [`SearchAudience::Assistant`]: everything whose results may leave the device — the AI
///   assistant's tools and retrieval above all. Private notes take no part at all: their words
///   are in a separate keyword index this search never opens (so they cannot match, weigh in
///   any ranking or show in a snippet), their embeddings are left out of the nearest-neighbour
///   pass, and a private note is never returned — nor is its contact found through it.
///
/// The default is `Assistant`, so a caller that does not say gets the safe one; the desktop
/// app and the CLI ask for `User`. It is not part of the request's JSON: the webview cannot
/// choose it, the command that runs the search does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SearchAudience {
    User,
    #[default]
    Assistant,
}

impl SearchAudience {
    /// Whether private notes take part.
    pub fn sees_private_notes(self) -> bool {
        self == Self::User
    }
}

/// One search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchRequest {
    pub text: String,
    #[serde(default)]
    pub mode: SearchMode,
    #[serde(default)]
    pub filters: SearchFilters,
    /// The most results per group; defaults to [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`].
    #[serde(default)]
    pub limit: Option<u32>,
    /// Who the results are for; see [`SearchAudience`]. Never read from JSON.
    #[serde(skip)]
    pub audience: SearchAudience,
}

pub const DEFAULT_LIMIT: u32 = 10;
pub const MAX_LIMIT: u32 = 100;

/// A piece of a snippet; highlighted pieces are the words that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SnippetPart {
    pub text: String,
    pub highlighted: bool,
}

/// Why a result matched: the words found, or the passage that is closest in meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    Keyword,
    Semantic,
    Both,
}

/// One result; `item_id` (with `kind`) is what the UI opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchHit {
    pub kind: ItemKind,
    pub item_id: String,
    /// The contact the record belongs to, when there is one (a contact's own id for contacts).
    pub contact_id: Option<String>,
    pub title: String,
    pub snippet: Vec<SnippetPart>,
    pub matched_by: MatchReason,
    /// When the record happened (interactions), was written (notes, tasks, projects) or last
    /// changed (contacts).
    pub happened_at: String,
    /// Higher is better; only comparable within one response.
    pub score: f64,
}

/// The results of one kind, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResultGroup {
    pub kind: ItemKind,
    pub hits: Vec<SearchHit>,
}

/// Why a search ran in another mode than asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ModeNotice {
    /// The embedding model's weights are not installed (`omnicrm models fetch`).
    ModelMissing,
    /// The embedder failed (a remote endpoint down, say); the message says why.
    EmbedderUnavailable,
    /// Records are still being embedded; semantic results cover only part of them.
    IndexingInProgress,
}

/// A notice shown with results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchNotice {
    pub reason: ModeNotice,
    pub message: String,
}

/// The results of a search, grouped by kind (groups without hits are left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SearchResponse {
    pub mode_requested: SearchMode,
    pub mode_used: SearchMode,
    pub notice: Option<SearchNotice>,
    pub groups: Vec<ResultGroup>,
}

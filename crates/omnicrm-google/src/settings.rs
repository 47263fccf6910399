//! What the user chooses before approving a sync: the Gmail queries and the calendar window.

use serde::{Deserialize, Serialize};

use omnicrm_core::{Error, Result};

/// The Gmail query the sync starts from: recent primary mail, no chats, no drafts.
pub const DEFAULT_GMAIL_QUERY: &str = "category:primary -in:chats -in:drafts newer_than:30d";
/// Mail the account sent in the same period (sent mail has no inbox category).
pub const DEFAULT_SENT_QUERY: &str = "in:sent -in:chats -in:drafts newer_than:30d";
/// Categories never synced, whatever the query says.
pub const EXCLUDED_CATEGORIES: [&str; 4] = ["promotions", "social", "forums", "updates"];

/// Which mail to sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct GmailSyncSettings {
    /// Received mail, in Gmail's search language.
    pub query: String,
    /// Sent mail; `None` leaves sent mail out.
    pub sent_query: Option<String>,
    /// Labels counted in the preview.
    pub preview_labels: Vec<String>,
    /// A full sync stops after this many messages of each query (received, sent).
    pub max_messages: u32,
    /// Messages listed per page (Gmail allows up to 500).
    pub page_size: u32,
}

impl Default for GmailSyncSettings {
    fn default() -> Self {
        Self {
            query: DEFAULT_GMAIL_QUERY.to_owned(),
            sent_query: Some(DEFAULT_SENT_QUERY.to_owned()),
            preview_labels: vec![
                "INBOX".to_owned(),
                "IMPORTANT".to_owned(),
                "STARRED".to_owned(),
            ],
            max_messages: 10_000,
            page_size: 100,
        }
    }
}

impl GmailSyncSettings {
    /// The received-mail query with the excluded categories made explicit, so a query the
    /// user rewrote still leaves promotions, social, forums and updates out.
    pub fn effective_query(&self) -> String {
        with_exclusions(&self.query)
    }

    pub fn effective_sent_query(&self) -> Option<String> {
        self.sent_query.as_deref().map(with_exclusions)
    }

    pub fn validate(&self) -> Result<()> {
        if self.query.trim().is_empty() {
            return Err(Error::invalid_field("gmail.query", "is required"));
        }
        if self
            .sent_query
            .as_deref()
            .is_some_and(|query| query.trim().is_empty())
        {
            return Err(Error::invalid_field(
                "gmail.sent_query",
                "must not be blank (leave it out to skip sent mail)",
            ));
        }
        if !(1..=500).contains(&self.page_size) {
            return Err(Error::invalid_field("gmail.page_size", "must be 1 to 500"));
        }
        if self.max_messages == 0 {
            return Err(Error::invalid_field(
                "gmail.max_messages",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

fn with_exclusions(query: &str) -> String {
    let lowered = query.to_lowercase();
    let mut effective = query.trim().to_owned();
    for category in EXCLUDED_CATEGORIES {
        if !lowered.contains(&format!("category:{category}")) {
            effective.push_str(&format!(" -category:{category}"));
        }
    }
    effective
}

/// Which calendar events to sync: those overlapping `[now − days_back, now + days_ahead]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CalendarSyncSettings {
    pub days_back: u32,
    pub days_ahead: u32,
    /// Events listed per page (Calendar allows up to 2500).
    pub page_size: u32,
}

impl Default for CalendarSyncSettings {
    fn default() -> Self {
        Self {
            days_back: 30,
            days_ahead: 30,
            page_size: 250,
        }
    }
}

impl CalendarSyncSettings {
    pub fn validate(&self) -> Result<()> {
        if self.days_back > 3650 || self.days_ahead > 3650 {
            return Err(Error::invalid_field(
                "calendar.days_back",
                "the window reaches at most ten years each way",
            ));
        }
        if !(1..=2500).contains(&self.page_size) {
            return Err(Error::invalid_field(
                "calendar.page_size",
                "must be 1 to 2500",
            ));
        }
        Ok(())
    }

    pub fn window(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let now = chrono::Utc::now();
        (
            now - chrono::Duration::days(i64::from(self.days_back)),
            now + chrono::Duration::days(i64::from(self.days_ahead)),
        )
    }
}

/// What a sync covers: Gmail, Calendar or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncSettings {
    pub gmail: Option<GmailSyncSettings>,
    pub calendar: Option<CalendarSyncSettings>,
}

impl SyncSettings {
    /// Both, with the defaults.
    pub fn everything() -> Self {
        Self {
            gmail: Some(GmailSyncSettings::default()),
            calendar: Some(CalendarSyncSettings::default()),
        }
    }
}

/// The Google account a sync is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleAccount {
    /// The sign-in's opaque account id.
    pub account_id: String,
    /// The account's address: mail from it is outgoing.
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excluded_categories_are_added_unless_the_query_names_them() {
        let settings = GmailSyncSettings {
            query: "newer_than:7d".to_owned(),
            ..GmailSyncSettings::default()
        };
        assert_eq!(
            settings.effective_query(),
            "newer_than:7d -category:promotions -category:social -category:forums \
             -category:updates"
        );
        let explicit = GmailSyncSettings {
            query: "category:social newer_than:7d".to_owned(),
            ..GmailSyncSettings::default()
        };
        assert!(!explicit.effective_query().contains("-category:social"));
    }
}

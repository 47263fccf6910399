//! Previews: what a sync would bring in, before anything is stored. Gmail: an estimate per
//! label and ten sample subjects for the query; Calendar: the number of events in the window
//! and five sample titles. Each preview is audited (counts only, never subjects).

use futures_util::{StreamExt, TryStreamExt};
use omnicrm_core::ingest::{AuditAction, NewAuditEntry, SyncProvider};
use omnicrm_core::Result;
use serde::{Deserialize, Serialize};

use super::GoogleSync;
use crate::calendar::{EventListing, EventsOutcome};
use crate::settings::EXCLUDED_CATEGORIES;
use crate::settings::{CalendarSyncSettings, GmailSyncSettings, GoogleAccount, SyncSettings};

const SAMPLE_SUBJECTS: usize = 10;
const SAMPLE_TITLES: usize = 5;
/// Calendar pages counted at most (2,500 events each).
const MAX_CALENDAR_PAGES: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LabelCount {
    pub label: String,
    /// Gmail's estimate of the matching messages with this label.
    pub messages: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GmailPreview {
    /// The received-mail query as it will run (exclusions made explicit).
    pub query: String,
    pub sent_query: Option<String>,
    /// Gmail's estimate for the received-mail query.
    pub estimated_messages: u32,
    /// Per label; `SENT` counts the sent-mail query.
    pub by_label: Vec<LabelCount>,
    pub sample_subjects: Vec<String>,
    pub excluded_categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CalendarPreview {
    pub window_start: String,
    pub window_end: String,
    pub events: u32,
    pub sample_titles: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncPreview {
    pub gmail: Option<GmailPreview>,
    pub calendar: Option<CalendarPreview>,
}

pub(super) async fn preview(
    sync: &GoogleSync,
    account: &GoogleAccount,
    settings: &SyncSettings,
) -> Result<SyncPreview> {
    let mut preview = SyncPreview::default();
    if let Some(gmail) = &settings.gmail {
        gmail.validate()?;
        let outcome = preview_gmail(sync, account, gmail).await;
        audit(sync, account, SyncProvider::Gmail, &outcome, |found| {
            serde_json::json!({
                "query": found.query, "sent_query": found.sent_query,
                "estimated_messages": found.estimated_messages, "by_label": found.by_label,
            })
        })
        .await?;
        preview.gmail = Some(outcome?);
    }
    if let Some(calendar) = &settings.calendar {
        calendar.validate()?;
        let outcome = preview_calendar(sync, account, calendar).await;
        audit(
            sync,
            account,
            SyncProvider::GoogleCalendar,
            &outcome,
            |found| {
                serde_json::json!({
                    "window_start": found.window_start, "window_end": found.window_end,
                    "events": found.events,
                })
            },
        )
        .await?;
        preview.calendar = Some(outcome?);
    }
    Ok(preview)
}

async fn audit<T>(
    sync: &GoogleSync,
    account: &GoogleAccount,
    provider: SyncProvider,
    outcome: &Result<T>,
    details: impl FnOnce(&T) -> serde_json::Value,
) -> Result<()> {
    let entry = NewAuditEntry {
        batch_id: None,
        account_id: account.account_id.clone(),
        provider: Some(provider),
        action: AuditAction::Preview,
        succeeded: outcome.is_ok(),
        details: match outcome {
            Ok(found) => details(found),
            Err(error) => serde_json::json!({ "error": error }),
        },
    };
    sync.core
        .run(move |core| core.ingest.record_audit(entry).map(|_| ()))
        .await
}

async fn preview_gmail(
    sync: &GoogleSync,
    account: &GoogleAccount,
    settings: &GmailSyncSettings,
) -> Result<GmailPreview> {
    let client = sync.gmail(&account.account_id)?;
    let query = settings.effective_query();
    let first = client
        .list_messages(&query, &[], None, SAMPLE_SUBJECTS as u32)
        .await?;
    let client_ref = &client;
    let sample_subjects: Vec<String> = futures_util::stream::iter(first.messages)
        .map(|message| async move { client_ref.get_subject(&message.id).await })
        .buffered(sync.fetch_concurrency)
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .flatten()
        .map(|subject| {
            if subject.is_empty() {
                "(no subject)".to_owned()
            } else {
                subject
            }
        })
        .collect();
    let mut by_label = Vec::new();
    for label in &settings.preview_labels {
        let page = client
            .list_messages(&query, std::slice::from_ref(label), None, 1)
            .await?;
        by_label.push(LabelCount {
            label: label.clone(),
            messages: page.result_size_estimate,
        });
    }
    let sent_query = settings.effective_sent_query();
    if let Some(sent) = &sent_query {
        let page = client.list_messages(sent, &[], None, 1).await?;
        by_label.push(LabelCount {
            label: "SENT".to_owned(),
            messages: page.result_size_estimate,
        });
    }
    Ok(GmailPreview {
        query,
        sent_query,
        estimated_messages: first.result_size_estimate,
        by_label,
        sample_subjects,
        excluded_categories: EXCLUDED_CATEGORIES
            .iter()
            .map(|category| (*category).to_owned())
            .collect(),
    })
}

async fn preview_calendar(
    sync: &GoogleSync,
    account: &GoogleAccount,
    settings: &CalendarSyncSettings,
) -> Result<CalendarPreview> {
    let client = sync.calendar(&account.account_id)?;
    let (start, end) = settings.window();
    let listing = EventListing::Window {
        start,
        end,
        show_deleted: false,
    };
    let mut events = 0u32;
    let mut sample_titles = Vec::new();
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_CALENDAR_PAGES {
        let EventsOutcome::Page(page) = client
            .list_events(&listing, page_token.as_deref(), 2500)
            .await?
        else {
            break;
        };
        for event in &page.items {
            if event.get("status").and_then(serde_json::Value::as_str) == Some("cancelled") {
                continue;
            }
            events += 1;
            if sample_titles.len() < SAMPLE_TITLES {
                sample_titles.push(
                    event
                        .get("summary")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("(no title)")
                        .to_owned(),
                );
            }
        }
        match page.next_page_token {
            Some(token) => page_token = Some(token),
            None => break,
        }
    }
    Ok(CalendarPreview {
        window_start: omnicrm_core::time::format_utc(start),
        window_end: omnicrm_core::time::format_utc(end),
        events,
        sample_titles,
    })
}

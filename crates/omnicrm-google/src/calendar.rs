//! The Calendar v3 call the sync makes: events.list on the primary calendar, in a time window
//! or incrementally from a sync token.

use chrono::{DateTime, Utc};
use omnicrm_core::{Error, ErrorCode, Result};
use serde::Deserialize;

use crate::gmail::decode;
use crate::http_retry::{Fetched, GoogleHttp};

/// Which events to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventListing {
    /// Events overlapping a window (a full sync, a preview).
    Window {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        /// Lists cancelled events too (`showDeleted`): a full sync that replaces an expired
        /// sync token must see the cancellations it would otherwise miss.
        show_deleted: bool,
    },
    /// Everything changed since the token (an incremental sync).
    Changes { sync_token: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsResponse {
    #[serde(default)]
    items: Vec<serde_json::Value>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    next_sync_token: Option<String>,
}

/// One page of events, each exactly as Google sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsPage {
    pub items: Vec<serde_json::Value>,
    pub next_page_token: Option<String>,
    /// On the last page: where the next incremental sync starts.
    pub next_sync_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventsOutcome {
    Page(EventsPage),
    /// 410 Gone: the sync token expired; sync in full again.
    SyncTokenExpired,
}

#[derive(Clone)]
pub struct CalendarClient {
    http: GoogleHttp,
    base: String,
}

impl CalendarClient {
    /// `base` is the API root up to and including `/calendar/v3`.
    pub fn new(http: GoogleHttp, base: &str) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// One page of the primary calendar's events. Recurring events come as their single
    /// instances. The page token alone continues an incremental listing; a window listing
    /// repeats its window with each page, as the API asks.
    pub async fn list_events(
        &self,
        listing: &EventListing,
        page_token: Option<&str>,
        max_results: u32,
    ) -> Result<EventsOutcome> {
        let mut parameters = vec![
            ("singleEvents", "true".to_owned()),
            ("maxResults", max_results.to_string()),
        ];
        match listing {
            EventListing::Window {
                start,
                end,
                show_deleted,
            } => {
                parameters.push(("timeMin", start.to_rfc3339()));
                parameters.push(("timeMax", end.to_rfc3339()));
                if *show_deleted {
                    parameters.push(("showDeleted", "true".to_owned()));
                }
            }
            EventListing::Changes { sync_token } => {
                if page_token.is_none() {
                    parameters.push(("syncToken", sync_token.clone()));
                }
            }
        }
        if let Some(token) = page_token {
            parameters.push(("pageToken", token.to_owned()));
        }
        let url = format!("{}/calendars/primary/events", self.base);
        match self.http.get(&url, &parameters).await? {
            Fetched::Gone => Ok(EventsOutcome::SyncTokenExpired),
            Fetched::NotFound => Err(Error::new(
                ErrorCode::Network,
                "Google Calendar answered that the primary calendar was not found",
            )),
            Fetched::Body(body) => {
                let response: EventsResponse = decode(&body, "events.list")?;
                Ok(EventsOutcome::Page(EventsPage {
                    items: response.items,
                    next_page_token: response.next_page_token,
                    next_sync_token: response.next_sync_token,
                }))
            }
        }
    }
}

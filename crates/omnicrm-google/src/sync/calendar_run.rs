//! Google Calendar: a full sync lists the window page by page, storing each page with the
//! position after it; the last page's `nextSyncToken` becomes the cursor. Later syncs list the
//! changes since that token, and sync in full again when Google answers 410 Gone.

use std::time::Instant;

use omnicrm_core::ingest::{CursorUpdate, SyncBatch, SyncProvider};
use omnicrm_core::{Error, ErrorCode, Result};

use super::{report_progress, settings_of, GoogleSync, ProviderRunReport, SyncMode, SyncProgress};
use crate::calendar::{CalendarClient, EventListing, EventsOutcome};
use crate::normalize::calendar_raw_event;
use crate::settings::CalendarSyncSettings;

const PROVIDER: SyncProvider = SyncProvider::GoogleCalendar;
const EVENTS: &str = "events";

pub(super) async fn run(
    sync: &GoogleSync,
    batch: &SyncBatch,
    progress: &dyn SyncProgress,
) -> Result<ProviderRunReport> {
    let settings = settings_of(batch)?.calendar.unwrap_or_default();
    let client = sync.calendar(&batch.account_id)?;
    let account_id = batch.account_id.clone();
    let cursor = sync
        .core
        .run(move |core| core.ingest.cursor(&account_id, PROVIDER))
        .await?;
    let run = Run {
        sync,
        batch,
        client: &client,
        settings: &settings,
        progress,
    };
    let mut report = ProviderRunReport::new(&batch.id, PROVIDER, SyncMode::Full);
    sync.normalize_leftovers(&batch.id, &mut report).await?;
    match cursor {
        Some(cursor) if cursor.page_stream.is_some() => {
            report.mode = SyncMode::ResumedFull;
            run.walk(Walk::Window, cursor.page_token, &mut report)
                .await?;
        }
        Some(cursor) if cursor.cursor.is_some() => {
            report.mode = SyncMode::Incremental;
            let token = cursor.cursor.unwrap_or_default();
            if !run.walk(Walk::Changes(token), None, &mut report).await? {
                tracing::info!("the Calendar sync token expired; syncing in full");
                report.mode = SyncMode::FullAfterExpiredCursor;
                run.start_full().await?;
                run.walk(Walk::Window, None, &mut report).await?;
            }
        }
        _ => {
            run.start_full().await?;
            run.walk(Walk::Window, None, &mut report).await?;
        }
    }
    Ok(report)
}

enum Walk {
    Window,
    Changes(String),
}

struct Run<'a> {
    sync: &'a GoogleSync,
    batch: &'a SyncBatch,
    client: &'a CalendarClient,
    settings: &'a CalendarSyncSettings,
    progress: &'a dyn SyncProgress,
}

impl Run<'_> {
    /// Marks a full sync under way, so a crash resumes it rather than starting over.
    async fn start_full(&self) -> Result<()> {
        self.sync
            .set_cursor(
                &self.batch.id,
                PROVIDER,
                CursorUpdate {
                    cursor: None,
                    page_stream: Some(EVENTS.to_owned()),
                    page_token: None,
                },
            )
            .await
    }

    /// Walks every page from `page_token`; `false` when the sync token has expired.
    async fn walk(
        &self,
        walk: Walk,
        mut page_token: Option<String>,
        report: &mut ProviderRunReport,
    ) -> Result<bool> {
        let listing = match &walk {
            Walk::Window => {
                let (start, end) = self.settings.window();
                // Cancelled events too: after an expired token (or an undo) the interactions
                // of events cancelled since must go; on a first sync they are stored skipped.
                EventListing::Window {
                    start,
                    end,
                    show_deleted: true,
                }
            }
            Walk::Changes(token) => EventListing::Changes {
                sync_token: token.clone(),
            },
        };
        loop {
            let started = Instant::now();
            let outcome = self
                .client
                .list_events(&listing, page_token.as_deref(), self.settings.page_size)
                .await?;
            report.fetch_seconds += started.elapsed().as_secs_f64();
            let page = match outcome {
                EventsOutcome::Page(page) => page,
                EventsOutcome::SyncTokenExpired => match walk {
                    Walk::Changes(_) => return Ok(false),
                    Walk::Window => {
                        return Err(Error::new(
                            ErrorCode::Network,
                            "Google Calendar answered 410 to a listing without a sync token",
                        ))
                    }
                },
            };
            report.listed += page.items.len() as u32;
            let items: Vec<_> = page
                .items
                .iter()
                .filter_map(|event| calendar_raw_event(event, &self.batch.account_email))
                .collect();
            let is_window = matches!(walk, Walk::Window);
            let position = match (&page.next_page_token, &page.next_sync_token) {
                (Some(token), _) if is_window => Some(CursorUpdate {
                    cursor: None,
                    page_stream: Some(EVENTS.to_owned()),
                    page_token: Some(token.clone()),
                }),
                // Mid-way through changes the old token stays: a crash re-reads them all.
                (Some(_), _) => None,
                (None, sync_token) => Some(CursorUpdate {
                    cursor: sync_token.clone(),
                    page_stream: None,
                    page_token: None,
                }),
            };
            self.sync
                .store(&self.batch.id, PROVIDER, items, position, report)
                .await?;
            report_progress(
                self.progress,
                report.stored.inserted + report.stored.already_stored,
                None,
            )
            .await?;
            match page.next_page_token {
                Some(token) => page_token = Some(token),
                None => return Ok(true),
            }
        }
    }
}

//! Gmail: a full sync walks the received-mail query, then the sent-mail query, page by page;
//! each page is stored together with the position after it, so a crash resumes at the page it
//! stopped at. The history id taken before the first page becomes the cursor; later syncs
//! read history.list from it, and fall back to a bounded full sync when Gmail answers 404
//! (the cursor is too old). After an incremental sync a reconciliation check lists the last
//! two days and fetches anything the history missed.

use std::collections::HashSet;
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};
use omnicrm_core::ingest::{
    AuditAction, CursorUpdate, NewAuditEntry, RawEventInput, SyncBatch, SyncProvider,
};
use omnicrm_core::Result;

use super::{report_progress, settings_of, GoogleSync, ProviderRunReport, SyncMode, SyncProgress};
use crate::gmail::{GmailClient, HistoryOutcome};
use crate::normalize::{excluded_by_labels, gmail_raw_event};
use crate::settings::GmailSyncSettings;

const PROVIDER: SyncProvider = SyncProvider::Gmail;
const RECEIVED: &str = "received";
const SENT: &str = "sent";
/// How far back the reconciliation check looks.
const RECONCILE_DAYS: u32 = 2;

pub(super) async fn run(
    sync: &GoogleSync,
    batch: &SyncBatch,
    progress: &dyn SyncProgress,
) -> Result<ProviderRunReport> {
    let settings = settings_of(batch)?.gmail.unwrap_or_default();
    let client = sync.gmail(&batch.account_id)?;
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
            let resume = Resume {
                history_id: cursor.cursor,
                stream: cursor.page_stream,
                page_token: cursor.page_token,
            };
            run.full(resume, &mut report).await?;
        }
        Some(cursor) if cursor.cursor.is_some() => {
            let start = cursor.cursor.unwrap_or_default();
            report.mode = SyncMode::Incremental;
            if run.incremental(&start, &mut report).await? {
                run.reconcile(&mut report).await?;
            } else {
                report.mode = SyncMode::FullAfterExpiredCursor;
                run.full(Resume::default(), &mut report).await?;
            }
        }
        _ => run.full(Resume::default(), &mut report).await?,
    }
    Ok(report)
}

/// Where a full sync goes on from.
#[derive(Default)]
struct Resume {
    history_id: Option<String>,
    stream: Option<String>,
    page_token: Option<String>,
}

struct Run<'a> {
    sync: &'a GoogleSync,
    batch: &'a SyncBatch,
    client: &'a GmailClient,
    settings: &'a GmailSyncSettings,
    progress: &'a dyn SyncProgress,
}

impl Run<'_> {
    fn streams(&self) -> Vec<(&'static str, String)> {
        let mut streams = vec![(RECEIVED, self.settings.effective_query())];
        if let Some(sent) = self.settings.effective_sent_query() {
            streams.push((SENT, sent));
        }
        streams
    }

    async fn full(&self, resume: Resume, report: &mut ProviderRunReport) -> Result<()> {
        let streams = self.streams();
        let history_id = match resume.history_id {
            Some(history_id) => history_id,
            None => {
                let started = Instant::now();
                let profile = self.client.profile().await?;
                report.fetch_seconds += started.elapsed().as_secs_f64();
                profile.history_id
            }
        };
        let first_stream = resume
            .stream
            .as_deref()
            .and_then(|name| streams.iter().position(|(stream, _)| *stream == name))
            .unwrap_or(0);
        if resume.stream.is_none() {
            self.sync
                .set_cursor(
                    &self.batch.id,
                    PROVIDER,
                    CursorUpdate {
                        cursor: Some(history_id.clone()),
                        page_stream: streams.first().map(|(name, _)| (*name).to_owned()),
                        page_token: None,
                    },
                )
                .await?;
        }
        let mut resume_token = resume.page_token;
        let mut total_estimate: Option<u32> = None;
        for (index, (name, query)) in streams.iter().enumerate().skip(first_stream) {
            let mut page_token = if index == first_stream {
                resume_token.take()
            } else {
                None
            };
            let mut taken = 0u32;
            loop {
                let started = Instant::now();
                let page = self
                    .client
                    .list_messages(query, &[], page_token.as_deref(), self.settings.page_size)
                    .await?;
                report.fetch_seconds += started.elapsed().as_secs_f64();
                if total_estimate.is_none() || page_token.is_none() {
                    let estimate = page.result_size_estimate.min(self.settings.max_messages);
                    total_estimate = Some(total_estimate.unwrap_or(0) + estimate);
                }
                let budget = self.settings.max_messages.saturating_sub(taken) as usize;
                let ids: Vec<String> = page
                    .messages
                    .into_iter()
                    .take(budget)
                    .map(|message| message.id)
                    .collect();
                taken += ids.len() as u32;
                report.listed += ids.len() as u32;
                let items = self.fetch(ids, report).await?;
                let next = page
                    .next_page_token
                    .filter(|_| taken < self.settings.max_messages);
                let position = match (&next, streams.get(index + 1)) {
                    (Some(token), _) => CursorUpdate {
                        cursor: Some(history_id.clone()),
                        page_stream: Some((*name).to_owned()),
                        page_token: Some(token.clone()),
                    },
                    (None, Some((following, _))) => CursorUpdate {
                        cursor: Some(history_id.clone()),
                        page_stream: Some((*following).to_owned()),
                        page_token: None,
                    },
                    (None, None) => CursorUpdate {
                        cursor: Some(history_id.clone()),
                        page_stream: None,
                        page_token: None,
                    },
                };
                self.sync
                    .store(&self.batch.id, PROVIDER, items, Some(position), report)
                    .await?;
                report_progress(
                    self.progress,
                    report.stored.inserted + report.stored.already_stored,
                    total_estimate,
                )
                .await?;
                match next {
                    Some(token) => page_token = Some(token),
                    None => break,
                }
            }
        }
        Ok(())
    }

    /// Reads history from `start`; `false` when the cursor has expired.
    async fn incremental(&self, start: &str, report: &mut ProviderRunReport) -> Result<bool> {
        let mut page_token: Option<String> = None;
        loop {
            let started = Instant::now();
            let outcome = self.client.history(start, page_token.as_deref()).await?;
            report.fetch_seconds += started.elapsed().as_secs_f64();
            let page = match outcome {
                HistoryOutcome::Expired => {
                    tracing::info!("the Gmail history cursor expired; syncing in full");
                    return Ok(false);
                }
                HistoryOutcome::Page(page) => page,
            };
            let mut wanted = Vec::new();
            for message in page.added {
                if excluded_by_labels(&message.label_ids).is_some() {
                    report.excluded += 1;
                } else {
                    wanted.push(message.id);
                }
            }
            report.listed += wanted.len() as u32;
            let items = self.fetch(wanted, report).await?;
            let position = page.next_page_token.is_none().then(|| CursorUpdate {
                cursor: Some(page.history_id.clone()),
                page_stream: None,
                page_token: None,
            });
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

    /// Lists the last days of each query and fetches what is not stored: mail the history
    /// cursor missed. Audited as `reconcile`.
    async fn reconcile(&self, report: &mut ProviderRunReport) -> Result<()> {
        let mut checked = 0u32;
        let mut missed: Vec<String> = Vec::new();
        for (_, query) in self.streams() {
            let recent = format!("{query} newer_than:{RECONCILE_DAYS}d");
            let mut page_token: Option<String> = None;
            loop {
                let started = Instant::now();
                let page = self
                    .client
                    .list_messages(&recent, &[], page_token.as_deref(), 500)
                    .await?;
                report.fetch_seconds += started.elapsed().as_secs_f64();
                let ids: Vec<String> = page
                    .messages
                    .into_iter()
                    .map(|message| message.id)
                    .collect();
                checked += ids.len() as u32;
                let stored = self.stored(&ids).await?;
                missed.extend(ids.into_iter().filter(|id| !stored.contains(id)));
                match page.next_page_token {
                    Some(token) if checked < self.settings.max_messages => page_token = Some(token),
                    _ => break,
                }
            }
        }
        missed.dedup();
        if !missed.is_empty() {
            tracing::warn!(count = missed.len(), "the Gmail history missed messages");
            let items = self.fetch(missed.clone(), report).await?;
            self.sync
                .store(&self.batch.id, PROVIDER, items, None, report)
                .await?;
        }
        let entry = NewAuditEntry {
            batch_id: Some(self.batch.id.clone()),
            account_id: self.batch.account_id.clone(),
            provider: Some(PROVIDER),
            action: AuditAction::Reconcile,
            succeeded: true,
            details: serde_json::json!({
                "days": RECONCILE_DAYS, "checked": checked, "missed": missed,
            }),
        };
        self.sync
            .core
            .run(move |core| core.ingest.record_audit(entry).map(|_| ()))
            .await?;
        report.missed_by_cursor = missed;
        Ok(())
    }

    async fn stored(&self, ids: &[String]) -> Result<HashSet<String>> {
        let ids = ids.to_vec();
        self.sync
            .core
            .run(move |core| core.ingest.stored_source_ids(PROVIDER, &ids))
            .await
    }

    /// Fetches the messages not stored yet, a few at a time, and reads them.
    async fn fetch(
        &self,
        ids: Vec<String>,
        report: &mut ProviderRunReport,
    ) -> Result<Vec<RawEventInput>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stored = self.stored(&ids).await?;
        let missing: Vec<String> = ids.into_iter().filter(|id| !stored.contains(id)).collect();
        let started = Instant::now();
        let client = self.client;
        let fetched: Vec<(String, Option<String>)> = futures_util::stream::iter(missing)
            .map(|id| async move { client.get_message(&id).await.map(|body| (id, body)) })
            .buffer_unordered(self.sync.fetch_concurrency)
            .try_collect()
            .await?;
        report.fetched += fetched.len() as u32;
        let account_email = self.batch.account_email.clone();
        let items = tokio::task::spawn_blocking(move || {
            fetched
                .into_iter()
                .filter_map(|(id, body)| {
                    body.map(|body| gmail_raw_event(&id, body, &account_email))
                })
                .collect::<Vec<_>>()
        })
        .await?;
        report.fetch_seconds += started.elapsed().as_secs_f64();
        Ok(items)
    }
}

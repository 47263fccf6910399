//! The sync of one Google account: preview → approve (a batch and its jobs) → run (fetch, raw
//! events, normalize, suggestions) → undo. The storing and deciding is omnicrm-core's
//! `ingest`; this module talks to Google and drives it.

mod calendar_run;
mod gmail_run;
mod preview;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use omnicrm_core::ingest::{
    AuditAction, CursorUpdate, NewAuditEntry, NewSyncBatch, NormalizeOutcome, RawEventInput,
    StoredPage, SyncBatch, SyncBatchStatus, SyncProvider, SyncUndoHook, SyncUndoOutcome,
};
use omnicrm_core::integrations::{
    AccountStatus, IntegrationAccount, IntegrationAccountService, IntegrationProvider,
};
use omnicrm_core::{Core, Error, ErrorCode, Result};
use omnicrm_jobs::{JobQueue, JobStatus, NewJob};
use serde::{Deserialize, Serialize};

use crate::calendar::CalendarClient;
use crate::gmail::GmailClient;
use crate::http_retry::{GoogleHttp, RetryPolicy};
use crate::settings::{GoogleAccount, SyncSettings};
use crate::{AccessTokenSource, GoogleEndpoints};

pub use preview::{CalendarPreview, GmailPreview, LabelCount, SyncPreview};

/// The job kind that syncs Gmail for a batch (payload `{"batch_id": ...}`).
pub const GMAIL_SYNC_JOB: &str = "google.gmail.sync";
/// The job kind that syncs Google Calendar for a batch (payload `{"batch_id": ...}`).
pub const CALENDAR_SYNC_JOB: &str = "google.calendar.sync";
/// The recurring job that approves the next incremental sync of every connected account
/// (payload `{}`); see [`GoogleSync::approve_due`].
pub const SCHEDULED_SYNC_JOB: &str = "google.sync.scheduled";

/// Raw events normalized per transaction.
const NORMALIZE_CHUNK: u32 = 2_000;

/// Gives the access tokens of each signed-in account.
pub trait AccountTokens: Send + Sync {
    fn token_source(&self, account_id: &str) -> Result<Arc<dyn AccessTokenSource>>;
}

/// One token source for every account (tests, the fake server, a token from the environment).
pub struct SameTokenForEveryAccount(pub Arc<dyn AccessTokenSource>);

impl AccountTokens for SameTokenForEveryAccount {
    fn token_source(&self, _account_id: &str) -> Result<Arc<dyn AccessTokenSource>> {
        Ok(self.0.clone())
    }
}

/// A boxed future, so [`SyncProgress`] stays object safe.
pub type ProgressFuture<'a> = Pin<Box<dyn Future<Output = Result<bool>> + Send + 'a>>;

/// Where a running sync reports how far it got.
pub trait SyncProgress: Send + Sync {
    /// `done` of `total` items; answers `true` when the user asked to stop.
    fn report(&self, done: u32, total: Option<u32>) -> ProgressFuture<'_>;
}

/// Progress nobody watches.
pub struct NoProgress;

impl SyncProgress for NoProgress {
    fn report(&self, _done: u32, _total: Option<u32>) -> ProgressFuture<'_> {
        Box::pin(async { Ok(false) })
    }
}

/// How a provider's run went about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// No cursor yet: everything the settings cover, page by page.
    Full,
    /// A full sync that had stopped part-way (a crash, a cancelled job) went on from its page.
    ResumedFull,
    /// From the cursor (Gmail history, Calendar sync token).
    Incremental,
    /// The cursor had expired (Gmail 404, Calendar 410): a bounded full sync instead.
    FullAfterExpiredCursor,
}

/// What one provider's run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderRunReport {
    pub batch_id: String,
    pub provider: SyncProvider,
    pub mode: SyncMode,
    /// Items the listings named.
    pub listed: u32,
    /// Items fetched one by one (Gmail messages).
    pub fetched: u32,
    pub stored: StoredPage,
    /// Mail the history named but the sync leaves out (promotions, chats, drafts...).
    pub excluded: u32,
    pub normalize: NormalizeOutcome,
    /// Messages the reconciliation check found that the incremental cursor had missed (they
    /// are fetched and stored too).
    pub missed_by_cursor: Vec<String>,
    /// Wall time waiting for Google (listing and fetching, parsing included).
    pub fetch_seconds: f64,
    /// Wall time storing raw events and normalizing them.
    pub store_seconds: f64,
}

impl ProviderRunReport {
    fn new(batch_id: &str, provider: SyncProvider, mode: SyncMode) -> Self {
        Self {
            batch_id: batch_id.to_owned(),
            provider,
            mode,
            listed: 0,
            fetched: 0,
            stored: StoredPage::default(),
            excluded: 0,
            normalize: NormalizeOutcome::default(),
            missed_by_cursor: Vec::new(),
            fetch_seconds: 0.0,
            store_seconds: 0.0,
        }
    }
}

/// An approved sync: its batch and the jobs that will run it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ApprovedSync {
    pub batch: SyncBatch,
    pub job_ids: Vec<String>,
}

/// Syncs Google accounts into one OmniCRM store.
#[derive(Clone)]
pub struct GoogleSync {
    core: Core,
    endpoints: GoogleEndpoints,
    tokens: Arc<dyn AccountTokens>,
    retry: RetryPolicy,
    fetch_concurrency: usize,
    undo_hooks: Vec<Arc<dyn SyncUndoHook>>,
}

impl GoogleSync {
    pub fn new(core: Core, endpoints: GoogleEndpoints, tokens: Arc<dyn AccountTokens>) -> Self {
        Self {
            core,
            endpoints,
            tokens,
            retry: RetryPolicy::default(),
            fetch_concurrency: 8,
            undo_hooks: Vec::new(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Messages fetched at once (Gmail allows a handful of concurrent requests per user).
    pub fn with_fetch_concurrency(mut self, concurrency: usize) -> Self {
        self.fetch_concurrency = concurrency.clamp(1, 32);
        self
    }

    /// Adds what must also go when a batch is undone (embeddings, insights).
    pub fn with_undo_hook(mut self, hook: Arc<dyn SyncUndoHook>) -> Self {
        self.undo_hooks.push(hook);
        self
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    fn http(&self, account_id: &str) -> Result<GoogleHttp> {
        GoogleHttp::new(self.tokens.token_source(account_id)?, self.retry)
    }

    fn gmail(&self, account_id: &str) -> Result<GmailClient> {
        Ok(GmailClient::new(
            self.http(account_id)?,
            &self.endpoints.gmail_api_base,
        ))
    }

    fn calendar(&self, account_id: &str) -> Result<CalendarClient> {
        Ok(CalendarClient::new(
            self.http(account_id)?,
            &self.endpoints.calendar_api_base,
        ))
    }

    /// The settings of the account's last sync, which "sync now" and the recurring sync reuse;
    /// `None` before its first sync.
    pub async fn last_settings(&self, account_id: &str) -> Result<Option<SyncSettings>> {
        let id = account_id.to_owned();
        let last = self
            .core
            .run(move |core| core.ingest.batches(Some(&id), 1))
            .await?;
        last.first().map(settings_of).transpose()
    }

    /// Counts and samples of what a sync would bring in, writing nothing but the audit.
    #[tracing::instrument(skip_all, fields(account = %account.account_id))]
    pub async fn preview(
        &self,
        account: &GoogleAccount,
        settings: &SyncSettings,
    ) -> Result<SyncPreview> {
        preview::preview(self, account, settings).await
    }

    /// Creates the batch (audited) and enqueues one sync job per provider.
    #[tracing::instrument(skip_all, fields(account = %account.account_id))]
    pub async fn approve(
        &self,
        queue: &JobQueue,
        account: &GoogleAccount,
        settings: &SyncSettings,
    ) -> Result<ApprovedSync> {
        let mut providers = Vec::new();
        if let Some(gmail) = &settings.gmail {
            gmail.validate()?;
            providers.push(SyncProvider::Gmail);
        }
        if let Some(calendar) = &settings.calendar {
            calendar.validate()?;
            providers.push(SyncProvider::GoogleCalendar);
        }
        let new_batch = NewSyncBatch {
            account_id: account.account_id.clone(),
            account_email: account.email.clone(),
            providers: providers.clone(),
            settings: serde_json::to_value(settings)?,
        };
        let batch = self
            .core
            .run(move |core| core.ingest.approve(new_batch))
            .await?;
        let queue = queue.clone();
        let batch_id = batch.id.clone();
        let job_ids = tokio::task::spawn_blocking(move || {
            providers
                .iter()
                .map(|provider| {
                    let kind = job_kind(*provider);
                    let mut job = NewJob::new(kind, serde_json::json!({ "batch_id": batch_id }));
                    job.batch_id = Some(batch_id.clone());
                    job.idempotency_key = Some(format!("{batch_id}:{kind}"));
                    queue.enqueue(job).map(|job| job.id)
                })
                .collect::<Result<Vec<_>>>()
        })
        .await??;
        Ok(ApprovedSync { batch, job_ids })
    }

    /// Runs one provider's sync of a batch: what a job does. Audited as `run`.
    #[tracing::instrument(skip(self, progress))]
    pub async fn run(
        &self,
        batch_id: &str,
        provider: SyncProvider,
        progress: &dyn SyncProgress,
    ) -> Result<ProviderRunReport> {
        let id = batch_id.to_owned();
        let batch = self
            .core
            .run(move |core| core.ingest.start_batch(&id))
            .await?;
        if !batch.providers.contains(&provider) {
            return Err(Error::invalid_field(
                "provider",
                format!("batch {batch_id} does not sync {}", provider.as_str()),
            ));
        }
        let outcome = match provider {
            SyncProvider::Gmail => gmail_run::run(self, &batch, progress).await,
            SyncProvider::GoogleCalendar => calendar_run::run(self, &batch, progress).await,
        };
        self.record_run(&batch, provider, &outcome).await?;
        outcome
    }

    async fn record_run(
        &self,
        batch: &SyncBatch,
        provider: SyncProvider,
        outcome: &Result<ProviderRunReport>,
    ) -> Result<()> {
        let details = match outcome {
            Ok(report) => serde_json::to_value(report)?,
            Err(error) => serde_json::json!({ "error": error }),
        };
        let entry = NewAuditEntry {
            batch_id: Some(batch.id.clone()),
            account_id: batch.account_id.clone(),
            provider: Some(provider),
            action: AuditAction::Run,
            succeeded: outcome.is_ok(),
            details,
        };
        let batch_id = batch.id.clone();
        let account_id = batch.account_id.clone();
        let error = outcome.as_ref().err().cloned();
        self.core
            .run(move |core| {
                core.ingest.record_audit(entry)?;
                match error {
                    None => {
                        let batch = core.ingest.finish_provider(&batch_id, provider)?;
                        if batch.status != SyncBatchStatus::Completed {
                            return Ok(());
                        }
                        let summary = batch_summary(&batch);
                        on_account(core, &account_id, |accounts| {
                            accounts.record_sync(&account_id, &summary)
                        })
                    }
                    // An undone batch takes no more status changes; the audit says enough.
                    Some(error) if error.code == ErrorCode::Cancelled => Ok(()),
                    Some(error) => {
                        core.ingest.fail_batch(&batch_id, &error.message)?;
                        on_account(core, &account_id, |accounts| {
                            accounts.record_error(&account_id, &error.message)
                        })
                    }
                }
            })
            .await
    }

    /// Approves the next incremental sync of every connected Google account that has synced
    /// before, with the settings of its last batch: what the recurring job does. An account is
    /// left alone while its last batch is still at work (its jobs queued, running or waiting to
    /// retry), when the user undid its last batch (they chose to take that history out), or
    /// when it never synced (the first sync waits for the user's preview and approval).
    #[tracing::instrument(skip_all)]
    pub async fn approve_due(&self, queue: &JobQueue) -> Result<Vec<ApprovedSync>> {
        let due = {
            let queue = queue.clone();
            self.core
                .run(move |core| due_accounts(core, &queue))
                .await?
        };
        let mut approved = Vec::new();
        for (account, settings) in due {
            approved.push(self.approve(queue, &account, &settings).await?);
        }
        Ok(approved)
    }

    /// Undoes a batch: its jobs are cancelled, then everything it created is removed.
    #[tracing::instrument(skip(self, queue))]
    pub async fn undo(&self, queue: Option<&JobQueue>, batch_id: &str) -> Result<SyncUndoOutcome> {
        if let Some(queue) = queue {
            let queue = queue.clone();
            let id = batch_id.to_owned();
            tokio::task::spawn_blocking(move || cancel_jobs(&queue, &id)).await??;
        }
        let hooks = self.undo_hooks.clone();
        let id = batch_id.to_owned();
        self.core
            .run(move |core| {
                let hooks: Vec<&dyn SyncUndoHook> =
                    hooks.iter().map(|hook| hook.as_ref()).collect();
                core.ingest.undo_batch(&id, &hooks)
            })
            .await
    }

    /// Stores a page and its cursor, then normalizes what is pending; returns the page's
    /// counts and adds the timing to the report.
    async fn store(
        &self,
        batch_id: &str,
        provider: SyncProvider,
        items: Vec<RawEventInput>,
        cursor: Option<CursorUpdate>,
        report: &mut ProviderRunReport,
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let id = batch_id.to_owned();
        let (stored, normalized) = self
            .core
            .run(move |core| {
                let stored = core.ingest.store_page(
                    &id,
                    &items,
                    cursor.as_ref().map(|update| (provider, update)),
                )?;
                let normalized = normalize_all(core, &id)?;
                Ok((stored, normalized))
            })
            .await?;
        report.stored.inserted += stored.inserted;
        report.stored.already_stored += stored.already_stored;
        report.stored.revisions += stored.revisions;
        report.stored.outdated += stored.outdated;
        report.normalize.add(normalized);
        report.store_seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Moves a cursor without storing anything.
    async fn set_cursor(
        &self,
        batch_id: &str,
        provider: SyncProvider,
        update: CursorUpdate,
    ) -> Result<()> {
        let id = batch_id.to_owned();
        self.core
            .run(move |core| core.ingest.set_cursor(&id, provider, &update))
            .await
    }

    /// Normalizes whatever a crashed attempt stored but did not get to.
    async fn normalize_leftovers(
        &self,
        batch_id: &str,
        report: &mut ProviderRunReport,
    ) -> Result<()> {
        let id = batch_id.to_owned();
        let normalized = self.core.run(move |core| normalize_all(core, &id)).await?;
        report.normalize.add(normalized);
        Ok(())
    }
}

fn normalize_all(core: &Core, batch_id: &str) -> Result<NormalizeOutcome> {
    let mut total = NormalizeOutcome::default();
    loop {
        let outcome = core.ingest.normalize_pending(batch_id, NORMALIZE_CHUNK)?;
        total.add(outcome);
        if outcome.processed() < NORMALIZE_CHUNK {
            return Ok(total);
        }
    }
}

/// What a finished batch brought, in plain words for the account's "last sync" line.
fn batch_summary(batch: &SyncBatch) -> String {
    if batch.fetched == 0 {
        return "nothing new".to_owned();
    }
    let mut summary = format!(
        "{} new {}, {} became interactions",
        batch.fetched,
        if batch.fetched == 1 { "item" } else { "items" },
        batch.normalized
    );
    if batch.suggested > 0 {
        summary.push_str(&format!(
            ", {} {} suggested",
            batch.suggested,
            if batch.suggested == 1 {
                "person"
            } else {
                "people"
            }
        ));
    }
    summary
}

/// Records a sync's end on its integration account. A sync run with a bare access token (the
/// CLI's `OMNICRM_GOOGLE_ACCESS_TOKEN`, tests) has no account row; that is not an error.
fn on_account(
    core: &Core,
    account_id: &str,
    record: impl FnOnce(&IntegrationAccountService) -> Result<IntegrationAccount>,
) -> Result<()> {
    match core.integrations.get(account_id) {
        Ok(_) => record(&core.integrations).map(|_| ()),
        Err(error) if error.code == ErrorCode::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

/// The connected Google accounts whose next incremental sync is due, with their settings.
fn due_accounts(core: &Core, queue: &JobQueue) -> Result<Vec<(GoogleAccount, SyncSettings)>> {
    let busy: std::collections::HashSet<String> = queue
        .list(
            &[JobStatus::Queued, JobStatus::Running, JobStatus::Failed],
            10_000,
        )?
        .into_iter()
        .filter_map(|job| job.batch_id)
        .collect();
    let mut due = Vec::new();
    for account in core.integrations.list()? {
        if account.provider != IntegrationProvider::Google
            || account.status != AccountStatus::Connected
        {
            continue;
        }
        let Some(last) = core
            .ingest
            .batches(Some(&account.id), 1)?
            .into_iter()
            .next()
        else {
            continue;
        };
        if last.status == SyncBatchStatus::Undone || busy.contains(&last.id) {
            continue;
        }
        due.push((
            GoogleAccount {
                account_id: account.id.clone(),
                email: account.email.clone(),
            },
            settings_of(&last)?,
        ));
    }
    Ok(due)
}

pub fn job_kind(provider: SyncProvider) -> &'static str {
    match provider {
        SyncProvider::Gmail => GMAIL_SYNC_JOB,
        SyncProvider::GoogleCalendar => CALENDAR_SYNC_JOB,
    }
}

fn cancel_jobs(queue: &JobQueue, batch_id: &str) -> Result<()> {
    let open = queue.list(
        &[
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Failed,
            JobStatus::Dead,
        ],
        10_000,
    )?;
    for job in open
        .iter()
        .filter(|job| job.batch_id.as_deref() == Some(batch_id))
    {
        match queue.cancel(&job.id) {
            Ok(_) => {}
            // It finished in the meantime: nothing to stop.
            Err(error) if error.code == ErrorCode::Conflict => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Reads the settings a batch was approved with.
fn settings_of(batch: &SyncBatch) -> Result<SyncSettings> {
    serde_json::from_value(batch.settings.clone())
        .map_err(|error| Error::internal(format!("the batch's settings cannot be read: {error}")))
}

/// Reports progress and turns a cancellation into the `cancelled` error.
async fn report_progress(progress: &dyn SyncProgress, done: u32, total: Option<u32>) -> Result<()> {
    if progress.report(done, total).await? {
        return Err(Error::new(ErrorCode::Cancelled, "the sync was cancelled"));
    }
    Ok(())
}

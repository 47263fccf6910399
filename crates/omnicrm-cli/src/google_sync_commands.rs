//! `omnicrm google preview|sync|undo|batches|suggestions`: Gmail and Calendar sync from the
//! command line. `sync` approves a batch and runs its jobs in this process until they finish.
//!
//! The account is one connected with `omnicrm google connect`: its stored sign-in gives the
//! tokens (refreshed as needed). With `OMNICRM_GOOGLE_ACCESS_TOKEN` set, that bare token is used
//! for the named address instead (scripts, the fake server). The API roots can be pointed
//! elsewhere with `OMNICRM_GOOGLE_GMAIL_API_BASE` and `OMNICRM_GOOGLE_CALENDAR_API_BASE`.

use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use omnicrm_core::ingest::{ContactSuggestion, SuggestionStatus, SyncBatch};
use omnicrm_core::integrations::{IntegrationAccount, IntegrationProvider};
use omnicrm_core::{Core, Error, ErrorCode, Result};
use omnicrm_google::{
    environment, register_sync_handlers, CalendarSyncSettings, FixedAccessToken, GmailSyncSettings,
    GoogleAccount, GoogleSync, SameTokenForEveryAccount, SyncSettings,
};
use omnicrm_jobs::{JobQueue, JobRunner, JobStatus};

use crate::output::Printer;

const TOKEN_VARIABLE: &str = "OMNICRM_GOOGLE_ACCESS_TOKEN";

#[derive(Debug, Subcommand)]
pub enum GoogleSyncCommand {
    /// Show what a sync would bring in (counts and samples); stores nothing.
    Preview(ScopeArgs),
    /// Approve a sync and run it now: raw events, interactions, contact suggestions.
    Sync(ScopeArgs),
    /// Undo a sync batch: everything it created is removed.
    Undo { batch_id: String },
    /// Past sync batches, newest first.
    Batches {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// People seen in synced mail and calendars: list, approve as contacts, dismiss.
    #[command(subcommand)]
    Suggestions(SuggestionsCommand),
}

#[derive(Debug, Subcommand)]
pub enum SuggestionsCommand {
    /// Suggestions waiting for a decision.
    List,
    /// Create the contact (and link the mail and events that waited for them).
    Approve {
        id: String,
        /// The contact's name (default: the name in the mail, else from the address).
        #[arg(long)]
        name: Option<String>,
    },
    /// Never suggest this address again.
    Dismiss { id: String },
}

#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// The Google account's address (default: the only connected account).
    #[arg(long, env = "OMNICRM_GOOGLE_ACCOUNT_EMAIL")]
    pub account_email: Option<String>,
    /// With a bare access token: the account id to file the sync under (default: the address).
    #[arg(long)]
    pub account_id: Option<String>,
    /// The Gmail query for received mail.
    #[arg(long)]
    pub query: Option<String>,
    /// The Gmail query for sent mail.
    #[arg(long, conflicts_with = "no_sent")]
    pub sent_query: Option<String>,
    /// Leave sent mail out.
    #[arg(long)]
    pub no_sent: bool,
    /// Most messages per query in a full sync.
    #[arg(long)]
    pub max_messages: Option<u32>,
    /// Calendar days back from today.
    #[arg(long)]
    pub days_back: Option<u32>,
    /// Calendar days ahead of today.
    #[arg(long)]
    pub days_ahead: Option<u32>,
    /// Gmail only.
    #[arg(long, conflicts_with = "calendar_only")]
    pub gmail_only: bool,
    /// Calendar only.
    #[arg(long)]
    pub calendar_only: bool,
}

impl ScopeArgs {
    /// The sync and the account it is for. A bare token from the environment syncs the named
    /// address; otherwise the connected account's stored sign-in is used.
    async fn sync_and_account(&self, core: &Core) -> Result<(GoogleSync, GoogleAccount)> {
        if let Some(token) = bare_token() {
            let email = self.account_email.clone().ok_or_else(|| {
                Error::invalid_field(
                    "account_email",
                    format!("is required with {TOKEN_VARIABLE}"),
                )
            })?;
            let account = GoogleAccount {
                account_id: self
                    .account_id
                    .clone()
                    .unwrap_or_else(|| email.trim().to_lowercase()),
                email,
            };
            return Ok((token_sync(core, token), account));
        }
        let connected: Vec<IntegrationAccount> = core
            .integrations
            .list()?
            .into_iter()
            .filter(|account| account.provider == IntegrationProvider::Google)
            .collect();
        let chosen = match &self.account_email {
            Some(email) => connected
                .iter()
                .find(|account| account.email.eq_ignore_ascii_case(email.trim())),
            None if connected.len() == 1 => connected.first(),
            None if connected.is_empty() => {
                return Err(Error::new(
                    ErrorCode::AuthRequired,
                    "no Google account is connected: run `omnicrm google connect` first",
                ))
            }
            None => {
                return Err(Error::invalid_field(
                    "account_email",
                    "is required: more than one Google account is connected",
                ))
            }
        };
        let Some(chosen) = chosen else {
            return Err(Error::new(
                ErrorCode::AuthRequired,
                format!(
                    "{} is not connected: run `omnicrm google connect` first",
                    self.account_email.as_deref().unwrap_or_default()
                ),
            ));
        };
        let accounts = environment::accounts_from_env(core)?;
        let account = accounts.sync_account(&chosen.id).await?;
        let sync = GoogleSync::new(
            core.clone(),
            environment::endpoints_from_env(),
            Arc::new(accounts),
        );
        Ok((sync, account))
    }

    fn settings(&self) -> SyncSettings {
        let gmail = (!self.calendar_only).then(|| {
            let defaults = GmailSyncSettings::default();
            GmailSyncSettings {
                query: self.query.clone().unwrap_or(defaults.query),
                sent_query: if self.no_sent {
                    None
                } else {
                    self.sent_query.clone().or(defaults.sent_query)
                },
                max_messages: self.max_messages.unwrap_or(defaults.max_messages),
                ..GmailSyncSettings::default()
            }
        });
        let calendar = (!self.gmail_only).then(|| {
            let defaults = CalendarSyncSettings::default();
            CalendarSyncSettings {
                days_back: self.days_back.unwrap_or(defaults.days_back),
                days_ahead: self.days_ahead.unwrap_or(defaults.days_ahead),
                ..defaults
            }
        });
        SyncSettings { gmail, calendar }
    }
}

pub fn run_google_sync(core: &Core, command: GoogleSyncCommand, printer: &Printer) -> Result<()> {
    match command {
        GoogleSyncCommand::Batches { limit } => {
            let batches = core.ingest.batches(None, limit)?;
            printer.value(&batches, || batches_text(&batches))
        }
        GoogleSyncCommand::Suggestions(command) => suggestions(core, command, printer),
        command => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|error| Error::io("could not start the async runtime", &error))?;
            runtime.block_on(run_async(core, command, printer))
        }
    }
}

async fn run_async(core: &Core, command: GoogleSyncCommand, printer: &Printer) -> Result<()> {
    let queue = JobQueue::new(core.database.clone());
    match command {
        GoogleSyncCommand::Preview(scope) => {
            let (sync, account) = scope.sync_and_account(core).await?;
            let preview = sync.preview(&account, &scope.settings()).await?;
            printer.value(&preview, || {
                let mut text = String::new();
                if let Some(gmail) = &preview.gmail {
                    text.push_str(&format!(
                        "Gmail: about {} messages for \"{}\"\n",
                        gmail.estimated_messages, gmail.query
                    ));
                    for count in &gmail.by_label {
                        text.push_str(&format!("  {:<10} {}\n", count.label, count.messages));
                    }
                    for subject in &gmail.sample_subjects {
                        text.push_str(&format!("  · {subject}\n"));
                    }
                }
                if let Some(calendar) = &preview.calendar {
                    text.push_str(&format!(
                        "Calendar: {} events from {} to {}\n",
                        calendar.events, calendar.window_start, calendar.window_end
                    ));
                    for title in &calendar.sample_titles {
                        text.push_str(&format!("  · {title}\n"));
                    }
                }
                text.push_str("Nothing was stored. Run `omnicrm google sync` with the same options to approve.");
                text
            })
        }
        GoogleSyncCommand::Sync(scope) => {
            let (sync, account) = scope.sync_and_account(core).await?;
            let sync = Arc::new(sync);
            let approved = sync.approve(&queue, &account, &scope.settings()).await?;
            let runner = register_sync_handlers(
                JobRunner::new(queue.clone(), 2).poll_interval(Duration::from_millis(100)),
                sync.clone(),
                queue.clone(),
            )
            .start();
            let finished = wait_for_jobs(&queue, &approved.job_ids).await;
            runner.shutdown().await?;
            finished?;
            let batch = core.ingest.batch(&approved.batch.id)?;
            let counts = core.ingest.raw_event_counts(&batch.id)?;
            let summary = serde_json::json!({ "batch": batch, "raw_events": counts });
            printer.value(&summary, || {
                format!(
                    "Synced: {} items stored, {} became interactions, {} wait for a contact, \
                     {} skipped; {} people suggested.\nBatch {}; undo with: omnicrm google undo {}",
                    counts.total(),
                    counts.normalized,
                    counts.unlinked,
                    counts.skipped,
                    batch.suggested,
                    batch.id,
                    batch.id
                )
            })
        }
        GoogleSyncCommand::Undo { batch_id } => {
            let sync = google_sync_without_token(core);
            let outcome = sync.undo(Some(&queue), &batch_id).await?;
            printer.value(&outcome, || {
                let mut text = format!(
                    "Undone: {} interactions, {} contacts, {} raw events and {} suggestions of \
                     batch {} are gone.",
                    outcome.interactions_removed,
                    outcome.contacts_removed,
                    outcome.raw_events_removed,
                    outcome.suggestions_removed,
                    outcome.batch_id
                );
                if !outcome.contacts_kept.is_empty() {
                    text.push_str(&format!(
                        "\nKept {} contacts you worked on since (no longer part of the sync):",
                        outcome.contacts_kept.len()
                    ));
                    for kept in &outcome.contacts_kept {
                        text.push_str(&format!(
                            "\n  {} ({}): {}",
                            kept.display_name,
                            kept.contact_id,
                            kept.reasons.join(", ")
                        ));
                    }
                }
                text
            })
        }
        GoogleSyncCommand::Batches { .. } | GoogleSyncCommand::Suggestions(_) => Err(
            Error::internal("this command does not need the async runtime"),
        ),
    }
}

/// Waits until every job has ended; a job that ends dead or canceled is an error.
async fn wait_for_jobs(queue: &JobQueue, job_ids: &[String]) -> Result<()> {
    loop {
        let mut open = false;
        for id in job_ids {
            let job = queue.get(id)?;
            match job.status {
                JobStatus::Succeeded => {}
                JobStatus::Dead | JobStatus::Canceled => {
                    return Err(Error::new(
                        ErrorCode::Network,
                        format!(
                            "the {} job stopped: {}",
                            job.kind,
                            job.last_error.unwrap_or_default()
                        ),
                    ))
                }
                JobStatus::Queued | JobStatus::Running | JobStatus::Failed => open = true,
            }
        }
        if !open {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `OMNICRM_GOOGLE_ACCESS_TOKEN`, when set and not blank.
fn bare_token() -> Option<String> {
    std::env::var(TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.trim().is_empty())
}

fn token_sync(core: &Core, token: String) -> GoogleSync {
    let tokens = SameTokenForEveryAccount(Arc::new(FixedAccessToken(token)));
    GoogleSync::new(
        core.clone(),
        environment::endpoints_from_env(),
        Arc::new(tokens),
    )
}

/// Undo talks to no server, so it needs no token.
fn google_sync_without_token(core: &Core) -> GoogleSync {
    token_sync(core, String::new())
}

fn suggestions(core: &Core, command: SuggestionsCommand, printer: &Printer) -> Result<()> {
    match command {
        SuggestionsCommand::List => {
            let pending = core.ingest.suggestions(SuggestionStatus::Pending)?;
            printer.value(&pending, || suggestions_text(&pending))
        }
        SuggestionsCommand::Approve { id, name } => {
            let approval = core.ingest.approve_suggestion(&id, name.as_deref())?;
            printer.value(&approval, || {
                format!(
                    "Added {} ({}); {} synced items are now linked to them.",
                    approval.contact.display_name,
                    approval.contact.id,
                    approval.linked_interactions
                )
            })
        }
        SuggestionsCommand::Dismiss { id } => {
            let dismissed = core.ingest.dismiss_suggestion(&id)?;
            printer.value(&dismissed, || {
                format!("{} will not be suggested again.", dismissed.email)
            })
        }
    }
}

fn suggestions_text(pending: &[ContactSuggestion]) -> String {
    if pending.is_empty() {
        return "No suggestions.".to_owned();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["Id", "Email", "Name", "Seen", "Why"]);
    for suggestion in pending {
        table.add_row([
            suggestion.id.clone(),
            suggestion.email.clone(),
            suggestion.display_name.clone().unwrap_or_default(),
            suggestion.occurrences.to_string(),
            suggestion.reason.clone(),
        ]);
    }
    table.to_string()
}

fn batches_text(batches: &[SyncBatch]) -> String {
    if batches.is_empty() {
        return "No syncs yet.".to_owned();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header([
        "Batch",
        "Account",
        "Status",
        "Stored",
        "Interactions",
        "Suggested",
        "When",
    ]);
    for batch in batches {
        table.add_row([
            batch.id.clone(),
            batch.account_email.clone(),
            batch.status.as_str().to_owned(),
            batch.fetched.to_string(),
            batch.normalized.to_string(),
            batch.suggested.to_string(),
            batch.created_at.clone(),
        ]);
    }
    table.to_string()
}

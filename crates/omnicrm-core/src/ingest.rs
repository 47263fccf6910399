//! Ingesting mail and calendar history from an integration (Gmail, Google Calendar), provider
//! neutral: the integration fetches and parses, this module stores and decides.
//!
//! The flow is preview → approve → fetch → raw events → normalize → contact extraction, and
//! every sync is a batch that can be undone:
//! - a **batch** (`sync_batches`) is created when the user approves a preview; its id is also
//!   the change-log batch of every interaction and contact it leads to, and of every change a
//!   newer version of an event makes to its interaction;
//! - every step writes an **audit** entry (`sync_audit`): preview, approve, run, reconcile, undo;
//! - fetched items are stored as **raw events**, exactly as the provider sent them, once per
//!   `(provider, source id, version)`, with a processing status; storing a page and moving the
//!   **cursor** happen in one transaction, so a crashed sync resumes with nothing lost and
//!   nothing stored twice;
//! - **normalizing** turns a raw event into an interaction linked to the contacts its
//!   addresses belong to; people who are not contacts yet become **suggestions** held for
//!   approval (the ignore list, dismissals and no-reply addresses are never suggested);
//! - **revisions**: a newer version of an item already synced (a moved, renamed or cancelled
//!   calendar event) is applied to its interaction through the change log, older and repeated
//!   versions are ignored (see `revisions`);
//! - **undo** removes everything the batch created and reverts what it changed.

mod batches;
mod cursors;
mod linking;
mod raw_events;
mod revisions;
mod suggestions;
mod undo;

use serde::{Deserialize, Serialize};

use crate::contacts::ContactSource;
use crate::error::Result;
use crate::interactions::InteractionKind;
use crate::store::Database;

pub use undo::SyncUndoHook;

/// Where synced history comes from. The same names are the `source` of the interactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SyncProvider {
    Gmail,
    GoogleCalendar,
}

impl SyncProvider {
    pub const ALL: [SyncProvider; 2] = [Self::Gmail, Self::GoogleCalendar];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gmail => "gmail",
            Self::GoogleCalendar => "google_calendar",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|provider| provider.as_str() == text)
    }

    /// How a contact approved from this provider's suggestions came into OmniCRM.
    pub fn contact_source(self) -> ContactSource {
        match self {
            Self::Gmail => ContactSource::GmailImport,
            Self::GoogleCalendar => ContactSource::CalendarImport,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SyncBatchStatus {
    /// Approved; its jobs are queued.
    Approved,
    Running,
    Completed,
    Failed,
    Undone,
}

impl SyncBatchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Undone => "undone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Approved,
            Self::Running,
            Self::Completed,
            Self::Failed,
            Self::Undone,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// A sync the user approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewSyncBatch {
    /// The integration's opaque account id.
    pub account_id: String,
    /// The account's own address: mail from it is outgoing, and it is never suggested.
    pub account_email: String,
    pub providers: Vec<SyncProvider>,
    /// What was approved (queries, time window), as the integration describes it.
    pub settings: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncBatch {
    /// Also the change-log batch.
    pub id: String,
    pub account_id: String,
    pub account_email: String,
    pub providers: Vec<SyncProvider>,
    /// Providers whose sync job has finished.
    pub finished_providers: Vec<SyncProvider>,
    pub settings: serde_json::Value,
    pub status: SyncBatchStatus,
    /// Raw events stored.
    pub fetched: u32,
    /// Raw events that became interactions.
    pub normalized: u32,
    /// Contact suggestions made.
    pub suggested: u32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    pub undone_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Preview,
    Approve,
    Run,
    Reconcile,
    Undo,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Approve => "approve",
            Self::Run => "run",
            Self::Reconcile => "reconcile",
            Self::Undo => "undo",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Preview,
            Self::Approve,
            Self::Run,
            Self::Reconcile,
            Self::Undo,
        ]
        .into_iter()
        .find(|action| action.as_str() == text)
    }
}

/// One step of a sync, as the audit keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewAuditEntry {
    pub batch_id: Option<String>,
    pub account_id: String,
    pub provider: Option<SyncProvider>,
    pub action: AuditAction,
    pub succeeded: bool,
    /// Counts, queries, the error: whatever explains the step. Never message content.
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncAuditEntry {
    pub id: String,
    pub batch_id: Option<String>,
    pub account_id: String,
    pub provider: Option<SyncProvider>,
    pub action: AuditAction,
    pub succeeded: bool,
    pub details: serde_json::Value,
    pub created_at: String,
}

/// Where a provider's sync of an account stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncCursor {
    pub account_id: String,
    pub provider: SyncProvider,
    /// Where the next incremental sync starts (Gmail `historyId`, Calendar `syncToken`).
    pub cursor: Option<String>,
    /// While a full sync runs: which listing it is walking (`received`, `sent`, `events`).
    /// Set means a full sync is under way and must be finished before any incremental one.
    pub page_stream: Option<String>,
    /// While a full sync runs: the next page of `page_stream` (none for its first page).
    pub page_token: Option<String>,
    /// The batch that last moved the cursor.
    pub batch_id: Option<String>,
    pub updated_at: String,
}

/// The new position of a cursor; replaces all three fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorUpdate {
    pub cursor: Option<String>,
    pub page_stream: Option<String>,
    pub page_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    From,
    To,
    Cc,
    Bcc,
    Organizer,
    Attendee,
}

/// Someone an event names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Participant {
    pub email: String,
    pub name: Option<String>,
    pub role: ParticipantRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Received by the account.
    Inbound,
    /// Sent from the account.
    Outbound,
}

/// What an integration understood of a raw event: the interaction it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizedEvent {
    pub kind: InteractionKind,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// UTC RFC 3339.
    pub occurred_at: String,
    pub duration_minutes: Option<u32>,
    pub direction: Option<Direction>,
    pub participants: Vec<Participant>,
    /// Sent by a machine (a mailing list, a bulk sender): its sender is never suggested.
    pub automated: bool,
    /// Kept on the interaction (thread, direction, attendees, location, ...).
    pub metadata: serde_json::Value,
}

/// One fetched item.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEventInput {
    pub provider: SyncProvider,
    /// The provider's id (Gmail message id, Calendar event id).
    pub source_id: String,
    /// The item exactly as the provider sent it (JSON text).
    pub payload_json: String,
    /// What it means, or `None` with `skip_reason` when it is not an interaction.
    pub normalized: Option<NormalizedEvent>,
    /// Why it is stored but not turned into an interaction (a promotion, an event without a
    /// time).
    pub skip_reason: Option<String>,
    /// Which version of the item this is (Calendar: the event's `etag`); `None` for items that
    /// never change once sent (Gmail messages). A version already stored is not stored again.
    pub version: Option<String>,
    /// When the provider last changed the item (Calendar `updated`), UTC RFC 3339: a version
    /// older than one already stored is kept but never applied.
    pub updated_at: Option<String>,
    /// The provider says the item is gone (a cancelled event): the interaction made from an
    /// earlier version is removed (tombstoned, in this version's batch).
    pub removed: bool,
}

impl RawEventInput {
    /// An item that never changes once sent (a Gmail message): no version, never removed.
    pub fn unversioned(
        provider: SyncProvider,
        source_id: &str,
        payload_json: String,
        normalized: Option<NormalizedEvent>,
        skip_reason: Option<String>,
    ) -> Self {
        Self {
            provider,
            source_id: source_id.to_owned(),
            payload_json,
            normalized,
            skip_reason,
            version: None,
            updated_at: None,
            removed: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StoredPage {
    /// New raw events.
    pub inserted: u32,
    /// Items that were stored before, in this version (by this batch before a crash, or an
    /// earlier sync).
    pub already_stored: u32,
    /// Of `inserted`: newer versions of items stored before (an edited or cancelled event),
    /// applied to their interaction when normalized.
    pub revisions: u32,
    /// Of `inserted`: versions older than one already stored (a page read out of order); kept,
    /// never applied.
    pub outdated: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NormalizeOutcome {
    /// Became (or joined) an interaction.
    pub normalized: u32,
    /// No participant is a contact yet; linked when a suggestion is approved.
    pub unlinked: u32,
    pub skipped: u32,
    pub failed: u32,
    /// New contact suggestions.
    pub suggested: u32,
    /// Of `normalized`: interactions changed by a newer version of their event.
    pub revised: u32,
    /// Interactions removed because their event was cancelled (counted in `skipped`).
    pub removed: u32,
}

impl NormalizeOutcome {
    pub fn processed(&self) -> u32 {
        self.normalized + self.unlinked + self.skipped + self.failed
    }

    pub fn add(&mut self, other: NormalizeOutcome) {
        self.normalized += other.normalized;
        self.unlinked += other.unlinked;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.suggested += other.suggested;
        self.revised += other.revised;
        self.removed += other.removed;
    }
}

/// How many raw events of a batch are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RawEventCounts {
    pub pending: u32,
    pub normalized: u32,
    pub unlinked: u32,
    pub skipped: u32,
    pub failed: u32,
}

impl RawEventCounts {
    pub fn total(&self) -> u32 {
        self.pending + self.normalized + self.unlinked + self.skipped + self.failed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    Pending,
    Approved,
    Dismissed,
}

impl SuggestionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Dismissed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// Someone seen in synced mail or calendars who is not a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactSuggestion {
    pub id: String,
    pub batch_id: String,
    pub account_id: String,
    pub email: String,
    pub display_name: Option<String>,
    /// Why they are suggested, e.g. `Emailed you: "Booking for Tuesday"`.
    pub reason: String,
    pub source: SyncProvider,
    /// How many synced items name them.
    pub occurrences: u32,
    pub status: SuggestionStatus,
    /// The contact made when the suggestion was approved.
    pub contact_id: Option<String>,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub created_at: String,
    pub decided_at: Option<String>,
}

/// What approving a suggestion did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SuggestionApproval {
    pub contact: crate::contacts::Contact,
    /// Synced mail and events that became interactions with the new contact.
    pub linked_interactions: u32,
}

/// What undoing a sync batch removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncUndoOutcome {
    pub batch_id: String,
    pub interactions_removed: u32,
    pub contacts_removed: u32,
    pub raw_events_removed: u32,
    pub suggestions_removed: u32,
    /// What each registered hook (embeddings, insights) removed.
    pub removed_by_hooks: Vec<HookRemoval>,
    /// Contacts the batch made that the user has touched since: kept, and no longer part of
    /// the batch.
    pub contacts_kept: Vec<KeptContact>,
}

/// A contact a sync made (an approved suggestion) that its undo kept, because the user has
/// edited, tagged, noted or linked it since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeptContact {
    pub contact_id: String,
    pub display_name: String,
    /// Why it was kept, in plain words ("edited", "tagged", "notes written since", …).
    pub reasons: Vec<String>,
}

/// What one undo hook removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HookRemoval {
    pub hook: String,
    pub removed: u32,
}

/// Stores and decides synced history: batches, audit, cursors, raw events, normalizing,
/// suggestions and undo.
#[derive(Debug, Clone)]
pub struct IngestService {
    database: Database,
}

impl IngestService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Creates the batch of an approved sync and audits the approval, in one transaction.
    pub fn approve(&self, batch: NewSyncBatch) -> Result<SyncBatch> {
        self.database
            .write(|transaction| batches::create(transaction, batch))
    }

    pub fn batch(&self, batch_id: &str) -> Result<SyncBatch> {
        self.database
            .read(|connection| batches::load(connection, batch_id))
    }

    /// Batches, newest first; of one account when given.
    pub fn batches(&self, account_id: Option<&str>, limit: u32) -> Result<Vec<SyncBatch>> {
        self.database
            .read(|connection| batches::list(connection, account_id, limit))
    }

    /// Marks a batch running (its first job started). `cancelled` once it is undone.
    pub fn start_batch(&self, batch_id: &str) -> Result<SyncBatch> {
        self.database
            .write(|transaction| batches::start(transaction, batch_id))
    }

    /// Records that one provider's sync finished; the batch completes when all have.
    pub fn finish_provider(&self, batch_id: &str, provider: SyncProvider) -> Result<SyncBatch> {
        self.database
            .write(|transaction| batches::finish_provider(transaction, batch_id, provider))
    }

    /// Marks a batch failed with the error that stopped it.
    pub fn fail_batch(&self, batch_id: &str, error: &str) -> Result<SyncBatch> {
        self.database
            .write(|transaction| batches::fail(transaction, batch_id, error))
    }

    pub fn record_audit(&self, entry: NewAuditEntry) -> Result<SyncAuditEntry> {
        self.database
            .write(|transaction| batches::audit(transaction, &entry))
    }

    /// The audit of a batch, oldest first.
    pub fn audit_of_batch(&self, batch_id: &str) -> Result<Vec<SyncAuditEntry>> {
        self.database
            .read(|connection| batches::audit_of_batch(connection, batch_id))
    }

    /// The audit of an account (previews included), newest first.
    pub fn audit_of_account(&self, account_id: &str, limit: u32) -> Result<Vec<SyncAuditEntry>> {
        self.database
            .read(|connection| batches::audit_of_account(connection, account_id, limit))
    }

    pub fn cursor(&self, account_id: &str, provider: SyncProvider) -> Result<Option<SyncCursor>> {
        self.database
            .read(|connection| cursors::load(connection, account_id, provider))
    }

    /// Moves a cursor outside a page write (starting a full sync, finishing one).
    pub fn set_cursor(
        &self,
        batch_id: &str,
        provider: SyncProvider,
        update: &CursorUpdate,
    ) -> Result<()> {
        self.database.write(|transaction| {
            let batch = batches::load_running(transaction, batch_id)?;
            cursors::save(transaction, &batch, provider, update)
        })
    }

    /// Stores a page of fetched items and, in the same transaction, moves the cursor past it.
    /// Items already stored are left as they are. `cancelled` once the batch is undone.
    pub fn store_page(
        &self,
        batch_id: &str,
        items: &[RawEventInput],
        cursor: Option<(SyncProvider, &CursorUpdate)>,
    ) -> Result<StoredPage> {
        self.database.write(|transaction| {
            let batch = batches::load_running(transaction, batch_id)?;
            let stored = raw_events::insert_page(transaction, &batch, items)?;
            if let Some((provider, update)) = cursor {
                cursors::save(transaction, &batch, provider, update)?;
            }
            Ok(stored)
        })
    }

    /// Normalizes up to `limit` pending raw events of a batch in one transaction: each becomes
    /// an interaction with the contacts it names, or waits (unlinked) for one of its people to
    /// become a contact; unknown people are suggested.
    pub fn normalize_pending(&self, batch_id: &str, limit: u32) -> Result<NormalizeOutcome> {
        self.database.write(|transaction| {
            let batch = batches::load_running(transaction, batch_id)?;
            linking::normalize_pending(transaction, &batch, limit)
        })
    }

    /// Which of these source ids are stored (the reconciliation check).
    pub fn stored_source_ids(
        &self,
        provider: SyncProvider,
        source_ids: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        self.database
            .read(|connection| raw_events::stored_ids(connection, provider, source_ids))
    }

    pub fn raw_event_counts(&self, batch_id: &str) -> Result<RawEventCounts> {
        self.database
            .read(|connection| raw_events::counts(connection, batch_id))
    }

    /// The stored payload of one item, as the provider sent it: its current version when the
    /// item changed (an edited calendar event).
    pub fn raw_payload(&self, provider: SyncProvider, source_id: &str) -> Result<Option<String>> {
        self.database
            .read(|connection| raw_events::payload(connection, provider, source_id))
    }

    /// Suggestions in a state, oldest first.
    pub fn suggestions(&self, status: SuggestionStatus) -> Result<Vec<ContactSuggestion>> {
        self.database
            .read(|connection| suggestions::list(connection, status))
    }

    /// Creates the contact a suggestion stands for (named `display_name` when given) and links
    /// the synced mail and events that were waiting for them. The contact belongs to the
    /// suggestion's batch, so undoing the batch removes it too.
    pub fn approve_suggestion(
        &self,
        suggestion_id: &str,
        display_name: Option<&str>,
    ) -> Result<SuggestionApproval> {
        self.database
            .write(|transaction| suggestions::approve(transaction, suggestion_id, display_name))
    }

    /// Declines a suggestion; the address is never suggested again.
    pub fn dismiss_suggestion(&self, suggestion_id: &str) -> Result<ContactSuggestion> {
        self.database
            .write(|transaction| suggestions::dismiss(transaction, suggestion_id))
    }

    /// Removes everything a batch created: its interactions and approved contacts (reverted
    /// through the change log, which also puts back the earlier version of an interaction the
    /// batch revised or removed for an edited or cancelled event), its raw events (the versions
    /// they replaced are current again), its suggestions, the account's cursors for the
    /// batch's providers (the next sync starts afresh with a full one), and whatever each hook derived from them (embeddings, insights).
    /// Audited. Dismissals stay: they are the user's decisions, not the batch's data.
    pub fn undo_batch(
        &self,
        batch_id: &str,
        hooks: &[&dyn SyncUndoHook],
    ) -> Result<SyncUndoOutcome> {
        self.database
            .write(|transaction| undo::undo_batch(transaction, batch_id, hooks))
    }
}

//! Contacts: the people a practitioner works with.

mod query;
mod rows;
pub mod search_query;
mod validation;

pub(crate) use rows::{SearchIndexBatch, TagNames};

use serde::{Deserialize, Serialize};

use crate::changes::{self, ChangeReceipt, Operation};
use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub use query::{ContactListQuery, ContactPage, ContactSort, SortDirection};
pub(crate) use validation::ValidContact;
pub(crate) use validation::{collapse_whitespace, normalize_email};
pub use validation::{ValidationRules, MAX_PHOTO_BYTES};

pub const ENTITY: &str = "contact";

/// Where the client is in their journey with the practitioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    Prospect,
    NewClient,
    CoreClient,
    ReferringClient,
    VipClient,
    LostClient,
    AtRiskClient,
}

impl LifecycleStage {
    pub const ALL: [LifecycleStage; 7] = [
        Self::Prospect,
        Self::NewClient,
        Self::CoreClient,
        Self::ReferringClient,
        Self::VipClient,
        Self::LostClient,
        Self::AtRiskClient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prospect => "prospect",
            Self::NewClient => "new_client",
            Self::CoreClient => "core_client",
            Self::ReferringClient => "referring_client",
            Self::VipClient => "vip_client",
            Self::LostClient => "lost_client",
            Self::AtRiskClient => "at_risk_client",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Prospect => "Prospect",
            Self::NewClient => "New Client",
            Self::CoreClient => "Core Client",
            Self::ReferringClient => "Referring Client",
            Self::VipClient => "VIP Client",
            Self::LostClient => "Lost Client",
            Self::AtRiskClient => "At Risk Client",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|stage| stage.as_str() == text || stage.label().eq_ignore_ascii_case(text))
    }

    /// Sort position; contacts without a stage sort last.
    pub(crate) fn rank(stage: Option<Self>) -> i64 {
        stage.map_or(Self::ALL.len() as i64, |stage| stage as i64)
    }

    /// The stage of a sort position (`None`: no stage, or a position no stage has).
    pub(crate) fn from_rank(rank: i64) -> Option<Self> {
        usize::try_from(rank)
            .ok()
            .and_then(|index| Self::ALL.get(index).copied())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    #[default]
    Active,
    Inactive,
    AtRisk,
    Churned,
}

impl ClientStatus {
    pub const ALL: [ClientStatus; 4] = [Self::Active, Self::Inactive, Self::AtRisk, Self::Churned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::AtRisk => "at_risk",
            Self::Churned => "churned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

/// How the contact came into OmniCRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    #[default]
    Manual,
    Upload,
    GmailImport,
    CalendarImport,
    OnboardingForm,
}

impl ContactSource {
    pub const ALL: [ContactSource; 5] = [
        Self::Manual,
        Self::Upload,
        Self::GmailImport,
        Self::CalendarImport,
        Self::OnboardingForm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Upload => "upload",
            Self::GmailImport => "gmail_import",
            Self::CalendarImport => "calendar_import",
            Self::OnboardingForm => "onboarding_form",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EmailEntry {
    pub address: String,
    pub label: Option<String>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PhoneEntry {
    /// As typed on input; always E.164 (`+14155550123`) once stored.
    pub number: String,
    pub label: Option<String>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// What a caller sends to create or update a contact. Update replaces every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactInput {
    pub display_name: String,
    pub organization: Option<String>,
    pub emails: Vec<EmailEntry>,
    pub phones: Vec<PhoneEntry>,
    pub address: Option<Address>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// A `data:image/...;base64,` URL of at most [`MAX_PHOTO_BYTES`] bytes.
    pub photo: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub client_status: Option<ClientStatus>,
    pub source: Option<ContactSource>,
    pub referral_source: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    /// A JSON object (or null), e.g. `{"allergies": "arnica", "pregnant": false}`.
    pub health_context: serde_json::Value,
    /// A JSON object (or null), e.g. `{"preferred_time": "mornings"}`.
    pub preferences: serde_json::Value,
    pub tags: Vec<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Contact {
    pub id: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub emails: Vec<EmailEntry>,
    pub phones: Vec<PhoneEntry>,
    pub address: Option<Address>,
    pub date_of_birth: Option<String>,
    pub photo: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub client_status: ClientStatus,
    pub source: ContactSource,
    pub referral_source: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub health_context: serde_json::Value,
    pub preferences: serde_json::Value,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Set when the contact is deleted (a tombstone); deleted contacts are never listed.
    pub deleted_at: Option<String>,
}

impl Contact {
    pub fn primary_email(&self) -> Option<&str> {
        primary(&self.emails, |email| email.is_primary).map(|email| email.address.as_str())
    }

    pub fn primary_phone(&self) -> Option<&str> {
        primary(&self.phones, |phone| phone.is_primary).map(|phone| phone.number.as_str())
    }
}

fn primary<T>(entries: &[T], is_primary: impl Fn(&T) -> bool) -> Option<&T> {
    entries
        .iter()
        .find(|entry| is_primary(entry))
        .or_else(|| entries.first())
}

/// One row of the contacts table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactSummary {
    pub id: String,
    pub display_name: String,
    pub organization: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub client_status: ClientStatus,
    pub source: ContactSource,
    pub tags: Vec<String>,
    pub updated_at: String,
}

/// A change applied to many contacts at once; absent fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BulkEdit {
    pub lifecycle_stage: Option<LifecycleStage>,
    pub client_status: Option<ClientStatus>,
}

/// Options for writing many contacts at once (demo data, imports).
#[derive(Debug, Clone, Default)]
pub struct BulkOptions {
    /// Groups the changes so they can be undone together.
    pub batch_id: Option<String>,
}

/// One contact of a bulk insert, optionally with its original creation time.
#[derive(Debug, Clone)]
pub struct BulkContact {
    pub input: ContactInput,
    pub created_at: Option<String>,
}

/// Creates, changes, deletes and reads contacts. Every write is validated, stamped, recorded in
/// the change log and kept in the keyword index.
#[derive(Debug, Clone)]
pub struct ContactService {
    database: Database,
}

impl ContactService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn create(&self, input: ContactInput) -> Result<Contact> {
        self.database.write(|transaction| {
            let rules = ValidationRules::load(transaction)?;
            let mut contact = new_contact(&rules, input, None)?;
            rows::insert(transaction, &mut contact)?;
            changes::record(
                transaction,
                &changes::NewChange::new(ENTITY, &contact.id, Operation::Create).after(&contact)?,
            )?;
            Ok(contact)
        })
    }

    /// Validates and inserts many contacts in one transaction. Nothing is written unless every
    /// contact is valid; the error names the failing item as `items[N].field`.
    /// `progress` is called with the number of contacts written so far.
    pub fn create_many(
        &self,
        contacts: Vec<BulkContact>,
        options: &BulkOptions,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<String>> {
        self.database
            .write(|transaction| insert_many_in(transaction, contacts, options, progress))
    }

    pub fn update(&self, id: &str, input: ContactInput) -> Result<Contact> {
        self.database.write(|transaction| {
            let before = rows::load_live(transaction, id)?;
            let rules = ValidationRules::load(transaction)?;
            let valid = rules.validate(input)?;
            let mut contact = valid.into_contact(
                before.id.clone(),
                before.created_at.clone(),
                later_than(&before.updated_at),
            );
            rows::replace(transaction, &mut contact)?;
            changes::record(
                transaction,
                &changes::NewChange::new(ENTITY, id, Operation::Update)
                    .before(&before)?
                    .after(&contact)?,
            )?;
            Ok(contact)
        })
    }

    /// Soft-deletes a contact. The receipt's change id undoes it.
    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database.write(|transaction| {
            let before = rows::load_live(transaction, id)?;
            let mut after = before.clone();
            let now = later_than(&before.updated_at);
            after.deleted_at = Some(now.clone());
            after.updated_at = now;
            rows::replace(transaction, &mut after)?;
            let change_id = changes::record(
                transaction,
                &changes::NewChange::new(ENTITY, id, Operation::Delete)
                    .before(&before)?
                    .after(&after)?,
            )?;
            Ok(ChangeReceipt { change_id })
        })
    }

    /// Sets the stage and/or status of many contacts as one batch that can be undone.
    pub fn bulk_edit(&self, ids: &[String], edit: &BulkEdit) -> Result<changes::BatchReceipt> {
        if ids.is_empty() {
            return Err(Error::invalid_field("ids", "lists no contacts"));
        }
        if edit.lifecycle_stage.is_none() && edit.client_status.is_none() {
            return Err(Error::invalid_field(
                "edit",
                "changes nothing; choose a stage or a status",
            ));
        }
        self.database.write(|transaction| {
            let batch_id = new_id();
            let rules = ValidationRules::load(transaction)?;
            let mut changed = 0u32;
            let mut index = SearchIndexBatch::default();
            for id in ids {
                changed += u32::from(modify_indexing(
                    transaction,
                    &rules,
                    id,
                    Some(&batch_id),
                    &mut index,
                    |contact| {
                        if let Some(stage) = edit.lifecycle_stage {
                            contact.lifecycle_stage = Some(stage);
                        }
                        if let Some(status) = edit.client_status {
                            contact.client_status = status;
                        }
                    },
                )?);
            }
            index.flush(transaction)?;
            Ok(changes::BatchReceipt { batch_id, changed })
        })
    }

    /// Soft-deletes many contacts as one batch that can be undone.
    pub fn delete_many(&self, ids: &[String]) -> Result<changes::BatchReceipt> {
        if ids.is_empty() {
            return Err(Error::invalid_field("ids", "lists no contacts"));
        }
        self.database.write(|transaction| {
            let batch_id = new_id();
            for id in ids {
                tombstone_in_batch(transaction, id, &batch_id)?;
            }
            Ok(changes::BatchReceipt {
                batch_id,
                changed: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            })
        })
    }

    /// A live (not deleted) contact.
    pub fn get(&self, id: &str) -> Result<Contact> {
        self.database
            .read(|connection| rows::load_live(connection, id))
    }

    /// A page of contacts, filtered and sorted.
    pub fn list(&self, list_query: &ContactListQuery) -> Result<ContactPage> {
        self.database
            .read(|connection| query::list(connection, list_query))
    }

    /// Search as you type: the best `limit` matches for `text` by name, email, phone or
    /// organisation. Empty text returns nothing.
    pub fn search(&self, text: &str, limit: u32) -> Result<Vec<ContactSummary>> {
        self.database
            .read(|connection| query::search(connection, text, limit))
    }

    /// Every tag in use, with how many live contacts carry it.
    pub fn tag_counts(&self) -> Result<Vec<TagCount>> {
        self.database.read(query::tag_counts)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TagCount {
    pub name: String,
    pub count: u32,
}

fn new_contact(
    rules: &ValidationRules,
    input: ContactInput,
    created_at: Option<String>,
) -> Result<Contact> {
    let valid = rules.validate(input)?;
    let now = now_utc();
    let created_at = match created_at {
        Some(text) => validation::check_timestamp("created_at", &text)?,
        None => now.clone(),
    };
    let updated_at = if created_at > now {
        created_at.clone()
    } else {
        now
    };
    Ok(valid.into_contact(new_id(), created_at, updated_at))
}

use crate::records::later_than;

fn prefix_fields(mut error: Error, index: usize) -> Error {
    if let Some(details) = error.details.as_mut() {
        for field in &mut details.fields {
            field.field = format!("items[{index}].{}", field.field);
        }
    }
    error.message = format!("contact {} of the batch: {}", index + 1, error.message);
    error
}

/// Puts a stored snapshot back (used by undo). The snapshot decides whether the contact is live.
pub(crate) fn restore_snapshot(
    transaction: &rusqlite::Transaction<'_>,
    snapshot: &Contact,
) -> Result<Contact> {
    let current = rows::load_any(transaction, &snapshot.id)?;
    let mut restored = snapshot.clone();
    restored.updated_at = later_than(&current.updated_at);
    rows::replace(transaction, &mut restored)?;
    Ok(restored)
}

/// Soft-deletes whatever state the contact is in (used by undo of a create).
pub(crate) fn tombstone(transaction: &rusqlite::Transaction<'_>, id: &str) -> Result<Contact> {
    let mut contact = rows::load_any(transaction, id)?;
    let now = later_than(&contact.updated_at);
    contact.deleted_at = Some(now.clone());
    contact.updated_at = now;
    rows::replace(transaction, &mut contact)?;
    Ok(contact)
}

/// Stores a new, already validated contact and records its creation (imports).
pub(crate) fn insert_new(
    transaction: &rusqlite::Connection,
    contact: &mut Contact,
    batch_id: Option<&str>,
    index: &mut SearchIndexBatch,
) -> Result<()> {
    rows::insert_indexing(transaction, contact, Some(index))?;
    let mut change =
        changes::NewChange::new(ENTITY, &contact.id, Operation::Create).after(&*contact)?;
    change.batch_id = batch_id.map(str::to_owned);
    changes::record(transaction, &change)?;
    Ok(())
}

/// Stores many new, already validated contacts and records their creation (imports): the
/// same rows and change-log entries as [`insert_new`] for each, written with one statement per
/// table. `tags` remembers the tag names looked up, across calls.
pub(crate) fn insert_new_many(
    transaction: &rusqlite::Connection,
    contacts: &mut [Contact],
    batch_id: Option<&str>,
    tags: &mut TagNames,
    index: &mut SearchIndexBatch,
) -> Result<()> {
    rows::insert_many(transaction, contacts, tags, index)?;
    let changes = contacts
        .iter()
        .map(|contact| {
            let mut change =
                changes::NewChange::new(ENTITY, &contact.id, Operation::Create).after(contact)?;
            change.batch_id = batch_id.map(str::to_owned);
            Ok(change)
        })
        .collect::<Result<Vec<_>>>()?;
    changes::record_many(transaction, &changes)
}

/// Validates and creates a contact inside a caller's transaction, recording the creation under
/// `batch_id` (an approved sync suggestion belongs to its sync batch).
pub(crate) fn create_in(
    transaction: &rusqlite::Connection,
    input: ContactInput,
    batch_id: Option<&str>,
) -> Result<Contact> {
    let rules = ValidationRules::load(transaction)?;
    let mut contact = new_contact(&rules, input, None)?;
    let mut index = SearchIndexBatch::default();
    insert_new(transaction, &mut contact, batch_id, &mut index)?;
    index.flush(transaction)?;
    Ok(contact)
}

/// Contact `id` as stored on `connection`, unless deleted (`NotFound`).
pub(crate) fn load_live(connection: &rusqlite::Connection, id: &str) -> Result<Contact> {
    rows::load_live(connection, id)
}

/// Makes contact `id` match a record from the team's server, recording the change under
/// `batch_id` (see `remote_changes`).
pub(crate) fn apply_remote(
    transaction: &rusqlite::Connection,
    id: &str,
    input: ContactInput,
    deleted: bool,
    batch_id: &str,
) -> Result<crate::remote_changes::RemoteApplied> {
    use crate::remote_changes::{differs, RemoteApplied};
    let rules = ValidationRules::load(transaction)?;
    let valid = rules.validate(input)?;
    let before = match rows::load_any(transaction, id) {
        Ok(before) => before,
        Err(error) if error.code == crate::error::ErrorCode::NotFound => {
            if deleted {
                return Ok(RemoteApplied::Unchanged);
            }
            let now = now_utc();
            let mut contact = valid.into_contact(id.to_owned(), now.clone(), now);
            let mut index = SearchIndexBatch::default();
            insert_new(transaction, &mut contact, Some(batch_id), &mut index)?;
            index.flush(transaction)?;
            return Ok(RemoteApplied::Created);
        }
        Err(error) => return Err(error),
    };
    let now = later_than(&before.updated_at);
    let mut after = valid.into_contact(before.id.clone(), before.created_at.clone(), now.clone());
    after.deleted_at = match (deleted, &before.deleted_at) {
        (true, Some(at)) => Some(at.clone()),
        (true, None) => Some(now),
        (false, _) => None,
    };
    let was_deleted = before.deleted_at.is_some();
    if was_deleted == deleted && !differs(&before, &after)? {
        return Ok(RemoteApplied::Unchanged);
    }
    rows::replace(transaction, &mut after)?;
    let (operation, applied) = match (was_deleted, deleted) {
        (false, true) => (Operation::Delete, RemoteApplied::Deleted),
        (true, false) => (Operation::Restore, RemoteApplied::Restored),
        _ => (Operation::Update, RemoteApplied::Updated),
    };
    let mut change = changes::NewChange::new(ENTITY, id, operation)
        .before(&before)?
        .after(&after)?;
    change.batch_id = Some(batch_id.to_owned());
    changes::record(transaction, &change)?;
    Ok(applied)
}

/// Soft-deletes a live contact, recording the change under `batch_id` (bulk deletes, merges).
pub(crate) fn tombstone_in_batch(
    transaction: &rusqlite::Connection,
    id: &str,
    batch_id: &str,
) -> Result<()> {
    let before = rows::load_live(transaction, id)?;
    let mut after = before.clone();
    let now = later_than(&before.updated_at);
    after.deleted_at = Some(now.clone());
    after.updated_at = now;
    rows::replace(transaction, &mut after)?;
    let mut change = changes::NewChange::new(ENTITY, id, Operation::Delete)
        .before(&before)?
        .after(&after)?;
    change.batch_id = Some(batch_id.to_owned());
    changes::record(transaction, &change)?;
    Ok(())
}

/// `not_found` unless the contact exists and is not deleted.
pub(crate) fn ensure_live(connection: &rusqlite::Connection, id: &str) -> Result<()> {
    use rusqlite::OptionalExtension;
    let live: Option<bool> = connection
        .prepare_cached("SELECT deleted_at IS NULL FROM contacts WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    if live == Some(true) {
        Ok(())
    } else {
        Err(Error::not_found(ENTITY, id))
    }
}

/// Changes a live contact inside a caller's transaction (bulk edits, tag changes, merges):
/// `change` edits a copy, which is validated like any update and recorded under `batch_id`.
/// Returns false, writing nothing, when `change` left the contact as it was. Callers changing
/// many contacts load `rules` once.
pub(crate) fn modify(
    transaction: &rusqlite::Connection,
    rules: &ValidationRules,
    id: &str,
    batch_id: Option<&str>,
    change: impl FnOnce(&mut Contact),
) -> Result<bool> {
    let mut index = SearchIndexBatch::default();
    let changed = modify_indexing(transaction, rules, id, batch_id, &mut index, change)?;
    index.flush(transaction)?;
    Ok(changed)
}

/// [`modify`] for bulk writes: the keyword index change is held back in `index`, which the
/// caller flushes once at the end.
pub(crate) fn modify_indexing(
    transaction: &rusqlite::Connection,
    rules: &ValidationRules,
    id: &str,
    batch_id: Option<&str>,
    index: &mut SearchIndexBatch,
    change: impl FnOnce(&mut Contact),
) -> Result<bool> {
    let before = rows::load_live(transaction, id)?;
    let mut edited = before.clone();
    change(&mut edited);
    if edited == before {
        return Ok(false);
    }
    let valid = rules.validate(input_of(edited))?;
    let mut contact = valid.into_contact(
        before.id.clone(),
        before.created_at.clone(),
        later_than(&before.updated_at),
    );
    rows::replace_indexing(transaction, &mut contact, Some(index))?;
    let mut record = changes::NewChange::new(ENTITY, id, Operation::Update)
        .before(&before)?
        .after(&contact)?;
    record.batch_id = batch_id.map(str::to_owned);
    changes::record(transaction, &record)?;
    Ok(true)
}

/// The input that reproduces a stored contact.
pub fn input_of(contact: Contact) -> ContactInput {
    ContactInput {
        display_name: contact.display_name,
        organization: contact.organization,
        emails: contact.emails,
        phones: contact.phones,
        address: contact.address,
        date_of_birth: contact.date_of_birth,
        photo: contact.photo,
        lifecycle_stage: contact.lifecycle_stage,
        client_status: Some(contact.client_status),
        source: Some(contact.source),
        referral_source: contact.referral_source,
        emergency_contact_name: contact.emergency_contact_name,
        emergency_contact_phone: contact.emergency_contact_phone,
        health_context: contact.health_context,
        preferences: contact.preferences,
        tags: contact.tags,
    }
}

pub(crate) fn load_any(connection: &rusqlite::Connection, id: &str) -> Result<Contact> {
    rows::load_any(connection, id)
}

/// `NotFound` unless contact `id` is stored (deleted or not), without reading it.
pub(crate) fn require_stored(connection: &rusqlite::Connection, id: &str) -> Result<()> {
    let stored = connection
        .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
        .exists([id])?;
    if stored {
        Ok(())
    } else {
        Err(Error::not_found(ENTITY, id))
    }
}

/// Creates many contacts in `transaction` (see [`ContactService::create_many`]); a caller that
/// writes in chunks ([`crate::chunked_writes`]) calls this once per chunk.
pub(crate) fn insert_many_in(
    transaction: &rusqlite::Transaction<'_>,
    contacts: Vec<BulkContact>,
    options: &BulkOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<String>> {
    let rules = ValidationRules::load(transaction)?;
    let mut ids = Vec::with_capacity(contacts.len());
    let mut search_index = SearchIndexBatch::default();
    for (index, bulk) in contacts.into_iter().enumerate() {
        let mut contact = new_contact(&rules, bulk.input, bulk.created_at)
            .map_err(|error| prefix_fields(error, index))?;
        rows::insert_indexing(transaction, &mut contact, Some(&mut search_index))?;
        let mut change =
            changes::NewChange::new(ENTITY, &contact.id, Operation::Create).after(&contact)?;
        change.batch_id = options.batch_id.clone();
        changes::record(transaction, &change)?;
        ids.push(contact.id);
        if ids.len() % 500 == 0 {
            progress(ids.len());
        }
    }
    search_index.flush(transaction)?;
    progress(ids.len());
    Ok(ids)
}

//! Matching import candidates against existing contacts and each other, and writing the plan.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::records::{Candidate, Problem};
use super::{ImportCounts, ImportFormat, ImportPreview, MAX_PLAN_ITEMS};
use crate::chunked_writes::Chunks;
use crate::contacts::{self, Contact, SearchIndexBatch, ValidationRules};
use crate::error::{Error, FieldError, Result};
use crate::names::PersonName;
use crate::notes::NoteInput;
use crate::time::{new_id, now_utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    /// A new contact.
    Create,
    /// Adds what is new to a matching contact.
    Update,
    /// The same person as an earlier record of the file; combined with it.
    Merge,
    /// A new contact that shares an email or phone with an earlier record or an existing
    /// contact but has a different first name (a husband and wife sharing a home phone): a
    /// possible duplicate, kept apart. The reason names the other record.
    KeptApart,
    /// Already in OmniCRM with nothing new.
    Skip,
    /// Cannot be imported; the reason says why.
    Invalid,
}

/// One record of the plan, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportPlanItem {
    /// `line 12`, `row 7` or `contact 3`.
    pub location: String,
    pub display_name: String,
    pub action: ImportAction,
    pub reason: String,
    /// The existing contact it matched, for updates and skips; for a record kept apart, the
    /// existing contact it may duplicate.
    pub contact_id: Option<String>,
}

enum Action {
    Create {
        contact: Box<Contact>,
    },
    /// A create that shares an email or phone with a record of another first name.
    KeptApart {
        contact: Box<Contact>,
    },
    Update {
        merged: Box<Contact>,
    },
    MergedInto,
    Skip,
    Invalid,
}

struct Entry {
    location: String,
    display_name: String,
    /// The name later records sharing an email or phone are compared with.
    name: PersonName,
    reason: String,
    contact_id: Option<String>,
    action: Action,
    notes: Vec<NoteInput>,
    /// The id the record had in an OmniCRM export.
    original_id: Option<String>,
    /// For records combined with an earlier one: that record's index.
    merged_into: Option<usize>,
}

pub(crate) struct Plan {
    entries: Vec<Entry>,
}

pub(crate) fn plan(connection: &Connection, candidates: Vec<Candidate>) -> Result<Plan> {
    let rules = ValidationRules::load(connection)?;
    let now = now_utc();
    let mut entries: Vec<Entry> = Vec::with_capacity(candidates.len());
    // Normalized email or phone -> the entries that hold it, in file order.
    let mut seen: HashMap<String, Vec<usize>> = HashMap::new();
    let prepared_all = prepare_all(&rules, candidates)?;
    let mut matcher = Matcher::new(connection, &prepared_all)?;
    for prepared in prepared_all {
        let Prepared {
            candidate,
            display_name,
            kept_in_note,
            validated,
        } = prepared;
        let valid = match validated {
            Ok(valid) => valid,
            Err(error) => {
                entries.push(Entry {
                    location: candidate.location,
                    display_name,
                    name: PersonName::default(),
                    reason: describe_invalid(&error),
                    contact_id: None,
                    action: Action::Invalid,
                    notes: Vec::new(),
                    original_id: None,
                    merged_into: None,
                });
                continue;
            }
        };
        let created_at = candidate.created_at.unwrap_or_else(|| now.clone());
        let id = match &candidate.original_id {
            Some(id) if !matcher.id_taken(id)? => id.clone(),
            _ => new_id(),
        };
        let contact = valid.into_contact(id, created_at.clone(), created_at.max(now.clone()));
        let keys = identity_keys(&contact);
        let name = PersonName::parse(&contact.display_name);

        // The same person earlier in this file? A record sharing an email or phone but with
        // another first name is someone else (a wife sharing her husband's home phone).
        let mut earlier_agreeing: Option<(&String, usize)> = None;
        let mut earlier_disagreeing: Option<(&String, usize)> = None;
        for key in &keys {
            for index in seen.get(key).into_iter().flatten() {
                let agrees = entries
                    .get(*index)
                    .is_some_and(|entry| entry.name.agreement(&name).allows_match());
                let slot = if agrees {
                    &mut earlier_agreeing
                } else {
                    &mut earlier_disagreeing
                };
                slot.get_or_insert((key, *index));
            }
        }
        if let Some((key, index)) = earlier_agreeing {
            let earlier_location = entries
                .get(index)
                .map(|entry| entry.location.clone())
                .unwrap_or_default();
            if let Some(target) = entries.get_mut(index) {
                match &mut target.action {
                    Action::Create { contact: base }
                    | Action::KeptApart { contact: base }
                    | Action::Update { merged: base } => {
                        merge_into(base, &contact);
                    }
                    Action::MergedInto | Action::Skip | Action::Invalid => {}
                }
                target.notes.extend(candidate.notes);
            }
            for key in &keys {
                let holders = seen.entry(key.clone()).or_default();
                if !holders.contains(&index) {
                    holders.push(index);
                }
            }
            entries.push(Entry {
                location: candidate.location,
                display_name,
                name,
                reason: format!(
                    "same {} as {earlier_location}; combined with it",
                    describe_key(key)
                ),
                contact_id: None,
                action: Action::MergedInto,
                notes: Vec::new(),
                original_id: candidate.original_id.clone(),
                merged_into: Some(index),
            });
            continue;
        }

        // Already in OmniCRM?
        let (existing_id, existing_disagreeing) = match &candidate.original_id {
            Some(original) if matcher.is_live(original)? => (Some((original.clone(), None)), None),
            _ => matcher.find(&keys, &name),
        };
        let index = entries.len();
        for key in &keys {
            seen.entry(key.clone()).or_default().push(index);
        }
        let kept_apart_from = match (earlier_disagreeing, existing_disagreeing) {
            (Some((key, earlier)), _) => entries.get(earlier).map(|entry| {
                (
                    format!(
                        "same {} as {} ({})",
                        describe_key(key),
                        entry.location,
                        entry.display_name
                    ),
                    None,
                )
            }),
            (None, Some(holder)) => Some((
                format!(
                    "same {} as {}, already in OmniCRM",
                    describe_key(&holder.key),
                    holder.display_name
                ),
                Some(holder.contact_id),
            )),
            (None, None) => None,
        };
        match existing_id {
            Some((existing_id, matched_key)) => {
                let existing = contacts::load_any(connection, &existing_id)?;
                let mut new_notes = Vec::new();
                for note in candidate.notes {
                    if !note_exists(connection, &existing_id, &note)? {
                        new_notes.push(note);
                    }
                }
                let mut merged = existing.clone();
                let added = merge_into(&mut merged, &contact);
                let how = matched_key
                    .map(|key| format!("same {}", describe_key(&key)))
                    .unwrap_or_else(|| "same OmniCRM id".to_owned());
                let (action, reason) = if added.is_empty() && new_notes.is_empty() {
                    (
                        Action::Skip,
                        format!(
                            "already in OmniCRM as {} ({how}); nothing new",
                            existing.display_name
                        ),
                    )
                } else if added.is_empty() {
                    (
                        Action::Update {
                            merged: Box::new(merged),
                        },
                        format!(
                            "matches {} ({how}); adds {} note(s)",
                            existing.display_name,
                            new_notes.len()
                        ),
                    )
                } else {
                    (
                        Action::Update {
                            merged: Box::new(merged),
                        },
                        format!(
                            "matches {} ({how}); adds {}",
                            existing.display_name,
                            added.join(", ")
                        ),
                    )
                };
                entries.push(Entry {
                    location: candidate.location,
                    display_name,
                    name: PersonName::parse(&existing.display_name),
                    reason,
                    contact_id: Some(existing_id),
                    action,
                    notes: new_notes,
                    original_id: candidate.original_id.clone(),
                    merged_into: None,
                });
            }
            None => match kept_apart_from {
                Some((shared, other_contact)) => entries.push(Entry {
                    location: candidate.location,
                    display_name,
                    name,
                    reason: format!(
                        "possible duplicate, kept apart: {shared}, but a different first name; \
                         created as its own contact{kept_in_note}"
                    ),
                    contact_id: other_contact,
                    action: Action::KeptApart {
                        contact: Box::new(contact),
                    },
                    notes: candidate.notes,
                    original_id: candidate.original_id.clone(),
                    merged_into: None,
                }),
                None => entries.push(Entry {
                    location: candidate.location,
                    display_name,
                    name,
                    reason: if keys.is_empty() {
                        format!("new contact (no email or phone to match on){kept_in_note}")
                    } else {
                        format!("new contact{kept_in_note}")
                    },
                    contact_id: None,
                    action: Action::Create {
                        contact: Box::new(contact),
                    },
                    notes: candidate.notes,
                    original_id: candidate.original_id.clone(),
                    merged_into: None,
                }),
            },
        }
    }
    Ok(Plan { entries })
}

impl Plan {
    pub fn counts(&self, problems: &[Problem]) -> ImportCounts {
        let mut counts = ImportCounts {
            invalid: u32::try_from(problems.len()).unwrap_or(u32::MAX),
            ..ImportCounts::default()
        };
        for entry in &self.entries {
            let counter = match entry.action {
                // Kept apart is a create: the counts say what is written.
                Action::Create { .. } | Action::KeptApart { .. } => &mut counts.create,
                Action::Update { .. } => &mut counts.update,
                Action::MergedInto => &mut counts.merge,
                Action::Skip => &mut counts.skip,
                Action::Invalid => &mut counts.invalid,
            };
            *counter += 1;
        }
        counts
    }

    pub fn preview(&self, format: ImportFormat, problems: &[Problem]) -> ImportPreview {
        let mut items: Vec<ImportPlanItem> = problems
            .iter()
            .map(|problem| ImportPlanItem {
                location: problem.location.clone(),
                display_name: String::new(),
                action: ImportAction::Invalid,
                reason: problem.message.clone(),
                contact_id: None,
            })
            .collect();
        let invalid_first = self
            .entries
            .iter()
            .filter(|entry| matches!(entry.action, Action::Invalid))
            .chain(
                self.entries
                    .iter()
                    .filter(|entry| !matches!(entry.action, Action::Invalid)),
            );
        items.extend(invalid_first.map(|entry| ImportPlanItem {
            location: entry.location.clone(),
            display_name: entry.display_name.clone(),
            action: match entry.action {
                Action::Create { .. } => ImportAction::Create,
                Action::KeptApart { .. } => ImportAction::KeptApart,
                Action::Update { .. } => ImportAction::Update,
                Action::MergedInto => ImportAction::Merge,
                Action::Skip => ImportAction::Skip,
                Action::Invalid => ImportAction::Invalid,
            },
            reason: entry.reason.clone(),
            contact_id: entry.contact_id.clone(),
        }));
        items.truncate(MAX_PLAN_ITEMS);
        ImportPreview {
            format,
            records: u32::try_from(self.entries.len() + problems.len()).unwrap_or(u32::MAX),
            counts: self.counts(problems),
            items,
        }
    }

    /// The error for an import refused because some records are invalid: one field error per
    /// record (`row 7: emails[0] is not an email address`), the first 50 of them.
    pub fn invalid_error(&self, problems: &[Problem]) -> Error {
        let mut fields: Vec<FieldError> = problems
            .iter()
            .map(|problem| FieldError::new(problem.location.clone(), problem.message.clone()))
            .collect();
        fields.extend(
            self.entries
                .iter()
                .filter(|entry| matches!(entry.action, Action::Invalid))
                .map(|entry| {
                    let name = entry.display_name.trim();
                    let message = if name.is_empty() {
                        entry.reason.clone()
                    } else {
                        format!("{name}: {}", entry.reason)
                    };
                    FieldError::new(entry.location.clone(), message)
                }),
        );
        let total = fields.len();
        fields.truncate(50);
        let mut error = Error::validation(fields);
        error.message = format!(
            "{total} record{} cannot be imported; fix the file or import only the valid records \
             (nothing was written)",
            if total == 1 { "" } else { "s" }
        );
        error
    }

    /// Writes the plan under `batch_id`, a few thousand records per transaction (chunks of
    /// one batch; see [`crate::chunked_writes`]). Returns, for records that came with an
    /// OmniCRM id, the id of the contact they ended up as (itself, a matching contact, or the
    /// record they were combined with).
    pub fn apply(
        self,
        chunks: &Chunks<'_>,
        batch_id: &str,
        progress: &mut dyn FnMut(u32, u32),
    ) -> Result<HashMap<String, String>> {
        let mut final_ids: Vec<Option<String>> = Vec::with_capacity(self.entries.len());
        let mut links: Vec<(Option<String>, Option<usize>)> =
            Vec::with_capacity(self.entries.len());
        let total = u32::try_from(
            self.entries
                .iter()
                .filter(|entry| {
                    matches!(
                        entry.action,
                        Action::Create { .. } | Action::KeptApart { .. } | Action::Update { .. }
                    )
                })
                .count(),
        )
        .unwrap_or(u32::MAX);
        let mut pending = PendingCreates::default();
        let mut done = 0u32;
        progress(0, total);
        let mut entries = self.entries.into_iter().peekable();
        while entries.peek().is_some() {
            let group: Vec<Entry> = entries.by_ref().take(RECORDS_PER_TRANSACTION).collect();
            chunks.write(|transaction| {
                let rules = ValidationRules::load(transaction)?;
                let mut index = SearchIndexBatch::default();
                for entry in group {
                    links.push((entry.original_id.clone(), entry.merged_into));
                    match entry.action {
                        Action::Create { contact } | Action::KeptApart { contact } => {
                            final_ids.push(Some(contact.id.clone()));
                            pending.contacts.push(*contact);
                            pending.notes.push(entry.notes);
                            if pending.contacts.len() >= CREATE_CHUNK {
                                done += pending.write(transaction, batch_id, &mut index)?;
                                progress(done, total);
                            }
                        }
                        Action::Update { merged } => {
                            let id = merged.id.clone();
                            contacts::modify_indexing(
                                transaction,
                                &rules,
                                &id,
                                Some(batch_id),
                                &mut index,
                                |current| {
                                    *current = Contact {
                                        created_at: current.created_at.clone(),
                                        updated_at: current.updated_at.clone(),
                                        deleted_at: current.deleted_at.clone(),
                                        ..*merged
                                    };
                                },
                            )?;
                            write_notes(transaction, &id, entry.notes, batch_id)?;
                            final_ids.push(Some(id));
                            done += 1;
                            if done.is_multiple_of(CREATE_CHUNK as u32) {
                                progress(done, total);
                            }
                        }
                        Action::Skip => final_ids.push(entry.contact_id.clone()),
                        Action::MergedInto | Action::Invalid => final_ids.push(None),
                    }
                }
                done += pending.write(transaction, batch_id, &mut index)?;
                index.flush(transaction)
            })?;
            progress(done, total);
        }
        let mut map = HashMap::new();
        for (index, (original, merged_into)) in links.into_iter().enumerate() {
            let target = merged_into.unwrap_or(index);
            if let (Some(original), Some(Some(final_id))) = (original, final_ids.get(target)) {
                map.insert(original, final_id.clone());
            }
        }
        Ok(map)
    }
}

/// Records written per transaction: each holds the database's write lock for a fraction of a
/// second (about 0.5 s at 4,000 in a release build), so other writers (the app, a sync,
/// another command) wait that long at most while a large import runs.
const RECORDS_PER_TRANSACTION: usize = 4_000;

/// New contacts are written this many at a time.
const CREATE_CHUNK: usize = 500;

/// New contacts waiting to be written together, with the notes each brings.
#[derive(Default)]
struct PendingCreates {
    contacts: Vec<Contact>,
    notes: Vec<Vec<NoteInput>>,
    /// Tag names looked up so far in this import.
    tags: contacts::TagNames,
}

impl PendingCreates {
    /// Writes the waiting contacts, then their notes (a note needs its contact); returns how
    /// many contacts were written.
    fn write(
        &mut self,
        transaction: &Connection,
        batch_id: &str,
        index: &mut SearchIndexBatch,
    ) -> Result<u32> {
        let mut contacts = std::mem::take(&mut self.contacts);
        contacts::insert_new_many(
            transaction,
            &mut contacts,
            Some(batch_id),
            &mut self.tags,
            index,
        )?;
        for (contact, notes) in contacts.iter().zip(std::mem::take(&mut self.notes)) {
            write_notes(transaction, &contact.id, notes, batch_id)?;
        }
        Ok(u32::try_from(contacts.len()).unwrap_or(u32::MAX))
    }
}

/// Adds the notes a record brings to its contact, leaving out any the contact already has.
fn write_notes(
    transaction: &Connection,
    contact_id: &str,
    notes: Vec<NoteInput>,
    batch_id: &str,
) -> Result<()> {
    for note in notes {
        if !note_exists(transaction, contact_id, &note)? {
            crate::notes::insert(transaction, contact_id, note, None, Some(batch_id))?;
        }
    }
    Ok(())
}

fn note_exists(connection: &Connection, contact_id: &str, note: &NoteInput) -> Result<bool> {
    let Some(body) = note.body.as_deref().map(str::trim) else {
        return Ok(false);
    };
    Ok(connection
        .prepare_cached(
            "SELECT 1 FROM notes WHERE contact_id = ?1 AND body = ?2 AND deleted_at IS NULL",
        )?
        .query_row([contact_id, body], |_| Ok(()))
        .optional()?
        .is_some())
}

/// `e:` + normalized email, `p:` + E.164 phone.
fn identity_keys(contact: &Contact) -> Vec<String> {
    keys_of(&contact.emails, &contact.phones)
}

fn keys_of(emails: &[contacts::EmailEntry], phones: &[contacts::PhoneEntry]) -> Vec<String> {
    let mut keys: Vec<String> = emails
        .iter()
        .map(|email| format!("e:{}", email.address.trim().to_lowercase()))
        .collect();
    keys.extend(phones.iter().map(|phone| format!("p:{}", phone.number)));
    keys
}

fn describe_key(key: &str) -> String {
    match key.split_once(':') {
        Some(("e", email)) => format!("email {email}"),
        Some(("p", phone)) => format!("phone {phone}"),
        _ => key.to_owned(),
    }
}

/// A candidate after validation, which is the costly part (phone parsing), so it runs on every
/// core before the matching, which must see the records in file order.
struct Prepared {
    candidate: Candidate,
    display_name: String,
    kept_in_note: String,
    validated: Result<crate::contacts::ValidContact>,
}

fn prepare_all(rules: &ValidationRules, candidates: Vec<Candidate>) -> Result<Vec<Prepared>> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    if workers == 1 || candidates.len() < 512 {
        return Ok(candidates
            .into_iter()
            .map(|candidate| prepare(rules, candidate))
            .collect());
    }
    let chunk_size = candidates.len().div_ceil(workers);
    let mut chunks: Vec<Vec<Candidate>> = Vec::with_capacity(workers);
    let mut rest = candidates;
    while rest.len() > chunk_size {
        let tail = rest.split_off(chunk_size);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|candidate| prepare(rules, candidate))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut prepared = Vec::new();
        for handle in handles {
            // A validation thread cannot panic by design; if one did, fail the import rather
            // than drop its records.
            let chunk = handle.join().map_err(|_| {
                Error::internal("checking the records failed; nothing was imported")
            })?;
            prepared.extend(chunk);
        }
        Ok(prepared)
    })
}

fn prepare(rules: &ValidationRules, candidate: Candidate) -> Prepared {
    let mut candidate = candidate;
    let display_name = candidate.input.display_name.clone();
    let mut kept_in_note = String::new();
    let validated = match rules.validate(candidate.input.clone()) {
        Err(error) if only_phones_invalid(&error) => {
            // A number that cannot be read should not cost the whole contact: it goes into
            // a note, word for word, and the rest is imported.
            let bad = bad_phone_indexes(&error);
            let mut lines = Vec::new();
            let mut index = 0;
            candidate.input.phones.retain(|phone| {
                let keep = !bad.contains(&index);
                if !keep {
                    let label = phone.label.as_deref().unwrap_or("phone");
                    lines.push(format!(
                        "Phone ({label}), not a valid number: {}",
                        phone.number
                    ));
                }
                index += 1;
                keep
            });
            if let Some(first) = candidate.input.phones.first_mut() {
                first.is_primary = true;
            }
            kept_in_note = format!(
                "; kept {} unreadable phone number(s) in a note",
                lines.len()
            );
            candidate.notes.push(NoteInput {
                body: Some(lines.join("\n")),
                body_html: None,
                source_type: Some(crate::notes::NoteSource::Upload),
                is_private: false,
            });
            rules.validate(candidate.input.clone())
        }
        other => other,
    };
    let validated = validated.and_then(|valid| {
        for note in &candidate.notes {
            crate::notes::check_length(note)?;
        }
        Ok(valid)
    });
    Prepared {
        candidate,
        display_name,
        kept_in_note,
        validated,
    }
}

fn only_phones_invalid(error: &Error) -> bool {
    let fields = error.field_errors();
    !fields.is_empty()
        && fields
            .iter()
            .all(|field| field.field.starts_with("phones["))
}

fn bad_phone_indexes(error: &Error) -> HashSet<usize> {
    error
        .field_errors()
        .iter()
        .filter_map(|field| {
            let rest = field.field.strip_prefix("phones[")?;
            rest.split_once(']')?.0.parse().ok()
        })
        .collect()
}

fn describe_invalid(error: &Error) -> String {
    let fields = error.field_errors();
    if fields.is_empty() {
        return error.message.clone();
    }
    fields
        .iter()
        .map(|field| format!("{} {}", field.field, field.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Adds to `base` what `extra` has and `base` lacks; returns a description of what was added.
fn merge_into(base: &mut Contact, extra: &Contact) -> Vec<String> {
    let mut added = Vec::new();
    let known_emails: HashSet<String> = base
        .emails
        .iter()
        .map(|email| email.address.trim().to_lowercase())
        .collect();
    for email in &extra.emails {
        if !known_emails.contains(&email.address.trim().to_lowercase()) {
            let mut email = email.clone();
            email.is_primary = base.emails.is_empty();
            added.push(format!("email {}", email.address));
            base.emails.push(email);
        }
    }
    let known_phones: HashSet<String> = base
        .phones
        .iter()
        .map(|phone| phone.number.clone())
        .collect();
    for phone in &extra.phones {
        if !known_phones.contains(&phone.number) {
            let mut phone = phone.clone();
            phone.is_primary = base.phones.is_empty();
            added.push(format!("phone {}", phone.number));
            base.phones.push(phone);
        }
    }
    for tag in &extra.tags {
        if !base
            .tags
            .iter()
            .any(|known| known.eq_ignore_ascii_case(tag))
        {
            added.push(format!("tag {tag}"));
            base.tags.push(tag.clone());
        }
    }
    fill(
        &mut base.organization,
        &extra.organization,
        "organization",
        &mut added,
    );
    fill(&mut base.address, &extra.address, "address", &mut added);
    fill(
        &mut base.date_of_birth,
        &extra.date_of_birth,
        "birthday",
        &mut added,
    );
    fill(&mut base.photo, &extra.photo, "photo", &mut added);
    fill(
        &mut base.referral_source,
        &extra.referral_source,
        "referral source",
        &mut added,
    );
    fill(
        &mut base.emergency_contact_name,
        &extra.emergency_contact_name,
        "emergency contact",
        &mut added,
    );
    fill(
        &mut base.emergency_contact_phone,
        &extra.emergency_contact_phone,
        "emergency phone",
        &mut added,
    );
    added
}

fn fill<T: Clone>(base: &mut Option<T>, extra: &Option<T>, what: &str, added: &mut Vec<String>) {
    if base.is_none() && extra.is_some() {
        *base = extra.clone();
        added.push(what.to_owned());
    }
}

/// An existing live contact holding an email or phone of the file.
#[derive(Clone)]
struct Holder {
    contact_id: String,
    display_name: String,
    name: PersonName,
    /// The key (`e:` email / `p:` phone) it was found by.
    key: String,
}

/// Finds existing live contacts by email or phone.
///
/// Every email and phone of the file is looked up in two statements before matching starts
/// (one row per key that some live contact holds), instead of one query per key per record.
struct Matcher<'connection> {
    connection: &'connection Connection,
    /// Key (`e:` email / `p:` phone) -> the live contacts holding it, oldest first.
    holders: HashMap<String, Vec<Holder>>,
}

impl<'connection> Matcher<'connection> {
    fn new(connection: &'connection Connection, prepared: &[Prepared]) -> Result<Self> {
        let mut emails: HashSet<&str> = HashSet::new();
        let mut phones: HashSet<&str> = HashSet::new();
        for valid in prepared
            .iter()
            .filter_map(|prepared| prepared.validated.as_ref().ok())
        {
            let input = valid.input();
            emails.extend(input.emails.iter().map(|email| email.address.as_str()));
            phones.extend(input.phones.iter().map(|phone| phone.number.as_str()));
        }
        let normalized_emails: HashSet<String> = emails
            .into_iter()
            .map(|address| address.trim().to_lowercase())
            .collect();
        let mut holders = HashMap::new();
        for (prefix, values, sql) in [
            (
                "e:",
                serde_json::to_string(&normalized_emails)?,
                "SELECT e.address_normalized, c.id, c.display_name
                 FROM json_each(?1) AS wanted
                 JOIN contact_emails e ON e.address_normalized = wanted.value
                 JOIN contacts c ON c.id = e.contact_id
                 WHERE c.deleted_at IS NULL
                 ORDER BY c.created_at, c.id",
            ),
            (
                "p:",
                serde_json::to_string(&phones)?,
                "SELECT p.number_e164, c.id, c.display_name
                 FROM json_each(?1) AS wanted
                 JOIN contact_phones p ON p.number_e164 = wanted.value
                 JOIN contacts c ON c.id = p.contact_id
                 WHERE c.deleted_at IS NULL
                 ORDER BY c.created_at, c.id",
            ),
        ] {
            let mut statement = connection.prepare(sql)?;
            let mut rows = statement.query([values])?;
            while let Some(row) = rows.next()? {
                let value: String = row.get(0)?;
                let display_name: String = row.get(2)?;
                let key = format!("{prefix}{value}");
                holders
                    .entry(key.clone())
                    .or_insert_with(Vec::new)
                    .push(Holder {
                        contact_id: row.get(1)?,
                        name: PersonName::parse(&display_name),
                        display_name,
                        key,
                    });
            }
        }
        Ok(Self {
            connection,
            holders,
        })
    }

    /// The oldest live contact holding one of the keys whose name does not disagree with
    /// `name`, with the key that matched; and, when there is none, the first holder whose
    /// first name does disagree (a possible duplicate to keep apart).
    fn find(
        &self,
        keys: &[String],
        name: &PersonName,
    ) -> (Option<(String, Option<String>)>, Option<Holder>) {
        let mut disagreeing: Option<&Holder> = None;
        for key in keys {
            for holder in self.holders.get(key).into_iter().flatten() {
                if holder.name.agreement(name).allows_match() {
                    return (Some((holder.contact_id.clone(), Some(key.clone()))), None);
                }
                disagreeing.get_or_insert(holder);
            }
        }
        (None, disagreeing.cloned())
    }

    fn id_taken(&mut self, id: &str) -> Result<bool> {
        Ok(self
            .connection
            .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn is_live(&mut self, id: &str) -> Result<bool> {
        Ok(contacts::ensure_live(self.connection, id).is_ok())
    }
}

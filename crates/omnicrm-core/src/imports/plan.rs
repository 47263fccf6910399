//! Matching import candidates against existing contacts and each other, and writing the plan.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::records::{Candidate, Problem, RecordAt};
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

/// What a record of the plan will do. The contact it writes is kept packed (see [`Packed`]).
enum Action {
    Create(Packed),
    /// A create that shares an email or phone with a record of another first name.
    KeptApart(Packed),
    /// The matching contact as it will be (with its id), and the notes to add.
    Update(Packed),
    /// Combined with the earlier record at this index.
    MergedInto(usize),
    /// Already in OmniCRM as this contact, with nothing new.
    Skip(Box<str>),
    Invalid,
}

/// One record of the plan, kept small: a file is planned whole before anything is written,
/// and a large one must not take many times its size in memory (issue 20). What only a
/// preview or an error shows is kept for the records they can show.
struct Entry {
    location: RecordAt,
    action: Action,
    /// See [`Planner::keeps_shown`].
    shown: Option<Box<Shown>>,
}

/// What the preview shows of a record.
struct Shown {
    display_name: String,
    reason: String,
    /// The existing contact it matched (updates and skips) or may duplicate (kept apart).
    contact_id: Option<String>,
}

impl Entry {
    fn kind(&self) -> ImportAction {
        match self.action {
            Action::Create(_) => ImportAction::Create,
            Action::KeptApart(_) => ImportAction::KeptApart,
            Action::Update(_) => ImportAction::Update,
            Action::MergedInto(_) => ImportAction::Merge,
            Action::Skip(_) => ImportAction::Skip,
            Action::Invalid => ImportAction::Invalid,
        }
    }
}

/// The records of a plan, in blocks of a fixed size: a vector doubling its capacity would hold
/// up to twice the records, and three times while it moves them.
#[derive(Default)]
struct Entries {
    blocks: Vec<Vec<Entry>>,
    len: usize,
}

const ENTRIES_PER_BLOCK: usize = 8_192;

impl Entries {
    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, entry: Entry) {
        match self.blocks.last_mut() {
            Some(block) if block.len() < ENTRIES_PER_BLOCK => block.push(entry),
            _ => {
                let mut block = Vec::with_capacity(ENTRIES_PER_BLOCK);
                block.push(entry);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    fn get(&self, index: usize) -> Option<&Entry> {
        self.blocks
            .get(index / ENTRIES_PER_BLOCK)?
            .get(index % ENTRIES_PER_BLOCK)
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut Entry> {
        self.blocks
            .get_mut(index / ENTRIES_PER_BLOCK)?
            .get_mut(index % ENTRIES_PER_BLOCK)
    }

    fn iter(&self) -> impl Iterator<Item = &Entry> + Clone {
        self.blocks.iter().flatten()
    }

    fn into_iter(self) -> impl Iterator<Item = Entry> {
        self.blocks.into_iter().flatten()
    }
}

/// What the planner decided for one record.
struct Planned {
    action: Action,
    reason: String,
    contact_id: Option<String>,
}

pub(crate) struct Plan {
    entries: Entries,
    /// The contacts the entries write.
    store: PackedStore,
    /// Entry index -> the id the record had in an OmniCRM export.
    original_ids: HashMap<usize, Box<str>>,
    /// Records that could not be read at all.
    problems: Vec<Problem>,
}

/// Records read, checked and matched at a time: the file is read as it is planned, and the
/// existing contacts holding their emails and phones are looked up in one query per chunk.
const PLAN_CHUNK: usize = 1_024;

/// Plans the import of `records` (see the module's notes). Reads them one chunk at a time.
pub(crate) fn plan(
    connection: &Connection,
    records: impl Iterator<Item = Result<std::result::Result<Candidate, Problem>>>,
) -> Result<Plan> {
    let mut planner = Planner {
        connection,
        rules: ValidationRules::load(connection)?,
        store: PackedStore::new(now_utc()),
        entries: Entries::default(),
        original_ids: HashMap::new(),
        problems: Vec::new(),
        seen: KeyIndex::default(),
        reasons_kept: [0, 0],
    };
    let mut chunk = Vec::with_capacity(PLAN_CHUNK);
    for record in records {
        match record? {
            Ok(candidate) => chunk.push(candidate),
            Err(problem) => planner.problems.push(problem),
        }
        if chunk.len() == PLAN_CHUNK {
            planner.plan_chunk(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(PLAN_CHUNK),
            ))?;
        }
    }
    planner.plan_chunk(chunk)?;
    Ok(Plan {
        entries: planner.entries,
        store: planner.store,
        original_ids: planner.original_ids,
        problems: planner.problems,
    })
}

struct Planner<'connection> {
    connection: &'connection Connection,
    rules: ValidationRules,
    /// The contacts the entries write, and when the plan was made.
    store: PackedStore,
    entries: Entries,
    /// See [`Plan::original_ids`].
    original_ids: HashMap<usize, Box<str>>,
    problems: Vec<Problem>,
    /// The emails and phones of the records planned so far.
    seen: KeyIndex,
    /// Reasons kept so far: of invalid records, of the others.
    reasons_kept: [usize; 2],
}

impl Planner<'_> {
    /// Whether what a preview shows of a record with `action` is kept: the preview lists the
    /// invalid records first, then the rest in file order, [`MAX_PLAN_ITEMS`] in all; an
    /// error names the first invalid ones.
    fn keeps_shown(&mut self, action: &Action) -> bool {
        let slot = usize::from(!matches!(action, Action::Invalid));
        match self.reasons_kept.get_mut(slot) {
            Some(kept) if *kept < MAX_PLAN_ITEMS => {
                *kept += 1;
                true
            }
            _ => false,
        }
    }

    fn push(
        &mut self,
        location: RecordAt,
        display_name: String,
        original_id: Option<String>,
        planned: Planned,
    ) {
        let Planned {
            action,
            reason,
            contact_id,
        } = planned;
        let shown = self.keeps_shown(&action).then(|| {
            Box::new(Shown {
                display_name,
                reason,
                contact_id,
            })
        });
        self.entries.push(Entry {
            location,
            action,
            shown,
        });
        if let Some(original_id) = original_id {
            self.original_ids
                .insert(self.entries.len() - 1, original_id.into_boxed_str());
        }
    }

    /// The name of the contact entry `index` writes or matched (the existing contact's, for
    /// a match).
    fn display_name_of(&self, index: usize) -> Result<Option<String>> {
        let Some(entry) = self.entries.get(index) else {
            return Ok(None);
        };
        match &entry.action {
            Action::Create(packed) | Action::KeptApart(packed) | Action::Update(packed) => {
                Ok(Some(self.store.unpack(*packed)?.0.display_name))
            }
            Action::Skip(id) => Ok(Some(contacts::load_any(self.connection, id)?.display_name)),
            Action::MergedInto(_) | Action::Invalid => Ok(None),
        }
    }

    /// The name later records sharing an email or phone with entry `index` are compared with.
    fn name_of(&self, index: usize) -> Result<Option<PersonName>> {
        Ok(self
            .display_name_of(index)?
            .map(|name| PersonName::parse(&name)))
    }

    fn plan_chunk(&mut self, candidates: Vec<Candidate>) -> Result<()> {
        if candidates.is_empty() {
            return Ok(());
        }
        let connection = self.connection;
        let prepared_all = prepare_all(&self.rules, candidates);
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
                    self.push(
                        candidate.location,
                        display_name,
                        None,
                        Planned {
                            action: Action::Invalid,
                            reason: describe_invalid(&error),
                            contact_id: None,
                        },
                    );
                    continue;
                }
            };
            let created_at = candidate
                .created_at
                .unwrap_or_else(|| self.store.now.clone());
            let id = match &candidate.original_id {
                Some(id) if !matcher.id_taken(id)? => id.clone(),
                // Given when it is written (see `Packed`).
                _ => String::new(),
            };
            let updated_at = created_at.clone().max(self.store.now.clone());
            let contact = valid.into_contact(id, created_at, updated_at);
            let keys = identity_keys(&contact);
            let name = PersonName::parse(&contact.display_name);

            // The same person earlier in this file? A record sharing an email or phone but
            // with another first name is someone else (a wife sharing her husband's home
            // phone).
            let mut earlier_agreeing: Option<(&String, usize)> = None;
            let mut earlier_disagreeing: Option<(&String, usize)> = None;
            for key in &keys {
                for index in self.seen.holders(key) {
                    let agrees = self
                        .name_of(index)?
                        .is_some_and(|earlier| earlier.agreement(&name).allows_match());
                    let slot = if agrees {
                        &mut earlier_agreeing
                    } else {
                        &mut earlier_disagreeing
                    };
                    slot.get_or_insert((key, index));
                }
            }
            if let Some((key, index)) = earlier_agreeing {
                let earlier_location = self
                    .entries
                    .get(index)
                    .map(|entry| entry.location.to_string())
                    .unwrap_or_default();
                self.combine(index, &contact, candidate.notes)?;
                for key in &keys {
                    self.seen.add(key, index);
                }
                self.push(
                    candidate.location,
                    display_name,
                    candidate.original_id,
                    Planned {
                        action: Action::MergedInto(index),
                        reason: format!(
                            "same {} as {earlier_location}; combined with it",
                            describe_key(key)
                        ),
                        contact_id: None,
                    },
                );
                continue;
            }

            // Already in OmniCRM?
            let (existing_id, existing_disagreeing) = match &candidate.original_id {
                Some(original) if matcher.is_live(original)? => {
                    (Some((original.clone(), None)), None)
                }
                _ => matcher.find(&keys, &name),
            };
            let index = self.entries.len();
            for key in &keys {
                self.seen.add(key, index);
            }
            let kept_apart_from = match (earlier_disagreeing, existing_disagreeing) {
                (Some((key, earlier)), _) => {
                    let name = match self
                        .entries
                        .get(earlier)
                        .and_then(|entry| entry.shown.as_ref())
                    {
                        Some(shown) => Some(shown.display_name.clone()),
                        None => self.display_name_of(earlier)?,
                    };
                    self.entries.get(earlier).map(|entry| {
                        (
                            format!(
                                "same {} as {} ({})",
                                describe_key(key),
                                entry.location,
                                name.unwrap_or_default()
                            ),
                            None,
                        )
                    })
                }
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
                            Action::Skip(existing_id.clone().into_boxed_str()),
                            format!(
                                "already in OmniCRM as {} ({how}); nothing new",
                                existing.display_name
                            ),
                        )
                    } else if added.is_empty() {
                        let reason = format!(
                            "matches {} ({how}); adds {} note(s)",
                            existing.display_name,
                            new_notes.len()
                        );
                        (Action::Update(self.store.pack(merged, new_notes)?), reason)
                    } else {
                        (
                            Action::Update(self.store.pack(merged, new_notes)?),
                            format!(
                                "matches {} ({how}); adds {}",
                                existing.display_name,
                                added.join(", ")
                            ),
                        )
                    };
                    self.push(
                        candidate.location,
                        display_name,
                        candidate.original_id,
                        Planned {
                            action,
                            reason,
                            contact_id: Some(existing_id),
                        },
                    );
                }
                None => {
                    let packed = self.store.pack(contact, candidate.notes)?;
                    match kept_apart_from {
                        Some((shared, other_contact)) => self.push(
                            candidate.location,
                            display_name,
                            candidate.original_id,
                            Planned {
                                action: Action::KeptApart(packed),
                                reason: format!(
                                "possible duplicate, kept apart: {shared}, but a different first \
                             name; created as its own contact{kept_in_note}"
                            ),
                                contact_id: other_contact,
                            },
                        ),
                        None => self.push(
                            candidate.location,
                            display_name,
                            candidate.original_id,
                            Planned {
                                action: Action::Create(packed),
                                reason: if keys.is_empty() {
                                    format!(
                                        "new contact (no email or phone to match on){kept_in_note}"
                                    )
                                } else {
                                    format!("new contact{kept_in_note}")
                                },
                                contact_id: None,
                            },
                        ),
                    }
                }
            }
        }
        Ok(())
    }

    /// Combines a record with the earlier record `index` of the same person: what it adds
    /// goes into the contact that one writes, and its notes with it. An earlier record that
    /// matched a contact with nothing new becomes an update when this one brings something.
    fn combine(&mut self, index: usize, contact: &Contact, notes: Vec<NoteInput>) -> Result<()> {
        let connection = self.connection;
        let store = &mut self.store;
        let Some(target) = self.entries.get_mut(index) else {
            return Ok(());
        };
        match &mut target.action {
            Action::Create(packed) | Action::KeptApart(packed) | Action::Update(packed) => {
                let (mut base, mut base_notes) = store.unpack(*packed)?;
                merge_into(&mut base, contact);
                base_notes.extend(notes);
                *packed = store.pack(base, base_notes)?;
            }
            Action::Skip(existing_id) => {
                let mut merged = contacts::load_any(connection, existing_id)?;
                let added = merge_into(&mut merged, contact);
                let mut new_notes = Vec::new();
                for note in notes {
                    if !note_exists(connection, existing_id, &note)? {
                        new_notes.push(note);
                    }
                }
                if added.is_empty() && new_notes.is_empty() {
                    return Ok(());
                }
                if let Some(shown) = target.shown.as_mut() {
                    let mut what = added;
                    if !new_notes.is_empty() {
                        what.push(format!("{} note(s)", new_notes.len()));
                    }
                    shown.reason = format!(
                        "matches {}; a later record of the same person adds {}",
                        merged.display_name,
                        what.join(", ")
                    );
                }
                target.action = Action::Update(store.pack(merged, new_notes)?);
            }
            Action::MergedInto(_) | Action::Invalid => {}
        }
        Ok(())
    }
}

/// Where a planned record is kept in its [`PackedStore`].
#[derive(Debug, Clone, Copy)]
struct Packed {
    block: u32,
    start: u32,
    len: u32,
}

/// The planned contacts and the notes each brings, packed with postcard (a couple of hundred
/// bytes instead of a few kilobytes of strings and vectors per record) one after another in
/// blocks of a mebibyte (one allocation per block, not one per record). A new contact's id is
/// left empty until it is written (then given), and times equal to the plan's are left empty
/// too. A record combined with a later one is packed again; its old bytes stay unused.
struct PackedStore {
    blocks: Vec<Vec<u8>>,
    /// When the plan was made.
    now: String,
}

const PACKED_BLOCK_BYTES: usize = 1 << 20;

/// [`Contact`] as packed: its two JSON fields as text (postcard needs every type known).
#[derive(Serialize, Deserialize)]
struct PackedFields {
    id: String,
    display_name: String,
    organization: Option<String>,
    emails: Vec<contacts::EmailEntry>,
    phones: Vec<contacts::PhoneEntry>,
    address: Option<contacts::Address>,
    date_of_birth: Option<String>,
    photo: Option<String>,
    lifecycle_stage: Option<contacts::LifecycleStage>,
    client_status: contacts::ClientStatus,
    source: contacts::ContactSource,
    referral_source: Option<String>,
    emergency_contact_name: Option<String>,
    emergency_contact_phone: Option<String>,
    health_context: String,
    preferences: String,
    tags: Vec<String>,
    created_at: String,
    updated_at: String,
    deleted_at: Option<String>,
    notes: Vec<NoteInput>,
}

impl PackedStore {
    fn new(now: String) -> Self {
        Self {
            blocks: Vec::new(),
            now,
        }
    }

    fn pack(&mut self, contact: Contact, notes: Vec<NoteInput>) -> Result<Packed> {
        let now = self.now.as_str();
        let Contact {
            id,
            display_name,
            organization,
            emails,
            phones,
            address,
            date_of_birth,
            photo,
            lifecycle_stage,
            client_status,
            source,
            referral_source,
            emergency_contact_name,
            emergency_contact_phone,
            health_context,
            preferences,
            tags,
            created_at,
            updated_at,
            deleted_at,
        } = contact;
        let fields = PackedFields {
            id,
            display_name,
            organization,
            emails,
            phones,
            address,
            date_of_birth,
            photo,
            lifecycle_stage,
            client_status,
            source,
            referral_source,
            emergency_contact_name,
            emergency_contact_phone,
            health_context: serde_json::to_string(&health_context)?,
            preferences: serde_json::to_string(&preferences)?,
            tags,
            created_at: if created_at == now {
                String::new()
            } else {
                created_at
            },
            updated_at: if updated_at == now {
                String::new()
            } else {
                updated_at
            },
            deleted_at,
            notes,
        };
        let bytes = postcard::to_allocvec(&fields).map_err(|error| {
            Error::internal(format!("could not keep a planned record: {error}"))
        })?;
        let fits = self
            .blocks
            .last()
            .is_some_and(|block| block.capacity() - block.len() >= bytes.len());
        if !fits {
            self.blocks
                .push(Vec::with_capacity(PACKED_BLOCK_BYTES.max(bytes.len())));
        }
        let block_index = self.blocks.len() - 1;
        let block = self
            .blocks
            .last_mut()
            .ok_or_else(|| Error::internal("could not keep a planned record"))?;
        let start = block.len();
        block.extend_from_slice(&bytes);
        let number = |value: usize| {
            u32::try_from(value).map_err(|_| Error::internal("the plan is too large to keep"))
        };
        Ok(Packed {
            block: number(block_index)?,
            start: number(start)?,
            len: number(bytes.len())?,
        })
    }

    fn unpack(&self, packed: Packed) -> Result<(Contact, Vec<NoteInput>)> {
        let now = self.now.as_str();
        let start = packed.start as usize;
        let bytes = self
            .blocks
            .get(packed.block as usize)
            .and_then(|block| block.get(start..start + packed.len as usize))
            .ok_or_else(|| Error::internal("a planned record is missing"))?;
        let fields: PackedFields = postcard::from_bytes(bytes).map_err(|error| {
            Error::internal(format!("could not read a planned record: {error}"))
        })?;
        let or_now = |time: String| {
            if time.is_empty() {
                now.to_owned()
            } else {
                time
            }
        };
        let contact = Contact {
            id: if fields.id.is_empty() {
                new_id()
            } else {
                fields.id
            },
            display_name: fields.display_name,
            organization: fields.organization,
            emails: fields.emails,
            phones: fields.phones,
            address: fields.address,
            date_of_birth: fields.date_of_birth,
            photo: fields.photo,
            lifecycle_stage: fields.lifecycle_stage,
            client_status: fields.client_status,
            source: fields.source,
            referral_source: fields.referral_source,
            emergency_contact_name: fields.emergency_contact_name,
            emergency_contact_phone: fields.emergency_contact_phone,
            health_context: serde_json::from_str(&fields.health_context)?,
            preferences: serde_json::from_str(&fields.preferences)?,
            tags: fields.tags,
            created_at: or_now(fields.created_at),
            updated_at: or_now(fields.updated_at),
            deleted_at: fields.deleted_at,
        };
        Ok((contact, fields.notes))
    }
}

/// Every email and phone of the records planned so far, with the records holding each, in
/// file order. A key is kept as a 64-bit SipHash digest, a fraction of its text. Two keys of a
/// file colliding is about one chance in forty million for a million keys, and even then
/// the records are combined only if their names agree too. Most keys have one holder, kept as
/// one number; the others are in a second map.
#[derive(Default)]
struct KeyIndex {
    first: HashMap<u64, u32>,
    more: HashMap<u64, Vec<u32>>,
}

impl KeyIndex {
    fn hash(key: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        hasher.finish()
    }

    /// The records holding `key`, in file order.
    fn holders(&self, key: &str) -> Vec<usize> {
        let hash = Self::hash(key);
        let Some(first) = self.first.get(&hash) else {
            return Vec::new();
        };
        std::iter::once(*first)
            .chain(self.more.get(&hash).into_iter().flatten().copied())
            .map(|index| index as usize)
            .collect()
    }

    /// Records that record `index` holds `key` (once).
    fn add(&mut self, key: &str, index: usize) {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let hash = Self::hash(key);
        match self.first.get(&hash) {
            None => {
                self.first.insert(hash, index);
            }
            Some(first) if *first == index => {}
            Some(_) => {
                let more = self.more.entry(hash).or_default();
                if !more.contains(&index) {
                    more.push(index);
                }
            }
        }
    }
}

impl Plan {
    pub fn counts(&self) -> ImportCounts {
        let mut counts = ImportCounts {
            invalid: u32::try_from(self.problems.len()).unwrap_or(u32::MAX),
            ..ImportCounts::default()
        };
        for entry in self.entries.iter() {
            let counter = match entry.action {
                // Kept apart is a create: the counts say what is written.
                Action::Create(_) | Action::KeptApart(_) => &mut counts.create,
                Action::Update(_) => &mut counts.update,
                Action::MergedInto(_) => &mut counts.merge,
                Action::Skip(_) => &mut counts.skip,
                Action::Invalid => &mut counts.invalid,
            };
            *counter += 1;
        }
        counts
    }

    pub fn preview(&self, format: ImportFormat) -> ImportPreview {
        let mut items: Vec<ImportPlanItem> = self
            .problems
            .iter()
            .take(MAX_PLAN_ITEMS)
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
        items.extend(
            invalid_first
                .take(MAX_PLAN_ITEMS.saturating_sub(items.len()))
                .map(|entry| {
                    let shown = entry.shown.as_deref();
                    ImportPlanItem {
                        location: entry.location.to_string(),
                        display_name: shown
                            .map(|shown| shown.display_name.clone())
                            .unwrap_or_default(),
                        action: entry.kind(),
                        reason: shown.map(|shown| shown.reason.clone()).unwrap_or_default(),
                        contact_id: shown.and_then(|shown| shown.contact_id.clone()),
                    }
                }),
        );
        ImportPreview {
            format,
            records: u32::try_from(self.entries.len() + self.problems.len()).unwrap_or(u32::MAX),
            counts: self.counts(),
            items,
        }
    }

    /// The error for an import refused because some records are invalid: one field error per
    /// record (`row 7: emails[0] is not an email address`), the first 50 of them.
    pub fn invalid_error(&self) -> Error {
        let invalid_entries = self
            .entries
            .iter()
            .filter(|entry| matches!(entry.action, Action::Invalid));
        let total = self.problems.len() + invalid_entries.clone().count();
        let mut fields: Vec<FieldError> = self
            .problems
            .iter()
            .take(50)
            .map(|problem| FieldError::new(problem.location.clone(), problem.message.clone()))
            .collect();
        fields.extend(
            invalid_entries
                .take(50usize.saturating_sub(fields.len()))
                .map(|entry| {
                    let shown = entry.shown.as_deref();
                    let name = shown
                        .map(|shown| shown.display_name.trim())
                        .unwrap_or_default();
                    let reason = shown.map(|shown| shown.reason.as_str()).unwrap_or_default();
                    let message = if name.is_empty() {
                        reason.to_owned()
                    } else {
                        format!("{name}: {reason}")
                    };
                    FieldError::new(entry.location.to_string(), message)
                }),
        );
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
        // Only an OmniCRM export brings ids to follow; a contact file needs none of this.
        let follows_ids = !self.original_ids.is_empty();
        let original_ids = self.original_ids;
        let mut final_ids: Vec<Option<String>> = Vec::new();
        let mut links: Vec<(Option<Box<str>>, Option<usize>)> = Vec::new();
        let store = self.store;
        let total = u32::try_from(
            self.entries
                .iter()
                .filter(|entry| {
                    matches!(
                        entry.action,
                        Action::Create(_) | Action::KeptApart(_) | Action::Update(_)
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
                    if follows_ids {
                        let merged_into = match entry.action {
                            Action::MergedInto(index) => Some(index),
                            _ => None,
                        };
                        let original = original_ids.get(&links.len()).cloned();
                        links.push((original, merged_into));
                    }
                    let final_id = match entry.action {
                        Action::Create(packed) | Action::KeptApart(packed) => {
                            let (contact, notes) = store.unpack(packed)?;
                            let id = contact.id.clone();
                            pending.contacts.push(contact);
                            pending.notes.push(notes);
                            if pending.contacts.len() >= CREATE_CHUNK {
                                done += pending.write(transaction, batch_id, &mut index)?;
                                progress(done, total);
                            }
                            Some(id)
                        }
                        Action::Update(packed) => {
                            let (merged, notes) = store.unpack(packed)?;
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
                                        ..merged
                                    };
                                },
                            )?;
                            write_notes(transaction, &id, notes, batch_id)?;
                            done += 1;
                            if done.is_multiple_of(CREATE_CHUNK as u32) {
                                progress(done, total);
                            }
                            Some(id)
                        }
                        Action::Skip(id) => Some(id.into_string()),
                        Action::MergedInto(_) | Action::Invalid => None,
                    };
                    if follows_ids {
                        final_ids.push(final_id);
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
                map.insert(original.into_string(), final_id.clone());
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

/// A candidate after validation.
struct Prepared {
    candidate: Candidate,
    display_name: String,
    kept_in_note: String,
    validated: Result<crate::contacts::ValidContact>,
}

/// Validates a chunk of candidates, on this thread. (Spread over threads a chunk at a time,
/// the 134k-row benchmark file was planned 17 % slower and in 7.5 MB more memory: each new
/// thread started with cold phone-number caches and built its own.)
fn prepare_all(rules: &ValidationRules, candidates: Vec<Candidate>) -> Vec<Prepared> {
    candidates
        .into_iter()
        .map(|candidate| prepare(rules, candidate))
        .collect()
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

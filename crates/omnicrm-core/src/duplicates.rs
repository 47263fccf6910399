//! Duplicate contacts: suggestions of contacts that are probably the same person, merging them
//! into one as a single undoable batch, and dismissals of groups the user says are different
//! people.
//!
//! Suggestions come in two strengths. *Exact* groups share an identifier (a normalized email
//! address, an E.164 phone number or an added identity); identifiers chain, so A and B sharing an
//! email and B and C sharing a phone make one group. *Likely* pairs have names that agree (see
//! [`crate::names`]: the same given name allowing nicknames, accents, initials, typos and last
//! name first, and a surname in common) and one more thing in common: an organization, a work
//! email domain, a date of birth, a street address, a postal code or a city.
//!
//! Sharing things is never enough when the given names disagree: a husband and wife with one
//! home phone or family email, a father and his `Jr.`, or siblings with one surname and email
//! domain are not suggested at all (the import keeps such records apart too). Nor are namesakes
//! at different street addresses, or people with different dates of birth.
//!
//! Likely candidates are only compared within a block of names that share the first letters of
//! a surname (or, for names written last-name-first, of the given and last names together),
//! which keeps suggestions fast on tens of thousands of contacts.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::consents::{self, Consent};
use crate::contacts::{self, Address, Contact, EmailEntry, PhoneEntry};
use crate::error::{Error, ErrorCode, FieldError, Result};
use crate::identities::{self, Identity};
use crate::interactions::{self, Interaction};
use crate::names::{fold, NameAgreement, PersonName};
use crate::notes::{self, Note};
use crate::productivity::{self, Goal, Task};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const DISMISSAL_ENTITY: &str = "duplicate_dismissal";

/// The most suggestions one call returns.
pub const MAX_SUGGESTIONS: u32 = 1000;

/// Contacts sharing one identifier beyond this many are chained rather than paired, so a shared
/// family address does not make thousands of pairs.
const MAX_PAIRED_GROUP: usize = 50;

/// A work email domain held by more contacts than this counts as public: sharing it says
/// nothing.
const MAX_DOMAIN_CONTACTS: usize = 12;

/// Email domains that say nothing about who someone works with.
const PUBLIC_EMAIL_DOMAINS: &[&str] = &[
    "163.com",
    "aol.com",
    "comcast.net",
    "example.com",
    "example.net",
    "example.org",
    "fastmail.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mac.com",
    "mail.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "web.de",
    "yahoo.co.uk",
    "yahoo.com",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
];

/// How sure a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateConfidence {
    /// The contacts share an email address, phone number or other identifier.
    Exact,
    /// Names that agree (given name and surname) and one more detail in common.
    Likely,
}

impl DuplicateConfidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Likely => "likely",
        }
    }
}

/// Contacts that are probably one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuplicateSuggestion {
    /// Two or more live contacts, oldest first.
    pub contact_ids: Vec<String>,
    /// The display name of each contact, in the same order.
    pub display_names: Vec<String>,
    pub confidence: DuplicateConfidence,
    /// Why, for people: `same email maya@example.com`, `same phone +14155550134`, ...
    pub reasons: Vec<String>,
}

/// Which contact each field of the merged contact comes from. `None` keeps the survivor's
/// value, or, when the survivor's is empty, takes the first filled one of the merged contacts
/// (a merge never drops a value nobody chose to drop); a contact id (the survivor's or a
/// merged contact's) takes that contact's value, even when it is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct MergeFieldChoices {
    pub display_name: Option<String>,
    pub organization: Option<String>,
    pub address: Option<String>,
    pub date_of_birth: Option<String>,
    pub photo: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub client_status: Option<String>,
    pub referral_source: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
}

impl MergeFieldChoices {
    /// The names of the fields that can be chosen, as `set` and error paths spell them.
    pub const FIELD_NAMES: [&'static str; 10] = [
        "display_name",
        "organization",
        "address",
        "date_of_birth",
        "photo",
        "lifecycle_stage",
        "client_status",
        "referral_source",
        "emergency_contact_name",
        "emergency_contact_phone",
    ];

    /// Takes `field` from `contact_id`; an unknown field name is a validation error.
    pub fn set(&mut self, field: &str, contact_id: &str) -> Result<()> {
        let slot = match field {
            "display_name" => &mut self.display_name,
            "organization" => &mut self.organization,
            "address" => &mut self.address,
            "date_of_birth" => &mut self.date_of_birth,
            "photo" => &mut self.photo,
            "lifecycle_stage" => &mut self.lifecycle_stage,
            "client_status" => &mut self.client_status,
            "referral_source" => &mut self.referral_source,
            "emergency_contact_name" => &mut self.emergency_contact_name,
            "emergency_contact_phone" => &mut self.emergency_contact_phone,
            other => {
                return Err(Error::invalid_field(
                    "fields",
                    format!(
                        "has no field '{other}'; choose one of {}",
                        Self::FIELD_NAMES.join(", ")
                    ),
                ))
            }
        };
        *slot = Some(contact_id.to_owned());
        Ok(())
    }

    /// Each field name with the contact chosen for it.
    fn entries(&self) -> [(&'static str, Option<&str>); 10] {
        [
            ("display_name", self.display_name.as_deref()),
            ("organization", self.organization.as_deref()),
            ("address", self.address.as_deref()),
            ("date_of_birth", self.date_of_birth.as_deref()),
            ("photo", self.photo.as_deref()),
            ("lifecycle_stage", self.lifecycle_stage.as_deref()),
            ("client_status", self.client_status.as_deref()),
            ("referral_source", self.referral_source.as_deref()),
            (
                "emergency_contact_name",
                self.emergency_contact_name.as_deref(),
            ),
            (
                "emergency_contact_phone",
                self.emergency_contact_phone.as_deref(),
            ),
        ]
    }
}

/// Merge `merged_ids` into `survivor_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MergeRequest {
    pub survivor_id: String,
    pub merged_ids: Vec<String>,
    #[serde(default)]
    pub fields: MergeFieldChoices,
}

/// How many records a merge moved from the merged contacts to the survivor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MovedCounts {
    pub notes: u32,
    pub interactions: u32,
    pub tasks: u32,
    pub goals: u32,
    pub identities: u32,
    pub consents: u32,
}

/// What a merge did. `core.undo.batch(batch_id)` reverts all of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MergeOutcome {
    pub survivor: Contact,
    pub batch_id: String,
    pub moved: MovedCounts,
}

/// Two contacts the user said are different people; `first_contact_id` sorts before
/// `second_contact_id`. Stored through the change log so dismissals can sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DuplicateDismissal {
    pub id: String,
    pub first_contact_id: String,
    pub second_contact_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl Record for DuplicateDismissal {
    const ENTITY: &'static str = DISMISSAL_ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(
                "SELECT id, first_contact_id, second_contact_id, created_at, updated_at,
                        deleted_at
                 FROM duplicate_dismissals WHERE id = ?1",
            )?
            .query_row([id], |row| {
                Ok(DuplicateDismissal {
                    id: row.get(0)?,
                    first_contact_id: row.get(1)?,
                    second_contact_id: row.get(2)?,
                    created_at: row.get(3)?,
                    updated_at: row.get(4)?,
                    deleted_at: row.get(5)?,
                })
            })
            .optional()?
            .ok_or_else(|| Error::not_found(DISMISSAL_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO duplicate_dismissals (id, first_contact_id, second_contact_id,
                     created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET
                     first_contact_id = excluded.first_contact_id,
                     second_contact_id = excluded.second_contact_id,
                     created_at = excluded.created_at, updated_at = excluded.updated_at,
                     deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.first_contact_id,
                self.second_contact_id,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

/// Finds, merges and dismisses duplicate contacts.
#[derive(Debug, Clone)]
pub struct DuplicateService {
    database: Database,
}

impl DuplicateService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// At most `limit` (up to [`MAX_SUGGESTIONS`]) suggestions: exact groups first, then likely
    /// pairs, each ordered by name. Dismissed pairs are never suggested.
    pub fn suggestions(&self, limit: u32) -> Result<Vec<DuplicateSuggestion>> {
        if limit == 0 {
            return Err(Error::invalid_field("limit", "must be at least 1"));
        }
        let limit = usize::try_from(limit.min(MAX_SUGGESTIONS)).unwrap_or(usize::MAX);
        self.database
            .read(|connection| suggestions(connection, limit))
    }

    /// Merges contacts into the survivor in one transaction and one batch: the survivor takes
    /// the chosen fields and every email, phone and tag; notes, interactions, tasks, goals,
    /// identities and consents move to it; the merged contacts are deleted.
    pub fn merge(&self, request: MergeRequest) -> Result<MergeOutcome> {
        self.database
            .write(|transaction| merge(transaction, &request))
    }

    /// Remembers that these contacts are different people: no pair of them is suggested again.
    pub fn dismiss(&self, contact_ids: &[String]) -> Result<()> {
        self.database
            .write(|transaction| dismiss(transaction, contact_ids))
    }
}

// Suggestions ------------------------------------------------------------------------------------

/// What suggestions compare of one live contact.
struct Person {
    id: String,
    display_name: String,
    lowercase_name: String,
    name: PersonName,
    /// The words after the first name (or the only word): a hyphenated or double surname
    /// (`Lindqvist-Berg`, `García Márquez`) gives each of its parts.
    surname_tokens: Vec<String>,
    organization: Option<String>,
    street: Option<String>,
    date_of_birth: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    /// Interned comparison keys (see [`Interner`]): integers compare faster than text.
    organization_key: Option<u32>,
    date_key: Option<u32>,
    postal_key: Option<u32>,
    city_key: Option<u32>,
    region_key: Option<u32>,
    street_key: Option<u32>,
    /// Work email domains with their keys, sorted by key.
    domains: Vec<(u32, String)>,
}

/// A suggestion before it is named: contact indexes (oldest first) and reasons.
struct Candidate {
    members: Vec<usize>,
    confidence: DuplicateConfidence,
    reasons: Vec<String>,
}

fn suggestions(connection: &Connection, limit: usize) -> Result<Vec<DuplicateSuggestion>> {
    let people = load_people(connection)?;
    let index_of: HashMap<&str, usize> = people
        .iter()
        .enumerate()
        .map(|(index, person)| (person.id.as_str(), index))
        .collect();
    let dismissed = load_dismissed(connection, &index_of)?;
    let mut groups = UnionFind::new(people.len());
    let mut candidates = exact_groups(connection, &people, &index_of, &dismissed, &mut groups)?;
    candidates.extend(likely_pairs(&people, &dismissed, &mut groups));

    let mut named: Vec<DuplicateSuggestion> = candidates
        .into_iter()
        .map(|candidate| DuplicateSuggestion {
            contact_ids: candidate
                .members
                .iter()
                .filter_map(|index| people.get(*index))
                .map(|person| person.id.clone())
                .collect(),
            display_names: candidate
                .members
                .iter()
                .filter_map(|index| people.get(*index))
                .map(|person| person.display_name.clone())
                .collect(),
            confidence: candidate.confidence,
            reasons: candidate.reasons,
        })
        .collect();
    named.sort_by_cached_key(|suggestion| {
        (
            suggestion.confidence,
            suggestion
                .display_names
                .iter()
                .map(|name| name.to_lowercase())
                .collect::<Vec<_>>(),
            suggestion.contact_ids.clone(),
        )
    });
    named.truncate(limit);
    Ok(named)
}

/// Live contacts, oldest first, with the fields suggestions compare.
fn load_people(connection: &Connection) -> Result<Vec<Person>> {
    let mut statement = connection.prepare_cached(
        "SELECT id, display_name, organization, address_json, date_of_birth FROM contacts
         WHERE deleted_at IS NULL ORDER BY created_at, id",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut domains: HashMap<String, Vec<String>> = HashMap::new();
    let mut email_statement = connection.prepare_cached(
        "SELECT e.contact_id, e.address_normalized FROM contact_emails e
         JOIN contacts c ON c.id = e.contact_id WHERE c.deleted_at IS NULL",
    )?;
    let emails = email_statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    // Domain -> how many contacts have an address there.
    let mut holders: HashMap<String, usize> = HashMap::new();
    for email in emails {
        let (contact_id, address) = email?;
        if let Some((_, domain)) = address.rsplit_once('@') {
            if !domain.is_empty() && !PUBLIC_EMAIL_DOMAINS.contains(&domain) {
                let held = domains.entry(contact_id).or_default();
                if !held.iter().any(|known| known == domain) {
                    held.push(domain.to_owned());
                    *holders.entry(domain.to_owned()).or_default() += 1;
                }
            }
        }
    }
    // A domain many contacts share (a practice's own, a large employer's, a placeholder) says
    // as little as a public one.
    for held in domains.values_mut() {
        held.retain(|domain| {
            holders.get(domain).copied().unwrap_or_default() <= MAX_DOMAIN_CONTACTS
        });
    }
    let mut interner = Interner::default();
    let mut people = Vec::with_capacity(rows.len());
    for (id, display_name, organization, address_json, date_of_birth) in rows {
        // An unreadable address only loses the address comparison.
        let address: Option<Address> = address_json
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok());
        let address = address.unwrap_or_default();
        let name = PersonName::parse(&display_name);
        // Blocks are keyed by the parsed name, so `Smith, John` meets `John Smith`.
        let words = name.words();
        let surname_tokens: Vec<String> = words
            .iter()
            .skip(usize::from(words.len() > 1))
            .cloned()
            .collect();
        let mut contact_domains: Vec<(u32, String)> = domains
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|domain| (interner.key(&domain), domain))
            .collect();
        contact_domains.sort();
        contact_domains.dedup();
        let postal_code = address
            .postal_code
            .map(|code| code.split_whitespace().collect::<String>().to_uppercase())
            .filter(|code| !code.is_empty());
        people.push(Person {
            organization_key: interner.folded_key(organization.as_deref()),
            date_key: date_of_birth.as_deref().map(|date| interner.key(date)),
            postal_key: postal_code.as_deref().map(|code| interner.key(code)),
            city_key: interner.folded_key(address.city.as_deref()),
            region_key: interner.folded_key(address.region.as_deref()),
            street_key: interner.folded_key(address.street.as_deref()),
            street: address.street,
            organization,
            date_of_birth,
            postal_code,
            city: address.city,
            domains: contact_domains,
            id,
            lowercase_name: display_name.to_lowercase(),
            name,
            display_name,
            surname_tokens,
        });
    }
    Ok(people)
}

/// Dismissed pairs of live contacts, as sorted index pairs.
fn load_dismissed(
    connection: &Connection,
    index_of: &HashMap<&str, usize>,
) -> Result<HashSet<(usize, usize)>> {
    let mut statement = connection.prepare_cached(
        "SELECT first_contact_id, second_contact_id FROM duplicate_dismissals
         WHERE deleted_at IS NULL",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut dismissed = HashSet::new();
    for row in rows {
        let (first, second) = row?;
        if let (Some(first), Some(second)) =
            (index_of.get(first.as_str()), index_of.get(second.as_str()))
        {
            dismissed.insert(ordered(*first, *second));
        }
    }
    Ok(dismissed)
}

/// Groups of live contacts sharing an identifier, chained through shared identifiers. Two
/// contacts whose given names disagree are not linked by what they share: a husband and wife
/// with one home phone are two people.
fn exact_groups(
    connection: &Connection,
    people: &[Person],
    index_of: &HashMap<&str, usize>,
    dismissed: &HashSet<(usize, usize)>,
    groups: &mut UnionFind,
) -> Result<Vec<Candidate>> {
    let mut statement = connection.prepare_cached(
        // Liveness is checked against the loaded people: a value shared with a deleted contact
        // leaves a group of one, which pairs with nobody.
        "SELECT kind, value_normalized, contact_id FROM identities
         WHERE value_normalized <> ''
           AND (kind, value_normalized) IN (
               SELECT kind, value_normalized FROM identities
               GROUP BY kind, value_normalized HAVING COUNT(*) > 1)",
    )?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    // (kind, value) -> the contacts that share it, oldest first.
    let mut shared: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (kind, value, id) in rows {
        if let Some(index) = index_of.get(id.as_str()) {
            shared.entry((kind, value)).or_default().push(*index);
        }
    }
    let mut reason_at: Vec<(usize, String)> = Vec::new();
    let mut linked = vec![false; groups.len()];
    for ((kind, value), mut members) in shared {
        members.sort_unstable();
        members.dedup();
        let pairs: Vec<(usize, usize)> = if members.len() <= MAX_PAIRED_GROUP {
            members
                .iter()
                .enumerate()
                .flat_map(|(position, first)| {
                    members
                        .iter()
                        .skip(position + 1)
                        .map(move |second| (*first, *second))
                })
                .collect()
        } else {
            members
                .windows(2)
                .filter_map(|window| match window {
                    [first, second] => Some((*first, *second)),
                    _ => None,
                })
                .collect()
        };
        let mut any = None;
        for (first, second) in pairs {
            if dismissed.contains(&ordered(first, second)) {
                continue;
            }
            let names_allow = match (people.get(first), people.get(second)) {
                (Some(one), Some(other)) => one.name.agreement(&other.name).allows_match(),
                _ => false,
            };
            if !names_allow {
                continue;
            }
            groups.union(first, second);
            for index in [first, second] {
                if let Some(flag) = linked.get_mut(index) {
                    *flag = true;
                }
            }
            any = Some(first);
        }
        if let Some(node) = any {
            reason_at.push((node, format!("same {kind} {value}")));
        }
    }

    let mut by_root: BTreeMap<usize, Candidate> = BTreeMap::new();
    for (index, is_linked) in linked.iter().enumerate() {
        if *is_linked {
            let root = groups.find(index);
            by_root
                .entry(root)
                .or_insert_with(|| Candidate {
                    members: Vec::new(),
                    confidence: DuplicateConfidence::Exact,
                    reasons: Vec::new(),
                })
                .members
                .push(index);
        }
    }
    for (node, reason) in reason_at {
        let root = groups.find(node);
        if let Some(candidate) = by_root.get_mut(&root) {
            if !candidate.reasons.contains(&reason) {
                candidate.reasons.push(reason);
            }
        }
    }
    Ok(by_root.into_values().collect())
}

/// Pairs whose names agree and that have one more detail in common, compared within blocks of
/// names that share the first two letters of a surname word; a double or hyphenated surname
/// puts a contact in the block of each part, so `Maya Lindqvist` meets `Maya Lindqvist-Berg`.
/// A second set of blocks, keyed by the first letters of the given and last names in either
/// order, lets `Kowalski Anjali` meet `Anjali Kowalski`. Pairs already in one exact group are
/// left out.
fn likely_pairs(
    people: &[Person],
    dismissed: &HashSet<(usize, usize)>,
    groups: &mut UnionFind,
) -> Vec<Candidate> {
    let mut blocks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut turned_blocks: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut in_several_blocks: HashSet<usize> = HashSet::new();
    for (index, person) in people.iter().enumerate() {
        let mut keys: Vec<String> = person
            .surname_tokens
            .iter()
            .map(|token| token.chars().take(2).collect())
            .collect();
        keys.sort();
        keys.dedup();
        if keys.len() > 1 {
            in_several_blocks.insert(index);
        }
        for key in keys {
            blocks.entry(key).or_default().push(index);
        }
        let given: String = person.name.given().chars().take(2).collect();
        let last: String = person.name.last().chars().take(2).collect();
        if given != last && !given.is_empty() && !last.is_empty() {
            turned_blocks
                .entry(ordered_text(given, last))
                .or_default()
                .push(index);
        }
    }
    // Two people can share more than one surname block only if both are in several.
    let mut compared: HashSet<(usize, usize)> = HashSet::new();
    let mut found: HashSet<(usize, usize)> = HashSet::new();
    let mut candidates = Vec::new();
    let mut consider = |first_index: usize, second_index: usize, groups: &mut UnionFind| {
        let (Some(first), Some(second)) = (people.get(first_index), people.get(second_index))
        else {
            return;
        };
        // Cheapest test first: most pairs in a block share nothing but letters.
        let shared = shared_details(first, second);
        if shared.is_empty() || conflicting(first, second) {
            return;
        }
        let Some(name_reason) = agreeing_names(first, second) else {
            return;
        };
        let pair = ordered(first_index, second_index);
        if dismissed.contains(&pair)
            || groups.find(pair.0) == groups.find(pair.1)
            || !found.insert(pair)
        {
            return;
        }
        let details: Vec<String> = shared
            .iter()
            .map(|(label, value)| format!("same {label} {value}"))
            .collect();
        candidates.push(Candidate {
            members: vec![pair.0, pair.1],
            confidence: DuplicateConfidence::Likely,
            reasons: vec![format!("{name_reason} and {}", details.join(", "))],
        });
    };
    for members in blocks.values() {
        for (position, first_index) in members.iter().enumerate() {
            for second_index in members.iter().skip(position + 1) {
                if in_several_blocks.contains(first_index)
                    && in_several_blocks.contains(second_index)
                    && !compared.insert(ordered(*first_index, *second_index))
                {
                    continue;
                }
                consider(*first_index, *second_index, groups);
            }
        }
    }
    for members in turned_blocks.values() {
        for (position, first_index) in members.iter().enumerate() {
            let first_given = people
                .get(*first_index)
                .map(|person| person.name.given().chars().take(2).collect::<String>());
            for second_index in members.iter().skip(position + 1) {
                // Only the pairs written the other way round: the rest met in a surname block.
                let second_given = people
                    .get(*second_index)
                    .map(|person| person.name.given().chars().take(2).collect::<String>());
                if first_given != second_given {
                    consider(*first_index, *second_index, groups);
                }
            }
        }
    }
    candidates
}

fn ordered_text(first: String, second: String) -> (String, String) {
    if first <= second {
        (first, second)
    } else {
        (second, first)
    }
}

/// Why two names look like one person's (the given names agree and so does a surname), or
/// `None`.
fn agreeing_names(first: &Person, second: &Person) -> Option<String> {
    if first.name.full_agreement(&second.name) != NameAgreement::Agree {
        return None;
    }
    if first
        .lowercase_name
        .split_whitespace()
        .eq(second.lowercase_name.split_whitespace())
    {
        return Some(format!("same name {}", first.display_name.trim()));
    }
    Some(format!(
        "similar names ({} / {})",
        first.display_name.trim(),
        second.display_name.trim()
    ))
}

/// Details that say two contacts are different people whatever else they share: different
/// dates of birth.
fn conflicting(first: &Person, second: &Person) -> bool {
    first.date_key.is_some() && second.date_key.is_some() && first.date_key != second.date_key
}

/// The details besides the name that two contacts have in common, as (what, value) pairs such
/// as `("organization", "Calm Studio")`. Allocates nothing when there are none. Two different
/// street addresses cancel a shared postal code or city: namesakes in one town are two people.
fn shared_details<'a>(first: &'a Person, second: &'a Person) -> Vec<(&'static str, &'a str)> {
    fn same(first: Option<u32>, second: Option<u32>) -> bool {
        first.is_some() && first == second
    }
    let mut shared = Vec::new();
    if same(first.organization_key, second.organization_key) {
        shared.push((
            "organization",
            first.organization.as_deref().unwrap_or_default(),
        ));
    }
    if let Some((_, domain)) = first.domains.iter().find(|(key, _)| {
        second
            .domains
            .binary_search_by_key(key, |(other, _)| *other)
            .is_ok()
    }) {
        shared.push(("email domain", domain.as_str()));
    }
    if same(first.date_key, second.date_key) {
        shared.push((
            "date of birth",
            first.date_of_birth.as_deref().unwrap_or_default(),
        ));
    }
    let other_streets = first.street_key.is_some()
        && second.street_key.is_some()
        && first.street_key != second.street_key;
    if same(first.street_key, second.street_key) {
        shared.push(("address", first.street.as_deref().unwrap_or_default()));
    } else if other_streets {
        // Two addresses in one town say nothing more.
    } else if same(first.postal_key, second.postal_key) {
        shared.push((
            "postal code",
            first.postal_code.as_deref().unwrap_or_default(),
        ));
    } else if same(first.city_key, second.city_key)
        && (first.region_key.is_none()
            || second.region_key.is_none()
            || first.region_key == second.region_key)
    {
        shared.push(("city", first.city.as_deref().unwrap_or_default()));
    }
    shared
}

/// Gives each distinct text a small number, so comparisons in the pair loop are integer ones.
#[derive(Default)]
struct Interner {
    keys: HashMap<String, u32>,
}

impl Interner {
    fn key(&mut self, text: &str) -> u32 {
        if let Some(key) = self.keys.get(text) {
            return *key;
        }
        let key = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        self.keys.insert(text.to_owned(), key);
        key
    }

    /// The key of the folded text; `None` for absent or blank text.
    fn folded_key(&mut self, text: Option<&str>) -> Option<u32> {
        let folded = fold(text?);
        (!folded.is_empty()).then(|| self.key(&folded))
    }
}

fn ordered(first: usize, second: usize) -> (usize, usize) {
    if first <= second {
        (first, second)
    } else {
        (second, first)
    }
}

/// Disjoint sets of contact indexes; a set's root is its smallest (oldest) member.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        Self {
            parent: (0..size).collect(),
        }
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    fn find(&mut self, mut node: usize) -> usize {
        while let Some(&parent) = self.parent.get(node) {
            if parent == node {
                break;
            }
            let grandparent = self.parent.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = self.parent.get_mut(node) {
                *slot = grandparent;
            }
            node = grandparent;
        }
        node
    }

    fn union(&mut self, first: usize, second: usize) {
        let first = self.find(first);
        let second = self.find(second);
        let (root, child) = ordered(first, second);
        if let Some(slot) = self.parent.get_mut(child) {
            *slot = root;
        }
    }
}

// Merging ----------------------------------------------------------------------------------------

fn merge(transaction: &Connection, request: &MergeRequest) -> Result<MergeOutcome> {
    validate_merge(transaction, request)?;
    let survivor_before = contacts::load_any(transaction, &request.survivor_id)?;
    let merged = request
        .merged_ids
        .iter()
        .map(|id| contacts::load_any(transaction, id))
        .collect::<Result<Vec<_>>>()?;
    let batch_id = new_id();
    let survivor_id = survivor_before.id.clone();

    let rules = contacts::ValidationRules::load(transaction)?;
    contacts::modify(
        transaction,
        &rules,
        &survivor_id,
        Some(&batch_id),
        |contact| {
            combine(contact, &survivor_before, &merged, &request.fields);
        },
    )?;

    let mut moved = MovedCounts::default();
    let mut interaction_ids = Vec::new();
    let mut task_ids = Vec::new();
    for merged_contact in &merged {
        let from = merged_contact.id.as_str();
        for note_id in notes::ids_for_contact(transaction, from)? {
            let before = Note::load_live(transaction, &note_id)?;
            let after = Note {
                contact_id: survivor_id.clone(),
                ..before.clone()
            };
            records::update(transaction, &before, after, Some(&batch_id))?;
            moved.notes += 1;
        }
        push_new(
            &mut interaction_ids,
            interactions::ids_for_contact(transaction, from)?,
        );
        push_new(
            &mut task_ids,
            productivity::task_ids_for_contact(transaction, from)?,
        );
        for goal_id in productivity::goal_ids_for_contact(transaction, from)? {
            let before = Goal::load_live(transaction, &goal_id)?;
            let after = Goal {
                contact_id: Some(survivor_id.clone()),
                ..before.clone()
            };
            records::update(transaction, &before, after, Some(&batch_id))?;
            moved.goals += 1;
        }
        for identity_id in identities::ids_for_contact(transaction, from)? {
            let before = Identity::load_live(transaction, &identity_id)?;
            if survivor_has_identity(transaction, &survivor_id, &before)? {
                records::delete::<Identity>(transaction, &identity_id, Some(&batch_id))?;
                continue;
            }
            let after = Identity {
                contact_id: survivor_id.clone(),
                ..before.clone()
            };
            records::update(transaction, &before, after, Some(&batch_id))?;
            moved.identities += 1;
        }
        for before in consents::live_for_contact(transaction, from)? {
            let after = Consent {
                contact_id: survivor_id.clone(),
                ..before.clone()
            };
            records::update(transaction, &before, after, Some(&batch_id))?;
            moved.consents += 1;
        }
    }
    for interaction_id in interaction_ids {
        let before = Interaction::load_live(transaction, &interaction_id)?;
        let after = Interaction {
            contact_ids: relinked(&before.contact_ids, &request.merged_ids, &survivor_id),
            ..before.clone()
        };
        records::update(transaction, &before, after, Some(&batch_id))?;
        moved.interactions += 1;
    }
    for task_id in task_ids {
        let before = Task::load_live(transaction, &task_id)?;
        let after = Task {
            contact_ids: relinked(&before.contact_ids, &request.merged_ids, &survivor_id),
            ..before.clone()
        };
        records::update(transaction, &before, after, Some(&batch_id))?;
        moved.tasks += 1;
    }
    for merged_contact in &merged {
        contacts::tombstone_in_batch(transaction, &merged_contact.id, &batch_id)?;
    }
    Ok(MergeOutcome {
        survivor: contacts::load_any(transaction, &survivor_id)?,
        batch_id,
        moved,
    })
}

/// Every problem with a merge request, as field errors.
fn validate_merge(connection: &Connection, request: &MergeRequest) -> Result<()> {
    let mut errors = Vec::new();
    if request.survivor_id.trim().is_empty() {
        errors.push(FieldError::new("survivor_id", "is required"));
    } else if !is_live(connection, &request.survivor_id)? {
        errors.push(FieldError::new("survivor_id", "is not a live contact"));
    }
    if request.merged_ids.is_empty() {
        errors.push(FieldError::new(
            "merged_ids",
            "must name at least one contact to merge into the survivor",
        ));
    }
    let mut seen = HashSet::new();
    for id in &request.merged_ids {
        if *id == request.survivor_id {
            errors.push(FieldError::new(
                "merged_ids",
                format!("lists the survivor {id}; a contact cannot be merged into itself"),
            ));
        } else if !seen.insert(id.as_str()) {
            errors.push(FieldError::new("merged_ids", format!("lists {id} twice")));
        } else if !is_live(connection, id)? {
            errors.push(FieldError::new(
                "merged_ids",
                format!("lists {id}, which is not a live contact"),
            ));
        }
    }
    for (field, choice) in request.fields.entries() {
        if let Some(id) = choice {
            if id != request.survivor_id && !request.merged_ids.iter().any(|merged| merged == id) {
                errors.push(FieldError::new(
                    format!("fields.{field}"),
                    format!("names {id}, which is neither the survivor nor a merged contact"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(errors))
    }
}

fn is_live(connection: &Connection, id: &str) -> Result<bool> {
    match contacts::ensure_live(connection, id) {
        Ok(()) => Ok(true),
        Err(error) if error.code == ErrorCode::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// The survivor with the chosen fields, every email, phone and tag, and the health context and
/// preferences of all (the survivor's values win on conflicting keys).
fn combine(
    contact: &mut Contact,
    survivor: &Contact,
    merged: &[Contact],
    choices: &MergeFieldChoices,
) {
    let pick = |choice: &Option<String>| -> Option<&Contact> {
        let id = choice.as_deref()?;
        std::iter::once(survivor)
            .chain(merged)
            .find(|candidate| candidate.id == id)
    };
    if let Some(source) = pick(&choices.display_name) {
        contact.display_name = source.display_name.clone();
    }
    if let Some(source) = pick(&choices.organization) {
        contact.organization = source.organization.clone();
    }
    if let Some(source) = pick(&choices.address) {
        contact.address = source.address.clone();
    }
    if let Some(source) = pick(&choices.date_of_birth) {
        contact.date_of_birth = source.date_of_birth.clone();
    }
    if let Some(source) = pick(&choices.photo) {
        contact.photo = source.photo.clone();
    }
    if let Some(source) = pick(&choices.lifecycle_stage) {
        contact.lifecycle_stage = source.lifecycle_stage;
    }
    if let Some(source) = pick(&choices.client_status) {
        contact.client_status = source.client_status;
    }
    if let Some(source) = pick(&choices.referral_source) {
        contact.referral_source = source.referral_source.clone();
    }
    if let Some(source) = pick(&choices.emergency_contact_name) {
        contact.emergency_contact_name = source.emergency_contact_name.clone();
    }
    if let Some(source) = pick(&choices.emergency_contact_phone) {
        contact.emergency_contact_phone = source.emergency_contact_phone.clone();
    }
    fill_blanks(contact, merged, choices);

    for other in merged {
        for email in &other.emails {
            let normalized = contacts::normalize_email(&email.address);
            if !contact
                .emails
                .iter()
                .any(|existing| contacts::normalize_email(&existing.address) == normalized)
            {
                contact.emails.push(EmailEntry {
                    is_primary: false,
                    ..email.clone()
                });
            }
        }
        for phone in &other.phones {
            if !contact
                .phones
                .iter()
                .any(|existing| existing.number == phone.number)
            {
                contact.phones.push(PhoneEntry {
                    is_primary: false,
                    ..phone.clone()
                });
            }
        }
        for tag in &other.tags {
            if !contact
                .tags
                .iter()
                .any(|existing| existing.to_lowercase() == tag.to_lowercase())
            {
                contact.tags.push(tag.clone());
            }
        }
        contact.health_context = merge_objects(&contact.health_context, &other.health_context);
        contact.preferences = merge_objects(&contact.preferences, &other.preferences);
    }
}

/// Fields nobody chose that are empty on the survivor take the first filled value of the merged
/// contacts, so a default merge never keeps an empty value over a filled one.
fn fill_blanks(contact: &mut Contact, merged: &[Contact], choices: &MergeFieldChoices) {
    fn fill<T: Clone>(
        slot: &mut T,
        chosen: &Option<String>,
        merged: &[Contact],
        value: impl Fn(&Contact) -> &T,
        is_blank: impl Fn(&T) -> bool,
    ) {
        if chosen.is_some() || !is_blank(slot) {
            return;
        }
        if let Some(filled) = merged
            .iter()
            .map(value)
            .find(|candidate| !is_blank(candidate))
        {
            *slot = filled.clone();
        }
    }
    let text = |value: &Option<String>| value.as_deref().is_none_or(|text| text.trim().is_empty());
    fill(
        &mut contact.display_name,
        &choices.display_name,
        merged,
        |other| &other.display_name,
        |name| name.trim().is_empty(),
    );
    fill(
        &mut contact.organization,
        &choices.organization,
        merged,
        |other| &other.organization,
        text,
    );
    fill(
        &mut contact.address,
        &choices.address,
        merged,
        |other| &other.address,
        |address| {
            address.as_ref().is_none_or(|address| {
                [
                    &address.street,
                    &address.city,
                    &address.region,
                    &address.postal_code,
                    &address.country,
                ]
                .into_iter()
                .all(text)
            })
        },
    );
    fill(
        &mut contact.date_of_birth,
        &choices.date_of_birth,
        merged,
        |other| &other.date_of_birth,
        text,
    );
    fill(
        &mut contact.photo,
        &choices.photo,
        merged,
        |other| &other.photo,
        text,
    );
    fill(
        &mut contact.lifecycle_stage,
        &choices.lifecycle_stage,
        merged,
        |other| &other.lifecycle_stage,
        Option::is_none,
    );
    fill(
        &mut contact.referral_source,
        &choices.referral_source,
        merged,
        |other| &other.referral_source,
        text,
    );
    // The emergency contact's name and phone belong together: both come from one contact.
    if choices.emergency_contact_name.is_none()
        && choices.emergency_contact_phone.is_none()
        && text(&contact.emergency_contact_name)
        && text(&contact.emergency_contact_phone)
    {
        if let Some(source) = merged.iter().find(|other| {
            !text(&other.emergency_contact_name) || !text(&other.emergency_contact_phone)
        }) {
            contact.emergency_contact_name = source.emergency_contact_name.clone();
            contact.emergency_contact_phone = source.emergency_contact_phone.clone();
        }
    }
}

/// `kept` with the keys of `added` it lacks; non-objects count as empty.
fn merge_objects(kept: &serde_json::Value, added: &serde_json::Value) -> serde_json::Value {
    let mut combined = match kept {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    if let serde_json::Value::Object(extra) = added {
        for (key, value) in extra {
            if !combined.contains_key(key) {
                combined.insert(key.clone(), value.clone());
            }
        }
    }
    if combined.is_empty() {
        kept.clone()
    } else {
        serde_json::Value::Object(combined)
    }
}

/// The contact ids with every merged id replaced by the survivor, without repeats.
fn relinked(contact_ids: &[String], merged_ids: &[String], survivor_id: &str) -> Vec<String> {
    let mut linked: Vec<String> = Vec::with_capacity(contact_ids.len());
    for id in contact_ids {
        let id = if merged_ids.contains(id) {
            survivor_id
        } else {
            id.as_str()
        };
        if !linked.iter().any(|existing| existing == id) {
            linked.push(id.to_owned());
        }
    }
    linked
}

fn push_new(into: &mut Vec<String>, ids: Vec<String>) {
    for id in ids {
        if !into.contains(&id) {
            into.push(id);
        }
    }
}

fn survivor_has_identity(
    connection: &Connection,
    survivor_id: &str,
    identity: &Identity,
) -> Result<bool> {
    Ok(connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM contact_identities
                            WHERE contact_id = ?1 AND kind = ?2 AND value_normalized = ?3
                              AND deleted_at IS NULL)",
        )?
        .query_row(
            params![
                survivor_id,
                identity.kind.as_str(),
                identity.value_normalized
            ],
            |row| row.get(0),
        )?)
}

// Dismissals -------------------------------------------------------------------------------------

fn dismiss(transaction: &Connection, contact_ids: &[String]) -> Result<()> {
    let mut errors = Vec::new();
    let mut distinct: Vec<&str> = Vec::with_capacity(contact_ids.len());
    for (index, id) in contact_ids.iter().enumerate() {
        if !is_live(transaction, id)? {
            errors.push(FieldError::new(
                format!("contact_ids[{index}]"),
                "is not a live contact",
            ));
        } else if !distinct.contains(&id.as_str()) {
            distinct.push(id);
        }
    }
    if errors.is_empty() && distinct.len() < 2 {
        errors.push(FieldError::new(
            "contact_ids",
            "must name at least two different contacts",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::validation(errors));
    }
    distinct.sort_unstable();
    let batch_id = new_id();
    for (position, first) in distinct.iter().enumerate() {
        for second in distinct.iter().skip(position + 1) {
            let exists: bool = transaction
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM duplicate_dismissals
                                    WHERE first_contact_id = ?1 AND second_contact_id = ?2
                                      AND deleted_at IS NULL)",
                )?
                .query_row([first, second], |row| row.get(0))?;
            if exists {
                continue;
            }
            let now = now_utc();
            let dismissal = DuplicateDismissal {
                id: new_id(),
                first_contact_id: (*first).to_owned(),
                second_contact_id: (*second).to_owned(),
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &dismissal, Some(&batch_id))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relinking_replaces_merged_ids_once() {
        let ids = ["a", "b", "c"].map(str::to_owned);
        assert_eq!(
            relinked(&ids, &["b".to_owned(), "c".to_owned()], "a"),
            ["a"]
        );
        assert_eq!(relinked(&ids[1..], &["b".to_owned()], "z"), ["z", "c"]);
    }

    #[test]
    fn objects_merge_with_the_kept_side_winning() {
        let kept = serde_json::json!({"allergies": "arnica"});
        let added = serde_json::json!({"allergies": "none", "pregnant": false});
        assert_eq!(
            merge_objects(&kept, &added),
            serde_json::json!({"allergies": "arnica", "pregnant": false})
        );
        assert_eq!(
            merge_objects(&serde_json::Value::Null, &serde_json::Value::Null),
            serde_json::Value::Null
        );
    }
}

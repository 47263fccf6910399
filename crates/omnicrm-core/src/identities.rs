//! Identities: every identifier a contact is known by. A contact's own emails and phones are
//! identities already; other identifiers (another address seen in Gmail, a handle) are added
//! here. The ignore list names identifiers that must never be suggested as contacts, such as
//! no-reply senders.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::changes::ChangeReceipt;
use crate::contacts;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

pub(crate) const ENTITY: &str = "identity";
pub(crate) const IGNORED_ENTITY: &str = "ignored_identifier";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Email,
    Phone,
    Handle,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Handle => "handle",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Self::Email),
            "phone" => Some(Self::Phone),
            "handle" => Some(Self::Handle),
            _ => None,
        }
    }
}

/// An identifier added to a contact beyond its own emails and phones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Identity {
    pub id: String,
    pub contact_id: String,
    pub kind: IdentityKind,
    pub value: String,
    pub value_normalized: String,
    /// Where the identifier was learned: `gmail`, `google_calendar`, `import`, `manual`...
    pub provider: String,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

/// One identifier of a contact as the contact page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ContactIdentifier {
    /// Set for added identities (which can be removed); `None` for the contact's own fields.
    pub identity_id: Option<String>,
    pub kind: IdentityKind,
    pub value: String,
    /// The service behind the identifier: `google` for Gmail addresses, `microsoft`, `apple`,
    /// `email` for other addresses, `phone`, or the provider an added identity came from.
    pub provider: String,
}

impl Record for Identity {
    const ENTITY: &'static str = ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(
                "SELECT id, contact_id, kind, value, value_normalized, provider, created_at,
                        updated_at, deleted_at
                 FROM contact_identities WHERE id = ?1",
            )?
            .query_row([id], |row| {
                let kind: String = row.get(2)?;
                Ok(Identity {
                    id: row.get(0)?,
                    contact_id: row.get(1)?,
                    kind: IdentityKind::parse(&kind).unwrap_or(IdentityKind::Handle),
                    value: row.get(3)?,
                    value_normalized: row.get(4)?,
                    provider: row.get(5)?,
                    created_at: row.get(6)?,
                    updated_at: row.get(7)?,
                    deleted_at: row.get(8)?,
                })
            })
            .optional()?
            .ok_or_else(|| Error::not_found(ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO contact_identities (id, contact_id, kind, value, value_normalized,
                     provider, created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET
                     contact_id = excluded.contact_id, kind = excluded.kind,
                     value = excluded.value, value_normalized = excluded.value_normalized,
                     provider = excluded.provider, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.contact_id,
                self.kind.as_str(),
                self.value,
                self.value_normalized,
                self.provider,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

/// A pattern of identifiers never suggested as contacts: an exact address
/// (`billing@studio.com`), a whole domain (`*@mailchimp.com`) or a local part on any domain
/// (`noreply@*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IgnoredIdentifier {
    pub id: String,
    pub pattern: String,
    pub reason: Option<String>,
    pub is_system: bool,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

impl Record for IgnoredIdentifier {
    const ENTITY: &'static str = IGNORED_ENTITY;

    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!(
                "SELECT {IGNORED_COLUMNS} FROM ignored_identifiers WHERE id = ?1"
            ))?
            .query_row([id], ignored_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(IGNORED_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO ignored_identifiers (id, pattern, reason, is_system, created_at,
                     updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET
                     pattern = excluded.pattern, reason = excluded.reason,
                     is_system = excluded.is_system, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.pattern,
                self.reason,
                self.is_system,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const IGNORED_COLUMNS: &str = "id, pattern, reason, is_system, created_at, updated_at, deleted_at";

fn ignored_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IgnoredIdentifier> {
    Ok(IgnoredIdentifier {
        id: row.get(0)?,
        pattern: row.get(1)?,
        reason: row.get(2)?,
        is_system: row.get(3)?,
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        deleted_at: row.get(6)?,
    })
}

#[derive(Debug, Clone)]
pub struct IdentityService {
    database: Database,
}

impl IdentityService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Every identifier of a live contact: its emails and phones, then added identities.
    pub fn list_for_contact(&self, contact_id: &str) -> Result<Vec<ContactIdentifier>> {
        self.database
            .read(|connection| list_for_contact_in(connection, contact_id))
    }

    /// Adds an identifier to a contact.
    pub fn add(
        &self,
        contact_id: &str,
        kind: IdentityKind,
        value: &str,
        provider: &str,
    ) -> Result<Identity> {
        self.database
            .write(|transaction| add(transaction, contact_id, kind, value, provider, None))
    }

    pub fn remove(&self, identity_id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Identity>(transaction, identity_id, None))
    }

    /// The live contacts known by this identifier.
    pub fn find_contacts(&self, kind: IdentityKind, value: &str) -> Result<Vec<String>> {
        let normalized = normalize(kind, value)?;
        self.database
            .read(|connection| contacts_by_identifier(connection, kind, &normalized))
    }

    pub fn list_ignored(&self) -> Result<Vec<IgnoredIdentifier>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {IGNORED_COLUMNS} FROM ignored_identifiers WHERE deleted_at IS NULL
                 ORDER BY is_system DESC, pattern"
            ))?;
            let ignored = statement
                .query_map([], ignored_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(ignored)
        })
    }

    pub fn ignore(&self, pattern: &str, reason: Option<&str>) -> Result<IgnoredIdentifier> {
        let pattern = check_pattern(pattern)?;
        self.database.write(|transaction| {
            let taken: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM ignored_identifiers
                                WHERE pattern = ?1 AND deleted_at IS NULL)",
                [&pattern],
                |row| row.get(0),
            )?;
            if taken {
                return Err(Error::conflict(format!("'{pattern}' is already ignored"))
                    .with_field("pattern", "is already on the ignore list"));
            }
            let now = now_utc();
            let ignored = IgnoredIdentifier {
                id: new_id(),
                pattern,
                reason: reason
                    .map(str::trim)
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned),
                is_system: false,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &ignored, None)?;
            Ok(ignored)
        })
    }

    pub fn unignore(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<IgnoredIdentifier>(transaction, id, None))
    }

    /// Whether an email address matches the ignore list.
    pub fn is_ignored(&self, email: &str) -> Result<bool> {
        let patterns = self.list_ignored()?;
        Ok(patterns
            .iter()
            .any(|ignored| pattern_matches(&ignored.pattern, email)))
    }
}

/// Every identifier of a live contact, on `connection`: its emails and phones, then added
/// identities.
pub(crate) fn list_for_contact_in(
    connection: &Connection,
    contact_id: &str,
) -> Result<Vec<ContactIdentifier>> {
    contacts::ensure_live(connection, contact_id)?;
    let mut statement = connection
        .prepare_cached("SELECT id, kind, value, provider FROM identities WHERE contact_id = ?1")?;
    let rows = statement
        .query_map([contact_id], |row| {
            Ok((
                row.get::<_, Option<String>>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(identity_id, kind, value, provider)| {
            let kind = IdentityKind::parse(&kind).unwrap_or(IdentityKind::Handle);
            let provider = if provider == "contact" {
                provider_of(kind, &value).to_owned()
            } else {
                provider
            };
            ContactIdentifier {
                identity_id,
                kind,
                value,
                provider,
            }
        })
        .collect())
}

/// Adds an identity inside a caller's transaction; an identifier the contact already has is
/// returned as it is.
pub(crate) fn add(
    connection: &Connection,
    contact_id: &str,
    kind: IdentityKind,
    value: &str,
    provider: &str,
    batch_id: Option<&str>,
) -> Result<Identity> {
    contacts::ensure_live(connection, contact_id)?;
    let normalized = normalize(kind, value)?;
    let provider = provider.trim();
    if provider.is_empty() {
        return Err(Error::invalid_field("provider", "is required"));
    }
    let existing: Option<String> = connection
        .prepare_cached(
            "SELECT id FROM contact_identities
             WHERE contact_id = ?1 AND kind = ?2 AND value_normalized = ?3 AND deleted_at IS NULL",
        )?
        .query_row(params![contact_id, kind.as_str(), normalized], |row| {
            row.get(0)
        })
        .optional()?;
    if let Some(id) = existing {
        return Identity::load(connection, &id);
    }
    let now = now_utc();
    let identity = Identity {
        id: new_id(),
        contact_id: contact_id.to_owned(),
        kind,
        value: value.trim().to_owned(),
        value_normalized: normalized,
        provider: provider.to_owned(),
        created_at: now.clone(),
        updated_at: now,
        deleted_at: None,
    };
    records::create(connection, &identity, batch_id)?;
    Ok(identity)
}

/// An added identity as another device has it: what a contact's added identities are made
/// to match when its record arrives from the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedIdentity {
    pub kind: IdentityKind,
    pub value: String,
    pub provider: String,
}

/// Makes contact `contact_id`'s added identities those of `wanted` (compared by kind and
/// normalized value): missing ones are added and extra ones deleted, each recorded under
/// `batch_id`. One that does not normalize is left out. True when anything changed.
pub(crate) fn apply_remote(
    connection: &Connection,
    contact_id: &str,
    wanted: &[AddedIdentity],
    batch_id: &str,
) -> Result<bool> {
    let mut wanted_keys = std::collections::HashSet::new();
    let mut to_add = Vec::new();
    for identity in wanted {
        let Ok(normalized) = normalize(identity.kind, &identity.value) else {
            continue;
        };
        if wanted_keys.insert((identity.kind, normalized)) {
            to_add.push(identity);
        }
    }
    let mut changed = false;
    for id in ids_for_contact(connection, contact_id)? {
        let held = Identity::load(connection, &id)?;
        if !wanted_keys.remove(&(held.kind, held.value_normalized.clone())) {
            records::delete::<Identity>(connection, &id, Some(batch_id))?;
            changed = true;
        }
    }
    for identity in to_add {
        let Ok(normalized) = normalize(identity.kind, &identity.value) else {
            continue;
        };
        // Still wanted after the held ones were taken out: not here yet.
        if wanted_keys.contains(&(identity.kind, normalized)) {
            add(
                connection,
                contact_id,
                identity.kind,
                &identity.value,
                &identity.provider,
                Some(batch_id),
            )?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Live contacts with this identifier, oldest first.
pub(crate) fn contacts_by_identifier(
    connection: &Connection,
    kind: IdentityKind,
    normalized: &str,
) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT DISTINCT c.id FROM identities i JOIN contacts c ON c.id = i.contact_id
         WHERE i.kind = ?1 AND i.value_normalized = ?2 AND c.deleted_at IS NULL
         ORDER BY c.created_at",
    )?;
    let ids = statement
        .query_map(params![kind.as_str(), normalized], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// The added identities of a contact (used when merging contacts).
pub(crate) fn ids_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT id FROM contact_identities WHERE contact_id = ?1 AND deleted_at IS NULL",
    )?;
    let ids = statement
        .query_map([contact_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// The form identifiers are compared in: lowercased emails, E.164 phones, trimmed handles.
pub fn normalize(kind: IdentityKind, value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid_field("value", "is required"));
    }
    match kind {
        IdentityKind::Email => {
            let normalized = value.to_lowercase();
            if !email_address::EmailAddress::is_valid(&normalized) {
                return Err(Error::invalid_field("value", "is not an email address"));
            }
            Ok(normalized)
        }
        IdentityKind::Phone => phonenumber::parse(None, value)
            .ok()
            .filter(phonenumber::is_valid)
            .map(|number| number.format().mode(phonenumber::Mode::E164).to_string())
            .ok_or_else(|| {
                Error::invalid_field("value", "is not a phone number in international form")
            }),
        IdentityKind::Handle => Ok(value.to_lowercase()),
    }
}

fn provider_of(kind: IdentityKind, value: &str) -> &'static str {
    match kind {
        IdentityKind::Phone => "phone",
        IdentityKind::Handle => "handle",
        IdentityKind::Email => {
            let domain = value
                .rsplit_once('@')
                .map(|(_, domain)| domain.to_ascii_lowercase())
                .unwrap_or_default();
            match domain.as_str() {
                "gmail.com" | "googlemail.com" => "google",
                "outlook.com" | "hotmail.com" | "live.com" | "msn.com" => "microsoft",
                "icloud.com" | "me.com" | "mac.com" => "apple",
                "yahoo.com" | "ymail.com" => "yahoo",
                "proton.me" | "protonmail.com" => "proton",
                _ => "email",
            }
        }
    }
}

fn check_pattern(pattern: &str) -> Result<String> {
    let pattern = pattern.trim().to_lowercase();
    let valid = !pattern.is_empty()
        && pattern.len() <= 320
        && !pattern.chars().any(char::is_whitespace)
        && pattern != "*"
        && pattern != "*@*";
    if !valid {
        return Err(Error::invalid_field(
            "pattern",
            "must be an address, *@domain or name@* (and not match everything)",
        ));
    }
    Ok(pattern)
}

/// `*` matches any run of characters; the comparison ignores case.
pub fn pattern_matches(pattern: &str, identifier: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let identifier = identifier.trim().to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == identifier;
    };
    let Some(mut rest) = identifier.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(position) => rest = rest.get(position + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_addresses_domains_and_local_parts() {
        assert!(pattern_matches("noreply@*", "NoReply@studio.com"));
        assert!(pattern_matches("*@mailchimp.com", "news@mailchimp.com"));
        assert!(pattern_matches("billing@studio.com", "billing@studio.com"));
        assert!(!pattern_matches("noreply@*", "zoe@studio.com"));
        assert!(!pattern_matches("*@mailchimp.com", "zoe@mailchimp.co"));
        assert!(pattern_matches("*bounce*@*", "x-bounce-7@lists.org"));
    }

    #[test]
    fn email_providers_are_named() {
        assert_eq!(provider_of(IdentityKind::Email, "a@gmail.com"), "google");
        assert_eq!(provider_of(IdentityKind::Email, "a@studio.org"), "email");
        assert_eq!(provider_of(IdentityKind::Phone, "+14155550123"), "phone");
    }
}

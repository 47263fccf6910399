//! A contact with its identities (emails, phones, handles), tags and every detail a user can
//! edit: emails and phones with their labels, address, birthday, photo, lifecycle stage,
//! client status, source, referral, preferences and, when the workspace shares them, health
//! details.
//!
//! Identities, tags, emails and phones are maps keyed by their value rather than lists, so two
//! devices adding different ones at the same time both keep theirs, and adding the same one
//! twice is one entry. Emails and phones keep their order in a `position` field.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{ObjId, ReadDoc, ROOT};
use uuid::Uuid;

use super::SyncRecord;
use crate::fields::{
    ensure_map, get_bool, get_json, get_map, get_string, get_u64, put_bool, put_json, put_string,
    put_u64, require_string,
};
use crate::schema::RecordKind;
use crate::ModelError;

/// The `provider` of identities that mirror the contact's own emails and phones.
pub const OWN_IDENTITY_PROVIDER: &str = "contact";

/// One way to reach a contact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    /// `email`, `phone`, `handle`, or another kind the app knows.
    pub kind: String,
    pub value: String,
    /// Where the identifier was learned (`gmail`, `manual`, ...); [`OWN_IDENTITY_PROVIDER`]
    /// for the contact's own emails and phones. `None` in version-1 documents, where every
    /// identity was the contact's own.
    pub provider: Option<String>,
}

impl Identity {
    fn key(&self) -> String {
        format!("{}:{}", self.kind, self.value)
    }
}

/// An email address of the contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub address: String,
    pub label: Option<String>,
    pub is_primary: bool,
}

/// A phone number of the contact (E.164).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub number: String,
    pub label: Option<String>,
    pub is_primary: bool,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// Health context and emergency contact: sensitive, shared only when the workspace chose to.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthDetails {
    /// A JSON object (or null).
    pub context: serde_json::Value,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub display_name: String,
    pub company: Option<String>,
    /// Every identifier, sorted and without duplicates when read from a document: the
    /// contact's own emails and phones (provider [`OWN_IDENTITY_PROVIDER`]) and added ones.
    pub identities: Vec<Identity>,
    /// Sorted, without duplicates, when read from a document.
    pub tags: Vec<String>,
    pub emails: Vec<Email>,
    pub phones: Vec<Phone>,
    pub address: Option<Address>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// A `data:image/...;base64,` URL.
    pub photo: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub client_status: Option<String>,
    pub source: Option<String>,
    pub referral_source: Option<String>,
    /// A JSON object (or null).
    pub preferences: serde_json::Value,
    /// `None` when not shared: writing leaves the document's health details as they are, and
    /// a document without them reads as `None`.
    pub health: Option<HealthDetails>,
    pub private: bool,
}

impl Contact {
    /// A contact with only a name: the rest empty.
    pub fn named(id: Uuid, display_name: &str) -> Self {
        Self {
            id,
            display_name: display_name.to_owned(),
            company: None,
            identities: Vec::new(),
            tags: Vec::new(),
            emails: Vec::new(),
            phones: Vec::new(),
            address: None,
            date_of_birth: None,
            photo: None,
            lifecycle_stage: None,
            client_status: None,
            source: None,
            referral_source: None,
            preferences: serde_json::Value::Null,
            health: None,
            private: false,
        }
    }
}

impl SyncRecord for Contact {
    const KIND: RecordKind = RecordKind::Contact;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "display_name", Some(&self.display_name))?;
        put_string(tx, &ROOT, "company", self.company.as_deref())?;

        let identities = ensure_map(tx, &ROOT, "identities")?;
        let wanted: BTreeSet<String> = self.identities.iter().map(Identity::key).collect();
        remove_other_keys(tx, &identities, &wanted)?;
        for identity in &self.identities {
            let entry = ensure_map(tx, &identities, &identity.key())?;
            put_string(tx, &entry, "kind", Some(&identity.kind))?;
            put_string(tx, &entry, "value", Some(&identity.value))?;
            if identity.provider.is_some() || tx.get(&entry, "provider")?.is_some() {
                put_string(tx, &entry, "provider", identity.provider.as_deref())?;
            }
        }

        let tags = ensure_map(tx, &ROOT, "tags")?;
        let wanted: BTreeSet<String> = self.tags.iter().cloned().collect();
        remove_other_keys(tx, &tags, &wanted)?;
        for tag in &wanted {
            put_bool(tx, &tags, tag, true)?;
        }

        let emails = ensure_map(tx, &ROOT, "emails")?;
        let wanted: BTreeSet<String> = self.emails.iter().map(|e| e.address.clone()).collect();
        remove_other_keys(tx, &emails, &wanted)?;
        for (position, email) in self.emails.iter().enumerate() {
            let entry = ensure_map(tx, &emails, &email.address)?;
            put_string(tx, &entry, "address", Some(&email.address))?;
            put_string(tx, &entry, "label", email.label.as_deref())?;
            put_bool(tx, &entry, "is_primary", email.is_primary)?;
            put_u64(tx, &entry, "position", position as u64)?;
        }

        let phones = ensure_map(tx, &ROOT, "phones")?;
        let wanted: BTreeSet<String> = self.phones.iter().map(|p| p.number.clone()).collect();
        remove_other_keys(tx, &phones, &wanted)?;
        for (position, phone) in self.phones.iter().enumerate() {
            let entry = ensure_map(tx, &phones, &phone.number)?;
            put_string(tx, &entry, "number", Some(&phone.number))?;
            put_string(tx, &entry, "label", phone.label.as_deref())?;
            put_bool(tx, &entry, "is_primary", phone.is_primary)?;
            put_u64(tx, &entry, "position", position as u64)?;
        }

        match &self.address {
            Some(address) => {
                let map = ensure_map(tx, &ROOT, "address")?;
                put_string(tx, &map, "street", address.street.as_deref())?;
                put_string(tx, &map, "city", address.city.as_deref())?;
                put_string(tx, &map, "region", address.region.as_deref())?;
                put_string(tx, &map, "postal_code", address.postal_code.as_deref())?;
                put_string(tx, &map, "country", address.country.as_deref())?;
            }
            None => put_json(tx, &ROOT, "address", &serde_json::Value::Null)?,
        }
        put_string(tx, &ROOT, "date_of_birth", self.date_of_birth.as_deref())?;
        put_string(tx, &ROOT, "photo", self.photo.as_deref())?;
        put_string(
            tx,
            &ROOT,
            "lifecycle_stage",
            self.lifecycle_stage.as_deref(),
        )?;
        put_string(tx, &ROOT, "client_status", self.client_status.as_deref())?;
        put_string(tx, &ROOT, "source", self.source.as_deref())?;
        put_string(
            tx,
            &ROOT,
            "referral_source",
            self.referral_source.as_deref(),
        )?;
        put_json(tx, &ROOT, "preferences", &self.preferences)?;

        if let Some(health) = &self.health {
            let map = ensure_map(tx, &ROOT, "health")?;
            put_json(tx, &map, "context", &health.context)?;
            put_string(
                tx,
                &map,
                "emergency_contact_name",
                health.emergency_contact_name.as_deref(),
            )?;
            put_string(
                tx,
                &map,
                "emergency_contact_phone",
                health.emergency_contact_phone.as_deref(),
            )?;
        }
        Ok(())
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        let mut identities = Vec::new();
        if let Some(map) = get_map(doc, &ROOT, "identities")? {
            for key in doc.keys(&map) {
                if let Some(entry) = get_map(doc, &map, &key)? {
                    identities.push(Identity {
                        kind: require_string(doc, &entry, "kind")?,
                        value: require_string(doc, &entry, "value")?,
                        provider: get_string(doc, &entry, "provider")?,
                    });
                }
            }
        }
        identities.sort();
        identities.dedup();
        let tags = match get_map(doc, &ROOT, "tags")? {
            Some(map) => doc
                .keys(&map)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            None => Vec::new(),
        };

        // Version 1 had no `emails` or `phones`: its identities were the contact's own.
        let emails = match get_map(doc, &ROOT, "emails")? {
            Some(map) => {
                let mut entries = Vec::new();
                for key in doc.keys(&map).collect::<Vec<_>>() {
                    if let Some(entry) = get_map(doc, &map, &key)? {
                        entries.push((
                            get_u64(doc, &entry, "position")?.unwrap_or(u64::MAX),
                            Email {
                                address: get_string(doc, &entry, "address")?.unwrap_or(key),
                                label: get_string(doc, &entry, "label")?,
                                is_primary: get_bool(doc, &entry, "is_primary")?,
                            },
                        ));
                    }
                }
                entries.sort_by(|a, b| (a.0, &a.1.address).cmp(&(b.0, &b.1.address)));
                entries.into_iter().map(|(_, email)| email).collect()
            }
            None => legacy_identities(&identities, "email")
                .enumerate()
                .map(|(index, address)| Email {
                    address,
                    label: None,
                    is_primary: index == 0,
                })
                .collect(),
        };
        let phones = match get_map(doc, &ROOT, "phones")? {
            Some(map) => {
                let mut entries = Vec::new();
                for key in doc.keys(&map).collect::<Vec<_>>() {
                    if let Some(entry) = get_map(doc, &map, &key)? {
                        entries.push((
                            get_u64(doc, &entry, "position")?.unwrap_or(u64::MAX),
                            Phone {
                                number: get_string(doc, &entry, "number")?.unwrap_or(key),
                                label: get_string(doc, &entry, "label")?,
                                is_primary: get_bool(doc, &entry, "is_primary")?,
                            },
                        ));
                    }
                }
                entries.sort_by(|a, b| (a.0, &a.1.number).cmp(&(b.0, &b.1.number)));
                entries.into_iter().map(|(_, phone)| phone).collect()
            }
            None => legacy_identities(&identities, "phone")
                .enumerate()
                .map(|(index, number)| Phone {
                    number,
                    label: None,
                    is_primary: index == 0,
                })
                .collect(),
        };

        let address = match get_map(doc, &ROOT, "address") {
            Ok(Some(map)) => Some(Address {
                street: get_string(doc, &map, "street")?,
                city: get_string(doc, &map, "city")?,
                region: get_string(doc, &map, "region")?,
                postal_code: get_string(doc, &map, "postal_code")?,
                country: get_string(doc, &map, "country")?,
            }),
            // Null (no address) reads as none.
            Ok(None) | Err(_) => None,
        };
        let health = match get_map(doc, &ROOT, "health")? {
            Some(map) => Some(HealthDetails {
                context: get_json(doc, &map, "context")?,
                emergency_contact_name: get_string(doc, &map, "emergency_contact_name")?,
                emergency_contact_phone: get_string(doc, &map, "emergency_contact_phone")?,
            }),
            None => None,
        };
        Ok(Self {
            id,
            display_name: require_string(doc, &ROOT, "display_name")?,
            company: get_string(doc, &ROOT, "company")?,
            identities,
            tags,
            emails,
            phones,
            address,
            date_of_birth: get_string(doc, &ROOT, "date_of_birth")?,
            photo: get_string(doc, &ROOT, "photo")?,
            lifecycle_stage: get_string(doc, &ROOT, "lifecycle_stage")?,
            client_status: get_string(doc, &ROOT, "client_status")?,
            source: get_string(doc, &ROOT, "source")?,
            referral_source: get_string(doc, &ROOT, "referral_source")?,
            preferences: get_json(doc, &ROOT, "preferences")?,
            health,
            private: false,
        })
    }
}

/// The values of version-1 identities (no provider) of one kind.
fn legacy_identities<'a>(
    identities: &'a [Identity],
    kind: &'a str,
) -> impl Iterator<Item = String> + 'a {
    identities
        .iter()
        .filter(move |identity| identity.kind == kind && identity.provider.is_none())
        .map(|identity| identity.value.clone())
}

fn remove_other_keys<T: Transactable + ReadDoc>(
    tx: &mut T,
    map: &ObjId,
    wanted: &BTreeSet<String>,
) -> Result<(), ModelError> {
    for key in tx.keys(map).collect::<Vec<_>>() {
        if !wanted.contains(&key) {
            tx.delete(map, key.as_str())?;
        }
    }
    Ok(())
}

//! A contact with its identities (emails, phones, handles) and tags.
//!
//! Identities and tags are maps keyed by their value rather than lists, so two devices adding
//! different tags at the same time both keep theirs, and adding the same tag twice is one tag.

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::SyncRecord;
use crate::fields::{ensure_map, get_map, get_string, put_bool, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

/// One way to reach a contact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Identity {
    /// `email`, `phone`, or another kind the app knows.
    pub kind: String,
    pub value: String,
}

impl Identity {
    fn key(&self) -> String {
        format!("{}:{}", self.kind, self.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub display_name: String,
    pub company: Option<String>,
    /// Sorted, without duplicates, when read from a document.
    pub identities: Vec<Identity>,
    /// Sorted, without duplicates, when read from a document.
    pub tags: Vec<String>,
    pub private: bool,
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
        for key in tx.keys(&identities).collect::<Vec<_>>() {
            if !wanted.contains(&key) {
                tx.delete(&identities, key.as_str())?;
            }
        }
        for identity in &self.identities {
            let entry = ensure_map(tx, &identities, &identity.key())?;
            put_string(tx, &entry, "kind", Some(&identity.kind))?;
            put_string(tx, &entry, "value", Some(&identity.value))?;
        }

        let tags = ensure_map(tx, &ROOT, "tags")?;
        let wanted: BTreeSet<&str> = self.tags.iter().map(String::as_str).collect();
        for key in tx.keys(&tags).collect::<Vec<_>>() {
            if !wanted.contains(key.as_str()) {
                tx.delete(&tags, key.as_str())?;
            }
        }
        for tag in wanted {
            put_bool(tx, &tags, tag, true)?;
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
        Ok(Self {
            id,
            display_name: require_string(doc, &ROOT, "display_name")?,
            company: get_string(doc, &ROOT, "company")?,
            identities,
            tags,
            private: false,
        })
    }
}

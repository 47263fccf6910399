//! A tag's definition: its name, category and colour. Contacts carry tags by name (a contact
//! document's `tags`); this document says how the tag looks.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::SyncRecord;
use crate::fields::{get_bool, get_string, put_bool, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: Uuid,
    pub name: String,
    /// `services_modalities`, `client_demographics`, ...
    pub category: Option<String>,
    /// `#rrggbb`.
    pub color: String,
    /// One of the tags OmniCRM seeds.
    pub is_system: bool,
    pub private: bool,
}

impl SyncRecord for Tag {
    const KIND: RecordKind = RecordKind::Tag;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "name", Some(&self.name))?;
        put_string(tx, &ROOT, "category", self.category.as_deref())?;
        put_string(tx, &ROOT, "color", Some(&self.color))?;
        put_bool(tx, &ROOT, "is_system", self.is_system)
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            name: require_string(doc, &ROOT, "name")?,
            category: get_string(doc, &ROOT, "category")?,
            color: get_string(doc, &ROOT, "color")?.unwrap_or_default(),
            is_system: get_bool(doc, &ROOT, "is_system")?,
            private: false,
        })
    }
}

//! A note. Its body is collaborative text, so concurrent edits merge character by character.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_string, put_text};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: Uuid,
    pub body: String,
    pub contact_id: Option<Uuid>,
    pub private: bool,
}

impl SyncRecord for Note {
    const KIND: RecordKind = RecordKind::Note;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_text(tx, &ROOT, "body", &self.body)?;
        put_uuid(tx, "contact_id", self.contact_id)
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            body: get_string(doc, &ROOT, "body")?.unwrap_or_default(),
            contact_id: get_uuid(doc, "contact_id")?,
            private: false,
        })
    }
}

//! A project groups tasks.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::SyncRecord;
use crate::fields::{get_string, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    /// `active`, `done`, … (free text the app interprets).
    pub status: String,
    pub private: bool,
}

impl SyncRecord for Project {
    const KIND: RecordKind = RecordKind::Project;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "name", Some(&self.name))?;
        put_string(tx, &ROOT, "status", Some(&self.status))
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            name: require_string(doc, &ROOT, "name")?,
            status: get_string(doc, &ROOT, "status")?.unwrap_or_default(),
            private: false,
        })
    }
}

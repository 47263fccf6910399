//! A project groups tasks, optionally inside a zone.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_string, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: Uuid,
    pub name: String,
    /// `active`, `on_hold`, `completed`, `archived` (free text the app interprets).
    pub status: String,
    pub description: Option<String>,
    pub zone_id: Option<Uuid>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
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
        put_string(tx, &ROOT, "status", Some(&self.status))?;
        put_string(tx, &ROOT, "description", self.description.as_deref())?;
        put_uuid(tx, "zone_id", self.zone_id)?;
        put_string(tx, &ROOT, "due_date", self.due_date.as_deref())
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            name: require_string(doc, &ROOT, "name")?,
            status: get_string(doc, &ROOT, "status")?.unwrap_or_default(),
            description: get_string(doc, &ROOT, "description")?,
            zone_id: get_uuid(doc, "zone_id")?,
            due_date: get_string(doc, &ROOT, "due_date")?,
            private: false,
        })
    }
}

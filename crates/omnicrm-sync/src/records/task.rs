//! A task, optionally about a contact and part of a project.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_bool, get_string, put_bool, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub done: bool,
    /// RFC 3339 UTC.
    pub due_at: Option<String>,
    pub contact_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub private: bool,
}

impl SyncRecord for Task {
    const KIND: RecordKind = RecordKind::Task;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "title", Some(&self.title))?;
        put_bool(tx, &ROOT, "done", self.done)?;
        put_string(tx, &ROOT, "due_at", self.due_at.as_deref())?;
        put_uuid(tx, "contact_id", self.contact_id)?;
        put_uuid(tx, "project_id", self.project_id)
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            title: require_string(doc, &ROOT, "title")?,
            done: get_bool(doc, &ROOT, "done")?,
            due_at: get_string(doc, &ROOT, "due_at")?,
            contact_id: get_uuid(doc, "contact_id")?,
            project_id: get_uuid(doc, "project_id")?,
            private: false,
        })
    }
}

//! A task: part of a project and/or a zone, a subtask of another task, about any number of
//! contacts.
//!
//! Version 1 had `done`, an RFC 3339 `due_at` and one `contact_id`; version 2 has `status`, a
//! `due_date` (the app's due dates are dates) and `contact_ids`. The version-1 fields are still
//! written, derived from the new ones, so version-1 readers keep seeing the task; a version-1
//! document (no `status`) is read by deriving the new fields from them.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{
    get_bool, get_ordered_ids, get_string, put_bool, put_ordered_ids, put_string, require_string,
};
use crate::schema::RecordKind;
use crate::ModelError;

/// The status version-1 documents mean by `done: true`.
pub const DONE_STATUS: &str = "done";
/// The status version-1 documents mean by `done: false`.
pub const TODO_STATUS: &str = "todo";

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    /// `todo`, `in_progress`, `done`, `canceled`.
    pub status: String,
    /// `low`, `medium`, `high`; `None` in version-1 documents.
    pub priority: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// RFC 3339 UTC; when the task was marked done.
    pub completed_at: Option<String>,
    pub project_id: Option<Uuid>,
    pub zone_id: Option<Uuid>,
    /// Set on subtasks.
    pub parent_task_id: Option<Uuid>,
    pub contact_ids: Vec<Uuid>,
    pub private: bool,
}

impl Task {
    /// A to-do task with only a title: the rest empty.
    pub fn titled(id: Uuid, title: &str) -> Self {
        Self {
            id,
            title: title.to_owned(),
            description: None,
            status: TODO_STATUS.to_owned(),
            priority: None,
            due_date: None,
            completed_at: None,
            project_id: None,
            zone_id: None,
            parent_task_id: None,
            contact_ids: Vec::new(),
            private: false,
        }
    }

    /// Whether the task is done (version 1's `done`).
    pub fn done(&self) -> bool {
        self.status == DONE_STATUS
    }

    /// The due date as version 1's `due_at`: midnight UTC of the due date.
    pub fn due_at(&self) -> Option<String> {
        self.due_date
            .as_ref()
            .map(|date| format!("{date}T00:00:00.000Z"))
    }
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
        put_string(tx, &ROOT, "description", self.description.as_deref())?;
        put_string(tx, &ROOT, "status", Some(&self.status))?;
        put_string(tx, &ROOT, "priority", self.priority.as_deref())?;
        put_string(tx, &ROOT, "due_date", self.due_date.as_deref())?;
        put_string(tx, &ROOT, "completed_at", self.completed_at.as_deref())?;
        put_uuid(tx, "project_id", self.project_id)?;
        put_uuid(tx, "zone_id", self.zone_id)?;
        put_uuid(tx, "parent_task_id", self.parent_task_id)?;
        put_ordered_ids(tx, &ROOT, "contact_ids", &self.contact_ids)?;
        // Version-1 fields, derived.
        put_bool(tx, &ROOT, "done", self.done())?;
        put_string(tx, &ROOT, "due_at", self.due_at().as_deref())?;
        put_uuid(tx, "contact_id", self.contact_ids.first().copied())
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        let status = match get_string(doc, &ROOT, "status")? {
            Some(status) => status,
            None if get_bool(doc, &ROOT, "done")? => DONE_STATUS.to_owned(),
            None => TODO_STATUS.to_owned(),
        };
        let due_date = match get_string(doc, &ROOT, "due_date")? {
            Some(date) => Some(date),
            None if doc.get(&ROOT, "status")?.is_none() => get_string(doc, &ROOT, "due_at")?
                .and_then(|due_at| due_at.get(..10).map(str::to_owned)),
            None => None,
        };
        let contact_ids = match get_ordered_ids(doc, &ROOT, "contact_ids")? {
            Some(ids) => ids,
            None => get_uuid(doc, "contact_id")?.into_iter().collect(),
        };
        Ok(Self {
            id,
            title: require_string(doc, &ROOT, "title")?,
            description: get_string(doc, &ROOT, "description")?,
            status,
            priority: get_string(doc, &ROOT, "priority")?,
            due_date,
            completed_at: get_string(doc, &ROOT, "completed_at")?,
            project_id: get_uuid(doc, "project_id")?,
            zone_id: get_uuid(doc, "zone_id")?,
            parent_task_id: get_uuid(doc, "parent_task_id")?,
            contact_ids,
            private: false,
        })
    }
}

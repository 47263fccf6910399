//! Records that arrive from the team's sync server, written through the same paths as local
//! edits: validated, stored under the id they have on every device, and recorded in the
//! change log under a batch whose id starts with [`REMOTE_BATCH_PREFIX`] (their origin, so the
//! sync client never sends them back). Each write runs `also` in the same transaction, so the
//! sync client stores the document a record came from together with the row and the change:
//! a crash never leaves the two apart.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::contacts::ContactInput;
use crate::error::Result;
use crate::notes::NoteInput;
use crate::store::Database;
use crate::time::new_id;

/// The change-log batch ids of remote changes start with this.
pub const REMOTE_BATCH_PREFIX: &str = "sync:";

/// A new batch id for one round of remote changes.
pub fn new_remote_batch_id() -> String {
    format!("{REMOTE_BATCH_PREFIX}{}", new_id())
}

/// What writing a remote record did to the local one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RemoteApplied {
    Created,
    Updated,
    Deleted,
    Restored,
    /// The local record already held these values (or a deleted record never existed here).
    Unchanged,
    /// Left alone this time: a local edit of the record waits to be sent first.
    Deferred,
}

/// Writes records that came from the team's server.
#[derive(Debug, Clone)]
pub struct RemoteChangeService {
    database: Database,
}

impl RemoteChangeService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Creates, updates, deletes or restores contact `id` to match the remote record, after
    /// `document` (which returns false to defer the record).
    pub fn apply_contact(
        &self,
        batch_id: &str,
        id: &str,
        input: ContactInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.database.write(|transaction| {
            if !document(transaction)? {
                return Ok(RemoteApplied::Deferred);
            }
            crate::contacts::apply_remote(transaction, id, input, deleted, batch_id)
        })
    }

    /// Creates, updates, deletes or restores note `id` of contact `contact_id` to match the
    /// remote record, after `document` (which returns false to defer the record).
    pub fn apply_note(
        &self,
        batch_id: &str,
        id: &str,
        contact_id: &str,
        input: NoteInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.database.write(|transaction| {
            if !document(transaction)? {
                return Ok(RemoteApplied::Deferred);
            }
            crate::notes::apply_remote(transaction, id, contact_id, input, deleted, batch_id)
        })
    }
}

/// Whether two snapshots differ in anything but their times of change.
pub(crate) fn differs<T: Serialize>(before: &T, after: &T) -> Result<bool> {
    let strip = |value: &T| -> Result<serde_json::Value> {
        let mut value = serde_json::to_value(value)?;
        if let Some(object) = value.as_object_mut() {
            object.remove("updated_at");
            object.remove("deleted_at");
        }
        Ok(value)
    };
    Ok(strip(before)? != strip(after)?)
}

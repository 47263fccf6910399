//! Records that arrive from the team's sync server, written through the same paths as local
//! edits: validated, stored under the id they have on every device, and recorded in the
//! change log under a batch whose id starts with [`REMOTE_BATCH_PREFIX`] (their origin, so the
//! sync client never sends them back). Each write runs `also` in the same transaction, so the
//! sync client stores the document a record came from together with the row and the change:
//! a crash never leaves the two apart.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::changes::{NewChange, Operation};
use crate::consents::ConsentInput;
use crate::contacts::ContactInput;
use crate::error::Result;
use crate::identities::AddedIdentity;
use crate::interactions::InteractionInput;
use crate::notes::NoteInput;
use crate::productivity::{GoalInput, ProjectInput, TaskInput, ZoneInput};
use crate::records::{later_than, Record};
use crate::store::Database;
use crate::tags::TagInput;
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

    /// Runs `work` in one write transaction, in which it applies any number of remote records
    /// with the [`RemoteWriter`] it is given: a device taking thousands of records commits a
    /// few times, not once per record. Each record is applied under its own savepoint, so one
    /// that is refused leaves nothing behind and the others stay.
    pub fn write_batch<T>(&self, work: impl FnOnce(&RemoteWriter<'_>) -> Result<T>) -> Result<T> {
        self.database.write(|transaction| {
            work(&RemoteWriter {
                connection: transaction,
            })
        })
    }
}

/// Applies remote records inside [`RemoteChangeService::write_batch`]'s transaction. Each
/// `apply_*` first runs `document` (which stores the document the record came from and returns
/// false to defer the record), then writes the record, or neither.
pub struct RemoteWriter<'a> {
    connection: &'a Connection,
}

impl RemoteWriter<'_> {
    /// The transaction's connection, for what the caller stores next to the records.
    pub fn connection(&self) -> &Connection {
        self.connection
    }

    /// Contact `id` as it is in this transaction, if it exists and is not deleted.
    pub fn live_contact(&self, id: &str) -> Result<Option<crate::contacts::Contact>> {
        match crate::contacts::load_live(self.connection, id) {
            Ok(contact) => Ok(Some(contact)),
            Err(error) if error.code == crate::error::ErrorCode::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Creates, updates, deletes or restores contact `id` to match the remote record, its
    /// added identities (beyond its own emails and phones) included.
    pub fn apply_contact(
        &self,
        batch_id: &str,
        id: &str,
        input: ContactInput,
        identities: &[AddedIdentity],
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.within_savepoint(document, |connection| {
            let applied = crate::contacts::apply_remote(connection, id, input, deleted, batch_id)?;
            if deleted {
                return Ok(applied);
            }
            let identities_changed =
                crate::identities::apply_remote(connection, id, identities, batch_id)?;
            Ok(match applied {
                RemoteApplied::Unchanged if identities_changed => RemoteApplied::Updated,
                applied => applied,
            })
        })
    }

    /// Creates, updates, deletes or restores note `id` of contact `contact_id` to match the
    /// remote record.
    pub fn apply_note(
        &self,
        batch_id: &str,
        id: &str,
        contact_id: &str,
        input: NoteInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.within_savepoint(document, |connection| {
            crate::notes::apply_remote(connection, id, contact_id, input, deleted, batch_id)
        })
    }

    /// Creates, updates, deletes or restores task `id` (its subtask link and linked contacts
    /// included) to match the remote record.
    pub fn apply_task(
        &self,
        batch_id: &str,
        id: &str,
        input: TaskInput,
        completed_at: Option<String>,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |connection, before| {
            crate::productivity::build_task(connection, id, input, completed_at, before)
        })
    }

    /// Creates, updates, deletes or restores project `id` to match the remote record.
    pub fn apply_project(
        &self,
        batch_id: &str,
        id: &str,
        input: ProjectInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |connection, before| {
            crate::productivity::remote_project(connection, id, input, before)
        })
    }

    /// Creates, updates, deletes or restores goal `id` to match the remote record.
    pub fn apply_goal(
        &self,
        batch_id: &str,
        id: &str,
        input: GoalInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |connection, before| {
            crate::productivity::build_goal(connection, id, input, before)
        })
    }

    /// Creates, updates, deletes or restores zone `id` (at `position` in the list) to match
    /// the remote record.
    pub fn apply_zone(
        &self,
        batch_id: &str,
        id: &str,
        input: ZoneInput,
        position: u32,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |_, before| {
            crate::productivity::remote_zone(id, input, position, before)
        })
    }

    /// The tag here that a team definition (tag `id`, named `name`) applies to: see
    /// [`crate::tags::remote_target`].
    pub fn tag_target(&self, id: &str, name: &str) -> Result<String> {
        crate::tags::remote_target(self.connection, id, name)
    }

    /// Creates, updates, deletes or restores tag `target`, the tag here that definition `id`
    /// from the team stands for ([`RemoteWriter::tag_target`], or a tag that follows it).
    /// Taking a tag off contacts is left to their own records. When two devices each made a
    /// tag of one name, every device takes the values of the older one (ids are UUIDv7, so the
    /// smaller id), whatever order they arrive in; a deleted definition of another device's
    /// tag leaves this device's tag alone.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_tag(
        &self,
        batch_id: &str,
        id: &str,
        target: &str,
        input: TagInput,
        is_system: bool,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.within_savepoint(document, |connection| {
            if target != id && (deleted || id > target) {
                return Ok(RemoteApplied::Unchanged);
            }
            upsert(connection, target, deleted, batch_id, |before| {
                crate::tags::build_remote(connection, target, input, is_system, before)
            })
        })
    }

    /// Creates, updates, deletes or restores consent entry `id` of contact `contact_id` to
    /// match the remote record.
    pub fn apply_consent(
        &self,
        batch_id: &str,
        id: &str,
        contact_id: &str,
        input: ConsentInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |connection, before| {
            crate::consents::build(connection, id, contact_id, input, before)
        })
    }

    /// Creates, updates, deletes or restores logged interaction `id` to match the remote
    /// record.
    pub fn apply_interaction(
        &self,
        batch_id: &str,
        id: &str,
        input: InteractionInput,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
    ) -> Result<RemoteApplied> {
        self.apply(batch_id, id, deleted, document, |connection, before| {
            crate::interactions::remote_interaction(connection, id, input, before)
        })
    }

    fn apply<R: Record + Clone>(
        &self,
        batch_id: &str,
        id: &str,
        deleted: bool,
        document: impl FnOnce(&Connection) -> Result<bool>,
        build: impl FnOnce(&Connection, Option<&R>) -> Result<R>,
    ) -> Result<RemoteApplied> {
        self.within_savepoint(document, |connection| {
            upsert(connection, id, deleted, batch_id, |before| {
                build(connection, before)
            })
        })
    }

    /// Runs `document`, then `write` unless the record is deferred, under a savepoint: on an
    /// error neither leaves anything in the transaction.
    fn within_savepoint(
        &self,
        document: impl FnOnce(&Connection) -> Result<bool>,
        write: impl FnOnce(&Connection) -> Result<RemoteApplied>,
    ) -> Result<RemoteApplied> {
        let connection = self.connection;
        // Prepared once per connection: parsing these each time was a tenth of applying a
        // record.
        connection
            .prepare_cached("SAVEPOINT remote_record")?
            .execute([])?;
        let outcome = match document(connection) {
            Ok(false) => Ok(RemoteApplied::Deferred),
            Ok(true) => write(connection),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(applied) => {
                connection
                    .prepare_cached("RELEASE remote_record")?
                    .execute([])?;
                Ok(applied)
            }
            Err(error) => {
                connection
                    .prepare_cached("ROLLBACK TO remote_record")?
                    .execute([])?;
                connection
                    .prepare_cached("RELEASE remote_record")?
                    .execute([])?;
                Err(error)
            }
        }
    }
}

/// The shared write of a remote record of the generic kinds: `build` makes the record from the
/// remote values (given the local one, if any); it is stored and recorded under `batch_id`
/// unless nothing but its times would change.
fn upsert<R: Record + Clone>(
    connection: &Connection,
    id: &str,
    deleted: bool,
    batch_id: &str,
    build: impl FnOnce(Option<&R>) -> Result<R>,
) -> Result<RemoteApplied> {
    let before = match R::load(connection, id) {
        Ok(before) => Some(before),
        Err(error) if error.code == crate::error::ErrorCode::NotFound => None,
        Err(error) => return Err(error),
    };
    let Some(before) = before else {
        if deleted {
            return Ok(RemoteApplied::Unchanged);
        }
        let record = build(None)?;
        crate::records::create(connection, &record, Some(batch_id))?;
        return Ok(RemoteApplied::Created);
    };
    // A deletion needs none of the remote values (whatever it refers to may be gone already).
    let mut after = if deleted {
        before.clone()
    } else {
        build(Some(&before))?
    };
    let now = later_than(before.updated_at());
    let was_deleted = before.deleted_at().is_some();
    let deleted_at = match (deleted, before.deleted_at()) {
        (true, Some(at)) => Some(at.to_owned()),
        (true, None) => Some(now.clone()),
        (false, _) => None,
    };
    after.set_times(now, deleted_at);
    if was_deleted == deleted && !differs(&before, &after)? {
        return Ok(RemoteApplied::Unchanged);
    }
    after.save(connection)?;
    let (operation, applied) = match (was_deleted, deleted) {
        (false, true) => (Operation::Delete, RemoteApplied::Deleted),
        (true, false) => (Operation::Restore, RemoteApplied::Restored),
        _ => (Operation::Update, RemoteApplied::Updated),
    };
    let mut change = NewChange::new(R::ENTITY, id, operation)
        .before(&before)?
        .after(&after)?;
    change.batch_id = Some(batch_id.to_owned());
    crate::changes::record(connection, &change)?;
    Ok(applied)
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

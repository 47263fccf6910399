//! The shared write path for simple records (notes, interactions, tasks, tags, ...): each write
//! stores the whole record and appends a change with its before/after snapshots, and undo puts
//! a snapshot back. Contacts keep their own path because of their search index and counters.

use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::changes::{self, ChangeReceipt, NewChange, Operation};
use crate::error::{Error, Result};
use crate::time::now_utc;

/// A record stored as one row (plus link rows it owns) with soft deletes.
pub(crate) trait Record: Serialize + DeserializeOwned + Clone {
    /// The change-log entity name, e.g. `"task"`.
    const ENTITY: &'static str;

    fn id(&self) -> &str;
    fn updated_at(&self) -> &str;
    fn deleted_at(&self) -> Option<&str>;
    fn set_times(&mut self, updated_at: String, deleted_at: Option<String>);

    /// Loads the record in any state; `not_found` if it never existed.
    fn load(connection: &Connection, id: &str) -> Result<Self>;

    /// Writes every column (insert or update) and replaces the link rows the record owns.
    fn save(&self, connection: &Connection) -> Result<()>;

    /// Loads a record that is not deleted.
    fn load_live(connection: &Connection, id: &str) -> Result<Self> {
        let record = Self::load(connection, id)?;
        if record.deleted_at().is_some() {
            return Err(Error::not_found(Self::ENTITY, id));
        }
        Ok(record)
    }
}

/// Now, or just after `previous` when the clock reads earlier: `updated_at` never goes back.
pub(crate) fn later_than(previous: &str) -> String {
    let now = now_utc();
    if now.as_str() > previous {
        return now;
    }
    chrono::DateTime::parse_from_rfc3339(previous)
        .map(|instant| {
            crate::time::format_utc(
                instant.with_timezone(&chrono::Utc) + chrono::Duration::milliseconds(1),
            )
        })
        .unwrap_or(now)
}

/// Trims optional text, and turns blank text into `None`.
pub(crate) fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

/// Stores a new record and records its creation.
pub(crate) fn create<R: Record>(
    connection: &Connection,
    record: &R,
    batch_id: Option<&str>,
) -> Result<String> {
    record.save(connection)?;
    let mut change = NewChange::new(R::ENTITY, record.id(), Operation::Create).after(record)?;
    change.batch_id = batch_id.map(str::to_owned);
    changes::record(connection, &change)
}

/// Stores `after` over `before` (stamping `updated_at`) and records the change.
pub(crate) fn update<R: Record>(
    connection: &Connection,
    before: &R,
    after: R,
    batch_id: Option<&str>,
) -> Result<R> {
    update_with_receipt(connection, before, after, batch_id).map(|(record, _)| record)
}

/// [`update`], also returning the receipt that undoes the change.
pub(crate) fn update_with_receipt<R: Record>(
    connection: &Connection,
    before: &R,
    mut after: R,
    batch_id: Option<&str>,
) -> Result<(R, ChangeReceipt)> {
    after.set_times(
        later_than(before.updated_at()),
        before.deleted_at().map(str::to_owned),
    );
    after.save(connection)?;
    let mut change = NewChange::new(R::ENTITY, before.id(), Operation::Update)
        .before(before)?
        .after(&after)?;
    change.batch_id = batch_id.map(str::to_owned);
    let change_id = changes::record(connection, &change)?;
    Ok((after, ChangeReceipt { change_id }))
}

/// Soft-deletes a live record and records the deletion; the receipt undoes it.
pub(crate) fn delete<R: Record>(
    connection: &Connection,
    id: &str,
    batch_id: Option<&str>,
) -> Result<ChangeReceipt> {
    let before = R::load_live(connection, id)?;
    let mut after = before.clone();
    let now = later_than(before.updated_at());
    after.set_times(now.clone(), Some(now));
    after.save(connection)?;
    let mut change = NewChange::new(R::ENTITY, id, Operation::Delete)
        .before(&before)?
        .after(&after)?;
    change.batch_id = batch_id.map(str::to_owned);
    let change_id = changes::record(connection, &change)?;
    Ok(ChangeReceipt { change_id })
}

/// The inverse of a recorded change, applied: a create is tombstoned; an update or delete puts
/// the earlier snapshot back.
pub(crate) fn revert<R: Record>(
    connection: &Connection,
    entity_id: &str,
    operation: Operation,
    before_json: Option<&str>,
) -> Result<NewChange> {
    let current = R::load(connection, entity_id)?;
    let (inverse, restored) = match operation {
        Operation::Create | Operation::Restore => {
            let mut tombstoned = current.clone();
            let now = later_than(current.updated_at());
            tombstoned.set_times(now.clone(), Some(now));
            (Operation::Delete, tombstoned)
        }
        Operation::Update | Operation::Delete => {
            let before = before_json
                .ok_or_else(|| Error::internal("the change has no earlier state to go back to"))?;
            let mut snapshot: R = serde_json::from_str(before)?;
            let deleted_at = snapshot.deleted_at().map(str::to_owned);
            snapshot.set_times(later_than(current.updated_at()), deleted_at);
            let inverse = if operation == Operation::Delete {
                Operation::Restore
            } else {
                Operation::Update
            };
            (inverse, snapshot)
        }
    };
    restored.save(connection)?;
    NewChange::new(R::ENTITY, entity_id, inverse)
        .before(&current)?
        .after(&restored)
}

/// The [`Record`] accessors for a struct with `id`, `updated_at` and `deleted_at` fields.
macro_rules! record_accessors {
    () => {
        fn id(&self) -> &str {
            &self.id
        }
        fn updated_at(&self) -> &str {
            &self.updated_at
        }
        fn deleted_at(&self) -> Option<&str> {
            self.deleted_at.as_deref()
        }
        fn set_times(&mut self, updated_at: String, deleted_at: Option<String>) {
            self.updated_at = updated_at;
            self.deleted_at = deleted_at;
        }
    };
}
pub(crate) use record_accessors;

/// Reads live records on a given connection, such as a write transaction's, which sees what
/// the transaction wrote so far (a service's `get` reads on a connection of its own, which
/// does not). Team sync reads this way the records a transaction changed, before it commits.
pub struct RecordReader<'a> {
    connection: &'a Connection,
}

impl<'a> RecordReader<'a> {
    pub fn new(connection: &'a Connection) -> Self {
        Self { connection }
    }

    pub fn contact(&self, id: &str) -> Result<crate::contacts::Contact> {
        crate::contacts::load_live(self.connection, id)
    }

    /// A live contact's identifiers, as [`crate::identities::IdentityService::list_for_contact`]
    /// lists them.
    pub fn identifiers(
        &self,
        contact_id: &str,
    ) -> Result<Vec<crate::identities::ContactIdentifier>> {
        crate::identities::list_for_contact_in(self.connection, contact_id)
    }

    pub fn note(&self, id: &str) -> Result<crate::notes::Note> {
        crate::notes::Note::load_live(self.connection, id)
    }

    pub fn task(&self, id: &str) -> Result<crate::productivity::Task> {
        crate::productivity::Task::load_live(self.connection, id)
    }

    pub fn project(&self, id: &str) -> Result<crate::productivity::Project> {
        crate::productivity::Project::load_live(self.connection, id)
    }

    pub fn goal(&self, id: &str) -> Result<crate::productivity::Goal> {
        crate::productivity::Goal::load_live(self.connection, id)
    }

    pub fn zone(&self, id: &str) -> Result<crate::productivity::Zone> {
        crate::productivity::Zone::load_live(self.connection, id)
    }

    pub fn consent(&self, id: &str) -> Result<crate::consents::Consent> {
        crate::consents::Consent::load_live(self.connection, id)
    }

    pub fn interaction(&self, id: &str) -> Result<crate::interactions::Interaction> {
        crate::interactions::Interaction::load_live(self.connection, id)
    }

    pub fn tag(&self, id: &str) -> Result<crate::tags::Tag> {
        crate::tags::Tag::load_live(self.connection, id)
    }
}

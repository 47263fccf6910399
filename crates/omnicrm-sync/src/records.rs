//! Record documents: the envelope every record document shares, and the record kinds.
//!
//! A record document's root map holds `schema_version`, `kind`, `id`, `deleted_at` (the
//! tombstone: null while alive) and the kind's own fields. Deleting a record sets the tombstone
//! instead of removing the document, so a concurrent edit on another device cannot resurrect it
//! silently and the server's projection keeps a trace of the deletion.

mod consent;
mod contact;
mod goal;
mod interaction;
mod note;
mod project;
mod tag;
mod task;
mod zone;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc, ROOT};
use uuid::Uuid;

use crate::author::ChangeAuthor;
use crate::fields::{get_string, get_u64, put_string, put_u64, require_string};
use crate::schema::{RecordKind, SCHEMA_VERSION};
use crate::ModelError;

pub use consent::Consent;
pub use contact::{Address, Contact, Email, HealthDetails, Identity, Phone, OWN_IDENTITY_PROVIDER};
pub use goal::Goal;
pub use interaction::Interaction;
pub use note::Note;
pub use project::Project;
pub use tag::Tag;
pub use task::{Task, DONE_STATUS, TODO_STATUS};
pub use zone::Zone;

/// A record that can be a sync document.
pub trait SyncRecord: Sized {
    const KIND: RecordKind;

    /// The record's id (UUIDv7, the same as in the local database).
    fn record_id(&self) -> Uuid;

    /// Private records never leave the device.
    fn is_private(&self) -> bool;

    /// Writes this kind's own fields into the root map, leaving every other key alone.
    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError>;

    /// Reads this kind's own fields from the root map. Documents never hold private records,
    /// so the result is never private. A kind whose fields changed between versions derives
    /// the new fields from the old ones when the new ones are absent.
    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError>;
}

/// Turning records into documents and back.
pub struct RecordDocument;

impl RecordDocument {
    /// A new document holding `record`. Refuses private records.
    pub fn create<R: SyncRecord>(record: &R) -> Result<Automerge, ModelError> {
        Self::create_by(record, &ChangeAuthor::default())
    }

    /// [`Self::create`], the change signed by `author`.
    pub fn create_by<R: SyncRecord>(
        record: &R,
        author: &ChangeAuthor,
    ) -> Result<Automerge, ModelError> {
        refuse_private(record)?;
        let mut doc = Automerge::new();
        doc.transact_with::<_, _, ModelError, _>(
            |_| author.commit_options(),
            |tx| {
                put_u64(tx, &ROOT, "schema_version", SCHEMA_VERSION)?;
                put_string(tx, &ROOT, "kind", Some(R::KIND.as_str()))?;
                put_string(tx, &ROOT, "id", Some(&record.record_id().to_string()))?;
                put_string(tx, &ROOT, "deleted_at", None)?;
                record.write_fields(tx)
            },
        )
        .map_err(|failure| failure.error)?;
        Ok(doc)
    }

    /// Applies the record's current values to its document as one change (none when nothing
    /// changed). Refuses private records, documents of another kind or record, and documents
    /// from a newer schema. A document of an older schema is upgraded: its new fields are
    /// written and its `schema_version` set to this build's.
    pub fn update<R: SyncRecord>(doc: &mut Automerge, record: &R) -> Result<(), ModelError> {
        Self::update_by(doc, record, &ChangeAuthor::default())
    }

    /// [`Self::update`], the change signed by `author`.
    pub fn update_by<R: SyncRecord>(
        doc: &mut Automerge,
        record: &R,
        author: &ChangeAuthor,
    ) -> Result<(), ModelError> {
        refuse_private(record)?;
        Self::check_writable::<R>(doc)?;
        let id = Self::record_id(doc)?;
        if id != record.record_id() {
            return Err(ModelError::field(
                "id",
                format!("document holds record {id}, not {}", record.record_id()),
            ));
        }
        doc.transact_with::<_, _, ModelError, _>(
            |_| author.commit_options(),
            |tx| {
                put_u64(tx, &ROOT, "schema_version", SCHEMA_VERSION)?;
                record.write_fields(tx)
            },
        )
        .map_err(|failure| failure.error)?;
        Ok(())
    }

    /// Reads the record a document holds.
    pub fn read<R: SyncRecord>(doc: &Automerge) -> Result<R, ModelError> {
        let kind = Self::kind(doc)?;
        if kind != R::KIND {
            return Err(ModelError::WrongKind {
                found: kind.to_string(),
                expected: R::KIND.to_string(),
            });
        }
        R::read_fields(doc, Self::record_id(doc)?)
    }

    /// Marks the record deleted (a tombstone; the document stays).
    pub fn tombstone(doc: &mut Automerge, deleted_at: &str) -> Result<(), ModelError> {
        Self::tombstone_by(doc, deleted_at, &ChangeAuthor::default())
    }

    /// [`Self::tombstone`], the change signed by `author`.
    pub fn tombstone_by(
        doc: &mut Automerge,
        deleted_at: &str,
        author: &ChangeAuthor,
    ) -> Result<(), ModelError> {
        Self::check_version(doc)?;
        doc.transact_with::<_, _, ModelError, _>(
            |_| author.commit_options(),
            |tx| put_string(tx, &ROOT, "deleted_at", Some(deleted_at)),
        )
        .map_err(|failure| failure.error)?;
        Ok(())
    }

    /// Clears the tombstone: the record is alive again (an undone delete).
    pub fn restore(doc: &mut Automerge) -> Result<(), ModelError> {
        Self::restore_by(doc, &ChangeAuthor::default())
    }

    /// [`Self::restore`], the change signed by `author`.
    pub fn restore_by(doc: &mut Automerge, author: &ChangeAuthor) -> Result<(), ModelError> {
        Self::check_version(doc)?;
        doc.transact_with::<_, _, ModelError, _>(
            |_| author.commit_options(),
            |tx| put_string(tx, &ROOT, "deleted_at", None),
        )
        .map_err(|failure| failure.error)?;
        Ok(())
    }

    /// When the record was deleted, if it was.
    pub fn deleted_at(doc: &Automerge) -> Result<Option<String>, ModelError> {
        get_string(doc, &ROOT, "deleted_at")
    }

    /// The document's kind.
    pub fn kind(doc: &Automerge) -> Result<RecordKind, ModelError> {
        require_string(doc, &ROOT, "kind")?.parse()
    }

    /// The schema version the document was last written with (0 when absent).
    pub fn schema_version(doc: &Automerge) -> Result<u64, ModelError> {
        Ok(get_u64(doc, &ROOT, "schema_version")?.unwrap_or(0))
    }

    /// The record id a document holds.
    pub fn record_id(doc: &Automerge) -> Result<Uuid, ModelError> {
        let text = require_string(doc, &ROOT, "id")?;
        Uuid::parse_str(&text).map_err(|error| ModelError::field("id", error.to_string()))
    }

    fn check_version(doc: &Automerge) -> Result<(), ModelError> {
        let found = Self::schema_version(doc)?;
        if found > SCHEMA_VERSION {
            return Err(ModelError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }

    fn check_writable<R: SyncRecord>(doc: &Automerge) -> Result<(), ModelError> {
        Self::check_version(doc)?;
        let kind = Self::kind(doc)?;
        if kind != R::KIND {
            return Err(ModelError::WrongKind {
                found: kind.to_string(),
                expected: R::KIND.to_string(),
            });
        }
        Ok(())
    }
}

fn refuse_private<R: SyncRecord>(record: &R) -> Result<(), ModelError> {
    if record.is_private() {
        return Err(ModelError::PrivateRecord {
            id: record.record_id().to_string(),
        });
    }
    Ok(())
}

/// A record of any kind, as the server reads documents it did not write.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyRecord {
    /// Boxed: a contact is several times the size of the other kinds.
    Contact(Box<Contact>),
    Note(Note),
    Task(Task),
    Project(Project),
    Interaction(Interaction),
    Goal(Goal),
    Zone(Zone),
    Tag(Tag),
    Consent(Consent),
}

impl AnyRecord {
    /// Reads a record document of any kind; `Ok(None)` for the workspace root.
    pub fn read(doc: &Automerge) -> Result<Option<Self>, ModelError> {
        Ok(Some(match RecordDocument::kind(doc)? {
            RecordKind::Contact => Self::Contact(Box::new(RecordDocument::read(doc)?)),
            RecordKind::Note => Self::Note(RecordDocument::read(doc)?),
            RecordKind::Task => Self::Task(RecordDocument::read(doc)?),
            RecordKind::Project => Self::Project(RecordDocument::read(doc)?),
            RecordKind::Interaction => Self::Interaction(RecordDocument::read(doc)?),
            RecordKind::Goal => Self::Goal(RecordDocument::read(doc)?),
            RecordKind::Zone => Self::Zone(RecordDocument::read(doc)?),
            RecordKind::Tag => Self::Tag(RecordDocument::read(doc)?),
            RecordKind::Consent => Self::Consent(RecordDocument::read(doc)?),
            RecordKind::WorkspaceRoot => return Ok(None),
        }))
    }

    /// The record's id.
    pub fn record_id(&self) -> Uuid {
        match self {
            Self::Contact(record) => record.record_id(),
            Self::Note(record) => record.record_id(),
            Self::Task(record) => record.record_id(),
            Self::Project(record) => record.record_id(),
            Self::Interaction(record) => record.record_id(),
            Self::Goal(record) => record.record_id(),
            Self::Zone(record) => record.record_id(),
            Self::Tag(record) => record.record_id(),
            Self::Consent(record) => record.record_id(),
        }
    }

    /// A new document holding the record, signed by `author`. Refuses private records.
    pub fn create_document(&self, author: &ChangeAuthor) -> Result<Automerge, ModelError> {
        match self {
            Self::Contact(record) => RecordDocument::create_by(record.as_ref(), author),
            Self::Note(record) => RecordDocument::create_by(record, author),
            Self::Task(record) => RecordDocument::create_by(record, author),
            Self::Project(record) => RecordDocument::create_by(record, author),
            Self::Interaction(record) => RecordDocument::create_by(record, author),
            Self::Goal(record) => RecordDocument::create_by(record, author),
            Self::Zone(record) => RecordDocument::create_by(record, author),
            Self::Tag(record) => RecordDocument::create_by(record, author),
            Self::Consent(record) => RecordDocument::create_by(record, author),
        }
    }

    /// Writes the record's current values into its document (see [`RecordDocument::update`]), signed by `author`.
    pub fn update_document(
        &self,
        doc: &mut Automerge,
        author: &ChangeAuthor,
    ) -> Result<(), ModelError> {
        match self {
            Self::Contact(record) => RecordDocument::update_by(doc, record.as_ref(), author),
            Self::Note(record) => RecordDocument::update_by(doc, record, author),
            Self::Task(record) => RecordDocument::update_by(doc, record, author),
            Self::Project(record) => RecordDocument::update_by(doc, record, author),
            Self::Interaction(record) => RecordDocument::update_by(doc, record, author),
            Self::Goal(record) => RecordDocument::update_by(doc, record, author),
            Self::Zone(record) => RecordDocument::update_by(doc, record, author),
            Self::Tag(record) => RecordDocument::update_by(doc, record, author),
            Self::Consent(record) => RecordDocument::update_by(doc, record, author),
        }
    }

    /// The record's kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Contact(_) => RecordKind::Contact,
            Self::Note(_) => RecordKind::Note,
            Self::Task(_) => RecordKind::Task,
            Self::Project(_) => RecordKind::Project,
            Self::Interaction(_) => RecordKind::Interaction,
            Self::Goal(_) => RecordKind::Goal,
            Self::Zone(_) => RecordKind::Zone,
            Self::Tag(_) => RecordKind::Tag,
            Self::Consent(_) => RecordKind::Consent,
        }
    }
}

/// Reads an optional UUID field.
pub(crate) fn get_uuid<R: ReadDoc>(doc: &R, key: &str) -> Result<Option<Uuid>, ModelError> {
    get_string(doc, &ROOT, key)?
        .map(|text| {
            Uuid::parse_str(&text).map_err(|error| ModelError::field(key, error.to_string()))
        })
        .transpose()
}

/// Writes an optional UUID field.
pub(crate) fn put_uuid<T: Transactable + ReadDoc>(
    tx: &mut T,
    key: &str,
    value: Option<Uuid>,
) -> Result<(), ModelError> {
    put_string(tx, &ROOT, key, value.map(|id| id.to_string()).as_deref())
}

#[cfg(test)]
mod tests;

//! The workspace root document: an index from record ids to their documents.
//!
//! A new device syncs the root first and then only the record documents it needs. Entries are
//! never removed (a deleted record keeps its entry; its own document carries the tombstone),
//! so a concurrent delete and edit cannot lose the document.

use automerge::{Automerge, ReadDoc, ROOT};
use uuid::Uuid;

use crate::fields::{ensure_map, get_map, put_string, put_u64, require_string};
use crate::schema::{RecordKind, SCHEMA_VERSION};
use crate::{DocumentId, ModelError, RecordDocument};

/// One record the root indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootEntry {
    pub record_id: Uuid,
    pub kind: RecordKind,
    pub document_id: DocumentId,
}

/// Operations on a workspace root document.
pub struct WorkspaceRoot;

impl WorkspaceRoot {
    /// A new, empty root document for a workspace.
    pub fn create(workspace_id: Uuid) -> Result<Automerge, ModelError> {
        let mut doc = Automerge::new();
        doc.transact::<_, _, ModelError>(|tx| {
            put_u64(tx, &ROOT, "schema_version", SCHEMA_VERSION)?;
            put_string(tx, &ROOT, "kind", Some(RecordKind::WorkspaceRoot.as_str()))?;
            put_string(tx, &ROOT, "workspace_id", Some(&workspace_id.to_string()))?;
            ensure_map(tx, &ROOT, "records")?;
            Ok(())
        })
        .map_err(|failure| failure.error)?;
        Ok(doc)
    }

    /// Indexes a record document (idempotent).
    pub fn add(doc: &mut Automerge, entry: &RootEntry) -> Result<(), ModelError> {
        Self::check(doc)?;
        doc.transact::<_, _, ModelError>(|tx| {
            let records = ensure_map(tx, &ROOT, "records")?;
            let item = ensure_map(tx, &records, &entry.record_id.to_string())?;
            put_string(tx, &item, "kind", Some(entry.kind.as_str()))?;
            put_string(
                tx,
                &item,
                "document_id",
                Some(&entry.document_id.to_string()),
            )
        })
        .map_err(|failure| failure.error)?;
        Ok(())
    }

    /// Every indexed record, sorted by record id. Entries this build cannot read (an unknown
    /// kind from a newer client) are skipped, not an error.
    pub fn entries(doc: &Automerge) -> Result<Vec<RootEntry>, ModelError> {
        let Some(records) = get_map(doc, &ROOT, "records")? else {
            return Ok(Vec::new());
        };
        let mut entries = Vec::new();
        for key in doc.keys(&records) {
            let Some(item) = get_map(doc, &records, &key)? else {
                continue;
            };
            let (Ok(record_id), Ok(kind), Ok(document_id)) = (
                Uuid::parse_str(&key),
                require_string(doc, &item, "kind").and_then(|kind| kind.parse::<RecordKind>()),
                require_string(doc, &item, "document_id").and_then(|id| id.parse::<DocumentId>()),
            ) else {
                continue;
            };
            entries.push(RootEntry {
                record_id,
                kind,
                document_id,
            });
        }
        entries.sort_by_key(|entry| entry.record_id);
        Ok(entries)
    }

    fn check(doc: &Automerge) -> Result<(), ModelError> {
        let found = RecordDocument::schema_version(doc)?;
        if found > SCHEMA_VERSION {
            return Err(ModelError::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let kind = RecordDocument::kind(doc)?;
        if kind != RecordKind::WorkspaceRoot {
            return Err(ModelError::WrongKind {
                found: kind.to_string(),
                expected: "workspace_root".into(),
            });
        }
        Ok(())
    }
}

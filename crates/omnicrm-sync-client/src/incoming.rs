//! Documents that came from the team, on their way into the local store. What can be read
//! from a document without the database (its record, whether it is deleted, its bytes as
//! stored, its conflicting fields) is prepared on a second thread while the writer stores the
//! batch before: on a first sync of thousands of records, that is a third of the work off the
//! writer's path.

use automerge::Automerge;
use omnicrm_core::{Error, Result};
use omnicrm_sync::conflicts::{field_conflicts, FieldConflict};
use omnicrm_sync::{AnyRecord, DocumentId, RecordDocument};

use crate::team_sync::model_error;

/// A document to apply here.
pub(crate) struct Incoming {
    pub document_id: DocumentId,
    pub document: Automerge,
    /// The document's bytes as downloaded, while it is unchanged since.
    pub saved: Option<Vec<u8>>,
    pub heads: String,
    /// Whether the server is known to hold the document at `heads`.
    pub server_has: bool,
}

/// What was read from an [`Incoming`] document ahead of writing it.
pub(crate) struct Prepared {
    /// The document's tombstone is set.
    pub deleted: bool,
    /// Its record; `None` for a document of no kind this device knows.
    pub record: Option<AnyRecord>,
    /// Its bytes to store, when they were not at hand already (`Incoming::saved`).
    pub saved: Option<Vec<u8>>,
    /// Fields two devices wrote at the same time.
    pub conflicts: Vec<FieldConflict>,
}

impl Incoming {
    /// Reads what writing the document needs (CPU only: safe on any thread).
    pub(crate) fn prepare(&self) -> Result<Prepared> {
        let deleted = RecordDocument::deleted_at(&self.document)
            .map_err(model_error)?
            .is_some();
        let record = AnyRecord::read(&self.document).map_err(model_error)?;
        let saved = match self.saved {
            Some(_) => None,
            None => Some(self.document.save()),
        };
        let conflicts = field_conflicts(&self.document).map_err(|error| {
            Error::internal(format!(
                "could not read the conflicts of a document: {error}"
            ))
        })?;
        Ok(Prepared {
            deleted,
            record,
            saved,
            conflicts,
        })
    }
}

/// Prepares every document of `batch` but the workspace root (`None` in its place).
pub(crate) fn prepare_batch(
    batch: &[Incoming],
    root_id: DocumentId,
) -> Vec<Result<Option<Prepared>>> {
    batch
        .iter()
        .map(|item| {
            if item.document_id == root_id {
                Ok(None)
            } else {
                item.prepare().map(Some)
            }
        })
        .collect()
}

/// Runs `write` on each batch of `items` in turn (on this thread), with its documents
/// prepared on a second thread while the batch before is written.
pub(crate) fn write_prepared<F>(
    items: &[Incoming],
    batch_size: usize,
    root_id: DocumentId,
    mut write: F,
) -> Result<()>
where
    F: FnMut(&[Incoming], Vec<Result<Option<Prepared>>>) -> Result<()>,
{
    let batches: Vec<&[Incoming]> = items.chunks(batch_size.max(1)).collect();
    std::thread::scope(|scope| {
        let mut preparing = batches
            .first()
            .map(|batch| scope.spawn(move || prepare_batch(batch, root_id)));
        for (index, batch) in batches.iter().enumerate() {
            let prepared = match preparing.take() {
                Some(handle) => handle
                    .join()
                    .map_err(|_| Error::internal("preparing the team's records stopped"))?,
                None => prepare_batch(batch, root_id),
            };
            preparing = batches
                .get(index + 1)
                .map(|next| scope.spawn(move || prepare_batch(next, root_id)));
            write(batch, prepared)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use omnicrm_sync::Note;

    fn note_item(body: &str) -> Incoming {
        let note = Note {
            id: uuid::Uuid::now_v7(),
            body: body.to_owned(),
            body_html: None,
            source_type: None,
            contact_id: None,
            private: false,
        };
        let document = RecordDocument::create(&note).unwrap_or_else(|error| panic!("{error:?}"));
        Incoming {
            document_id: DocumentId::random(),
            heads: crate::local_documents::heads_text(&document),
            document,
            saved: None,
            server_has: true,
        }
    }

    #[test]
    fn every_batch_is_written_in_order_with_its_own_documents_prepared() {
        let mut items: Vec<Incoming> = (0..7)
            .map(|index| note_item(&format!("n{index}")))
            .collect();
        let root = note_item("root");
        let root_id = root.document_id;
        items.insert(3, root);
        let mut written = Vec::new();
        write_prepared(&items, 3, root_id, |batch, prepared| {
            assert_eq!(batch.len(), prepared.len());
            for (item, prepared) in batch.iter().zip(prepared) {
                let prepared = prepared?;
                assert_eq!(prepared.is_none(), item.document_id == root_id);
                if let Some(prepared) = prepared {
                    let Some(AnyRecord::Note(note)) = prepared.record else {
                        panic!("not a note");
                    };
                    assert!(
                        prepared.saved.is_some(),
                        "saved, since nothing was downloaded"
                    );
                    written.push(note.body);
                }
            }
            Ok(())
        })
        .unwrap_or_else(|error| panic!("{error:?}"));
        assert_eq!(written, vec!["n0", "n1", "n2", "n3", "n4", "n5", "n6"]);
    }

    #[test]
    fn a_failing_batch_stops_the_rest() {
        let items: Vec<Incoming> = (0..6)
            .map(|index| note_item(&format!("n{index}")))
            .collect();
        let mut batches = 0;
        let outcome = write_prepared(&items, 2, DocumentId::random(), |_, _| {
            batches += 1;
            Err(Error::internal("the disk is full"))
        });
        assert!(outcome.is_err());
        assert_eq!(batches, 1);
    }
}

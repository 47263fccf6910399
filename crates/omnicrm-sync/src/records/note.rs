//! A note. Its plain-text body is collaborative text, so concurrent edits merge character by
//! character; its rich-text body (sanitized HTML from the editor) is replaced as a whole, the
//! last writer winning, because a character merge of two HTML edits could break its markup.
//! When a rich-text body is present it is the note's content and the plain body its text.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_string, put_string, put_text};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: Uuid,
    pub body: String,
    /// Sanitized HTML; `None` for notes written as plain text.
    pub body_html: Option<String>,
    /// `typed`, `voice`, `upload`.
    pub source_type: Option<String>,
    pub contact_id: Option<Uuid>,
    pub private: bool,
}

impl Note {
    /// A plain-text note.
    pub fn plain(id: Uuid, body: &str, contact_id: Option<Uuid>) -> Self {
        Self {
            id,
            body: body.to_owned(),
            body_html: None,
            source_type: None,
            contact_id,
            private: false,
        }
    }
}

impl SyncRecord for Note {
    const KIND: RecordKind = RecordKind::Note;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_text(tx, &ROOT, "body", &self.body)?;
        put_string(tx, &ROOT, "body_html", self.body_html.as_deref())?;
        put_string(tx, &ROOT, "source_type", self.source_type.as_deref())?;
        put_uuid(tx, "contact_id", self.contact_id)
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            body: get_string(doc, &ROOT, "body")?.unwrap_or_default(),
            body_html: get_string(doc, &ROOT, "body_html")?,
            source_type: get_string(doc, &ROOT, "source_type")?,
            contact_id: get_uuid(doc, "contact_id")?,
            private: false,
        })
    }
}

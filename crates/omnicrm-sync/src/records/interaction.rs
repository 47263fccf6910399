//! A manually logged interaction (a call, a meeting). Interactions imported from Gmail or
//! Calendar are not synced: every device imports them itself.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_string, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub id: Uuid,
    /// `call`, `meeting`, `message`, …
    pub kind: String,
    /// RFC 3339 UTC.
    pub occurred_at: String,
    pub summary: String,
    pub contact_id: Option<Uuid>,
    pub private: bool,
}

impl SyncRecord for Interaction {
    const KIND: RecordKind = RecordKind::Interaction;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "interaction_kind", Some(&self.kind))?;
        put_string(tx, &ROOT, "occurred_at", Some(&self.occurred_at))?;
        put_string(tx, &ROOT, "summary", Some(&self.summary))?;
        put_uuid(tx, "contact_id", self.contact_id)
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            kind: require_string(doc, &ROOT, "interaction_kind")?,
            occurred_at: require_string(doc, &ROOT, "occurred_at")?,
            summary: get_string(doc, &ROOT, "summary")?.unwrap_or_default(),
            contact_id: get_uuid(doc, "contact_id")?,
            private: false,
        })
    }
}

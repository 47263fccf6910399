//! A manually logged interaction (a call, a meeting). Interactions imported from Gmail or
//! Calendar are not synced: every device imports them itself.
//!
//! Version 1 had one `contact_id`; version 2 has `contact_ids` and still writes `contact_id`
//! (the first of them) for version-1 readers.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{
    get_json, get_ordered_ids, get_string, get_u32, put_json, put_optional_u64, put_ordered_ids,
    put_string, require_string,
};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub id: Uuid,
    /// `call`, `meeting`, `email`, `note`, …
    pub kind: String,
    /// RFC 3339 UTC.
    pub occurred_at: String,
    /// The subject line; empty when there is none.
    pub summary: String,
    pub body: Option<String>,
    pub duration_minutes: Option<u32>,
    /// Whatever else was recorded with it (a JSON object, or null).
    pub metadata: serde_json::Value,
    pub contact_ids: Vec<Uuid>,
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
        put_string(tx, &ROOT, "body", self.body.as_deref())?;
        put_optional_u64(
            tx,
            &ROOT,
            "duration_minutes",
            self.duration_minutes.map(u64::from),
        )?;
        put_json(tx, &ROOT, "metadata", &self.metadata)?;
        put_ordered_ids(tx, &ROOT, "contact_ids", &self.contact_ids)?;
        put_uuid(tx, "contact_id", self.contact_ids.first().copied())
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        let contact_ids = match get_ordered_ids(doc, &ROOT, "contact_ids")? {
            Some(ids) => ids,
            None => get_uuid(doc, "contact_id")?.into_iter().collect(),
        };
        Ok(Self {
            id,
            kind: require_string(doc, &ROOT, "interaction_kind")?,
            occurred_at: require_string(doc, &ROOT, "occurred_at")?,
            summary: get_string(doc, &ROOT, "summary")?.unwrap_or_default(),
            body: get_string(doc, &ROOT, "body")?,
            duration_minutes: get_u32(doc, &ROOT, "duration_minutes")?,
            metadata: get_json(doc, &ROOT, "metadata")?,
            contact_ids,
            private: false,
        })
    }
}

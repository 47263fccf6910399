//! One consent a client gave or withdrew (data processing, marketing, HIPAA, photography).
//! Each grant or revocation is its own record; the newest of a kind is the current state.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_bool, get_string, put_bool, put_string, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    pub id: Uuid,
    pub contact_id: Option<Uuid>,
    /// `data_processing`, `marketing`, `hipaa`, `photography`.
    pub kind: String,
    pub granted: bool,
    /// RFC 3339 UTC: when the client gave or withdrew it.
    pub recorded_at: String,
    pub note: Option<String>,
    pub private: bool,
}

impl SyncRecord for Consent {
    const KIND: RecordKind = RecordKind::Consent;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_uuid(tx, "contact_id", self.contact_id)?;
        put_string(tx, &ROOT, "consent_kind", Some(&self.kind))?;
        put_bool(tx, &ROOT, "granted", self.granted)?;
        put_string(tx, &ROOT, "recorded_at", Some(&self.recorded_at))?;
        put_string(tx, &ROOT, "note", self.note.as_deref())
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            contact_id: get_uuid(doc, "contact_id")?,
            kind: require_string(doc, &ROOT, "consent_kind")?,
            granted: get_bool(doc, &ROOT, "granted")?,
            recorded_at: require_string(doc, &ROOT, "recorded_at")?,
            note: get_string(doc, &ROOT, "note")?,
            private: false,
        })
    }
}

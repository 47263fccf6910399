//! A goal: the practitioner's own (business, personal) or a client's wellness goal.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::{get_uuid, put_uuid, SyncRecord};
use crate::fields::{get_string, get_u64, put_string, put_u64, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    /// `practitioner_business`, `practitioner_personal`, `client_wellness`.
    pub kind: String,
    /// `on_track`, `at_risk`, `achieved`, `abandoned`.
    pub status: String,
    /// The client, for client wellness goals.
    pub contact_id: Option<Uuid>,
    /// `YYYY-MM-DD`.
    pub target_date: Option<String>,
    /// 0 to 100.
    pub progress: u8,
    pub private: bool,
}

impl SyncRecord for Goal {
    const KIND: RecordKind = RecordKind::Goal;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "title", Some(&self.title))?;
        put_string(tx, &ROOT, "description", self.description.as_deref())?;
        put_string(tx, &ROOT, "goal_kind", Some(&self.kind))?;
        put_string(tx, &ROOT, "status", Some(&self.status))?;
        put_uuid(tx, "contact_id", self.contact_id)?;
        put_string(tx, &ROOT, "target_date", self.target_date.as_deref())?;
        put_u64(tx, &ROOT, "progress", u64::from(self.progress))
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        let progress = get_u64(doc, &ROOT, "progress")?.unwrap_or(0).min(100);
        Ok(Self {
            id,
            title: require_string(doc, &ROOT, "title")?,
            description: get_string(doc, &ROOT, "description")?,
            kind: require_string(doc, &ROOT, "goal_kind")?,
            status: get_string(doc, &ROOT, "status")?.unwrap_or_default(),
            contact_id: get_uuid(doc, "contact_id")?,
            target_date: get_string(doc, &ROOT, "target_date")?,
            progress: u8::try_from(progress).unwrap_or(100),
            private: false,
        })
    }
}

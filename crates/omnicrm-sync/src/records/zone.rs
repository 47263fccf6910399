//! A zone: an area of the practitioner's life and business that projects and tasks belong to.

use automerge::transaction::Transactable;
use automerge::{ReadDoc, ROOT};
use uuid::Uuid;

use super::SyncRecord;
use crate::fields::{get_string, get_u32, put_string, put_u64, require_string};
use crate::schema::RecordKind;
use crate::ModelError;

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: Uuid,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub icon: Option<String>,
    /// Where the zone sorts among zones.
    pub position: u32,
    pub private: bool,
}

impl SyncRecord for Zone {
    const KIND: RecordKind = RecordKind::Zone;

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn is_private(&self) -> bool {
        self.private
    }

    fn write_fields<T: Transactable + ReadDoc>(&self, tx: &mut T) -> Result<(), ModelError> {
        put_string(tx, &ROOT, "name", Some(&self.name))?;
        put_string(tx, &ROOT, "color", Some(&self.color))?;
        put_string(tx, &ROOT, "icon", self.icon.as_deref())?;
        put_u64(tx, &ROOT, "position", u64::from(self.position))
    }

    fn read_fields<R: ReadDoc>(doc: &R, id: Uuid) -> Result<Self, ModelError> {
        Ok(Self {
            id,
            name: require_string(doc, &ROOT, "name")?,
            color: get_string(doc, &ROOT, "color")?.unwrap_or_default(),
            icon: get_string(doc, &ROOT, "icon")?,
            position: get_u32(doc, &ROOT, "position")?.unwrap_or(0),
            private: false,
        })
    }
}

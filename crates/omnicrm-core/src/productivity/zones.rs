//! Zones: the areas a practitioner's work falls into. Six are seeded; users add their own.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{required_text, trimmed, ZONE_ENTITY};
use crate::changes::ChangeReceipt;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Zone {
    pub id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub icon: Option<String>,
    pub position: u32,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ZoneInput {
    pub name: String,
    pub color: Option<String>,
    pub icon: Option<String>,
}

impl Record for Zone {
    const ENTITY: &'static str = ZONE_ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!("SELECT {ZONE_COLUMNS} FROM zones WHERE id = ?1"))?
            .query_row([id], zone_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(ZONE_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO zones (id, name, color, icon, position, created_at, updated_at,
                                    deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET
                     name = excluded.name, color = excluded.color, icon = excluded.icon,
                     position = excluded.position, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.name,
                self.color,
                self.icon,
                self.position,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const ZONE_COLUMNS: &str = "id, name, color, icon, position, created_at, updated_at, deleted_at";

fn zone_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Zone> {
    Ok(Zone {
        id: row.get(0)?,
        name: row.get(1)?,
        color: row.get(2)?,
        icon: row.get(3)?,
        position: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
        deleted_at: row.get(7)?,
    })
}

/// Zone `id` as a remote record describes it (validated like a local edit), keeping the local
/// zone's creation time.
pub(crate) fn remote_zone(
    id: &str,
    input: ZoneInput,
    position: u32,
    before: Option<&Zone>,
) -> Result<Zone> {
    let name = required_text("name", &input.name, 80)?;
    let color = match input.color {
        Some(color) => crate::tags::check_color("color", &color)?,
        None => before.map_or_else(
            || crate::tags::DEFAULT_TAG_COLOR.to_owned(),
            |zone| zone.color.clone(),
        ),
    };
    let now = now_utc();
    Ok(Zone {
        id: id.to_owned(),
        name,
        color,
        icon: trimmed(input.icon),
        position,
        created_at: before.map_or_else(|| now.clone(), |zone| zone.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

#[derive(Debug, Clone)]
pub struct ZoneService {
    database: Database,
}

impl ZoneService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// A live zone.
    pub fn get(&self, id: &str) -> Result<Zone> {
        self.database
            .read(|connection| Zone::load_live(connection, id))
    }

    pub fn list(&self) -> Result<Vec<Zone>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {ZONE_COLUMNS} FROM zones WHERE deleted_at IS NULL ORDER BY position, name"
            ))?;
            let zones = statement
                .query_map([], zone_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(zones)
        })
    }

    pub fn create(&self, input: ZoneInput) -> Result<Zone> {
        self.database.write(|transaction| {
            let name = required_text("name", &input.name, 80)?;
            let color = match input.color {
                Some(color) => crate::tags::check_color("color", &color)?,
                None => crate::tags::DEFAULT_TAG_COLOR.to_owned(),
            };
            let position: u32 = transaction.query_row(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM zones",
                [],
                |row| row.get(0),
            )?;
            let now = now_utc();
            let zone = Zone {
                id: new_id(),
                name,
                color,
                icon: trimmed(input.icon),
                position,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &zone, None)?;
            Ok(zone)
        })
    }

    pub fn update(&self, id: &str, input: ZoneInput) -> Result<Zone> {
        self.database.write(|transaction| {
            let before = Zone::load_live(transaction, id)?;
            let name = required_text("name", &input.name, 80)?;
            let color = match input.color {
                Some(color) => crate::tags::check_color("color", &color)?,
                None => before.color.clone(),
            };
            let after = Zone {
                name,
                color,
                icon: trimmed(input.icon),
                ..before.clone()
            };
            records::update(transaction, &before, after, None)
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Zone>(transaction, id, None))
    }
}

//! Goals: the practitioner's business and personal goals, and clients' wellness goals.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{optional_date, required_text, trimmed, GOAL_ENTITY};
use crate::changes::ChangeReceipt;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum GoalKind {
    PractitionerBusiness,
    PractitionerPersonal,
    ClientWellness,
}

impl GoalKind {
    pub const ALL: [GoalKind; 3] = [
        Self::PractitionerBusiness,
        Self::PractitionerPersonal,
        Self::ClientWellness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PractitionerBusiness => "practitioner_business",
            Self::PractitionerPersonal => "practitioner_personal",
            Self::ClientWellness => "client_wellness",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    #[default]
    OnTrack,
    AtRisk,
    Achieved,
    Abandoned,
}

impl GoalStatus {
    pub const ALL: [GoalStatus; 4] = [Self::OnTrack, Self::AtRisk, Self::Achieved, Self::Abandoned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::Achieved => "achieved",
            Self::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Goal {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub kind: GoalKind,
    pub status: GoalStatus,
    /// The client, for client wellness goals.
    pub contact_id: Option<String>,
    pub target_date: Option<String>,
    /// 0 to 100.
    pub progress: u8,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GoalInput {
    pub title: String,
    pub description: Option<String>,
    pub kind: GoalKind,
    pub status: Option<GoalStatus>,
    pub contact_id: Option<String>,
    pub target_date: Option<String>,
    pub progress: Option<u8>,
}

impl Record for Goal {
    const ENTITY: &'static str = GOAL_ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!("SELECT {GOAL_COLUMNS} FROM goals WHERE id = ?1"))?
            .query_row([id], goal_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(GOAL_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO goals (id, title, description, kind, status, contact_id,
                                    target_date, progress, created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET
                     title = excluded.title, description = excluded.description,
                     kind = excluded.kind, status = excluded.status,
                     contact_id = excluded.contact_id, target_date = excluded.target_date,
                     progress = excluded.progress, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.title,
                self.description,
                self.kind.as_str(),
                self.status.as_str(),
                self.contact_id,
                self.target_date,
                self.progress,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const GOAL_COLUMNS: &str = "id, title, description, kind, status, contact_id, target_date, \
                            progress, created_at, updated_at, deleted_at";

fn goal_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Goal> {
    let kind: String = row.get(3)?;
    let status: String = row.get(4)?;
    Ok(Goal {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        kind: GoalKind::parse(&kind).unwrap_or(GoalKind::PractitionerBusiness),
        status: GoalStatus::parse(&status).unwrap_or_default(),
        contact_id: row.get(5)?,
        target_date: row.get(6)?,
        progress: row.get(7)?,
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
        deleted_at: row.get(10)?,
    })
}

struct ValidGoal {
    title: String,
    description: Option<String>,
    kind: GoalKind,
    status: GoalStatus,
    contact_id: Option<String>,
    target_date: Option<String>,
    progress: u8,
}

fn validate(connection: &Connection, input: GoalInput) -> Result<ValidGoal> {
    let title = required_text("title", &input.title, 300)?;
    let contact_id = trimmed(input.contact_id);
    match (input.kind, &contact_id) {
        (GoalKind::ClientWellness, None) => {
            return Err(Error::invalid_field(
                "contact_id",
                "is required for a client wellness goal",
            ))
        }
        (GoalKind::ClientWellness, Some(contact_id)) => {
            if crate::contacts::ensure_live(connection, contact_id).is_err() {
                return Err(Error::invalid_field("contact_id", "is not a contact"));
            }
        }
        (_, Some(_)) => {
            return Err(Error::invalid_field(
                "contact_id",
                "belongs only on client wellness goals",
            ))
        }
        (_, None) => {}
    }
    let progress = input.progress.unwrap_or(0);
    if progress > 100 {
        return Err(Error::invalid_field(
            "progress",
            "must be between 0 and 100",
        ));
    }
    Ok(ValidGoal {
        title,
        description: trimmed(input.description),
        kind: input.kind,
        status: input.status.unwrap_or_default(),
        contact_id,
        target_date: optional_date("target_date", input.target_date)?,
        progress,
    })
}

/// Goal `id` from `input`, validated like any edit: a new goal, or one a remote record
/// describes (keeping the local goal's creation time).
pub(crate) fn build_goal(
    connection: &Connection,
    id: &str,
    input: GoalInput,
    before: Option<&Goal>,
) -> Result<Goal> {
    let valid = validate(connection, input)?;
    let now = now_utc();
    Ok(Goal {
        id: id.to_owned(),
        title: valid.title,
        description: valid.description,
        kind: valid.kind,
        status: valid.status,
        contact_id: valid.contact_id,
        target_date: valid.target_date,
        progress: valid.progress,
        created_at: before.map_or_else(|| now.clone(), |goal| goal.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

#[derive(Debug, Clone)]
pub struct GoalService {
    database: Database,
}

impl GoalService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// A live goal.
    pub fn get(&self, id: &str) -> Result<Goal> {
        self.database
            .read(|connection| Goal::load_live(connection, id))
    }

    /// Live goals, optionally only one client's.
    pub fn list(&self, contact_id: Option<&str>) -> Result<Vec<Goal>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {GOAL_COLUMNS} FROM goals
                 WHERE deleted_at IS NULL AND (?1 IS NULL OR contact_id = ?1)
                 ORDER BY status IN ('achieved', 'abandoned'), target_date IS NULL, target_date,
                          created_at"
            ))?;
            let goals = statement
                .query_map([contact_id], goal_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(goals)
        })
    }

    pub fn create(&self, input: GoalInput) -> Result<Goal> {
        self.database.write(|transaction| {
            let goal = build_goal(transaction, &new_id(), input, None)?;
            records::create(transaction, &goal, None)?;
            Ok(goal)
        })
    }

    pub fn update(&self, id: &str, input: GoalInput) -> Result<Goal> {
        self.database.write(|transaction| {
            let before = Goal::load_live(transaction, id)?;
            let after = build_goal(transaction, id, input, Some(&before))?;
            records::update(transaction, &before, after, None)
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Goal>(transaction, id, None))
    }
}

/// The live goals of a client (used when merging contacts).
pub(crate) fn ids_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<String>> {
    let mut statement = connection
        .prepare_cached("SELECT id FROM goals WHERE contact_id = ?1 AND deleted_at IS NULL")?;
    let ids = statement
        .query_map([contact_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

//! Projects: a body of work in a zone, with a status.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{ensure_live_in, optional_date, required_text, trimmed, PROJECT_ENTITY};
use crate::changes::ChangeReceipt;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    #[default]
    Active,
    OnHold,
    Completed,
    Archived,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] =
        [Self::Active, Self::OnHold, Self::Completed, Self::Archived];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::OnHold => "on_hold",
            Self::Completed => "completed",
            Self::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub zone_id: Option<String>,
    pub status: ProjectStatus,
    pub due_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProjectInput {
    pub name: String,
    pub description: Option<String>,
    pub zone_id: Option<String>,
    pub status: Option<ProjectStatus>,
    pub due_date: Option<String>,
}

impl Record for Project {
    const ENTITY: &'static str = PROJECT_ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        connection
            .prepare_cached(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"
            ))?
            .query_row([id], project_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(PROJECT_ENTITY, id))
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO projects (id, name, description, zone_id, status, due_date,
                                       created_at, updated_at, deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET
                     name = excluded.name, description = excluded.description,
                     zone_id = excluded.zone_id, status = excluded.status,
                     due_date = excluded.due_date, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.name,
                self.description,
                self.zone_id,
                self.status.as_str(),
                self.due_date,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        Ok(())
    }
}

const PROJECT_COLUMNS: &str =
    "id, name, description, zone_id, status, due_date, created_at, updated_at, deleted_at";

fn project_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    let status: String = row.get(4)?;
    Ok(Project {
        id: row.get(0)?,
        name: row.get(1)?,
        description: row.get(2)?,
        zone_id: row.get(3)?,
        status: ProjectStatus::parse(&status).unwrap_or_default(),
        due_date: row.get(5)?,
        created_at: row.get(6)?,
        updated_at: row.get(7)?,
        deleted_at: row.get(8)?,
    })
}

struct ValidProject {
    name: String,
    description: Option<String>,
    zone_id: Option<String>,
    status: ProjectStatus,
    due_date: Option<String>,
}

fn validate(connection: &Connection, input: ProjectInput) -> Result<ValidProject> {
    let name = required_text("name", &input.name, 200)?;
    let zone_id = trimmed(input.zone_id);
    if let Some(zone_id) = &zone_id {
        ensure_live_in(connection, "zones", "zone_id", zone_id)?;
    }
    Ok(ValidProject {
        name,
        description: trimmed(input.description),
        zone_id,
        status: input.status.unwrap_or_default(),
        due_date: optional_date("due_date", input.due_date)?,
    })
}

#[derive(Debug, Clone)]
pub struct ProjectService {
    database: Database,
}

/// Project `id` as a remote record describes it (validated like a local edit), keeping the
/// local project's creation time.
pub(crate) fn remote_project(
    connection: &Connection,
    id: &str,
    input: ProjectInput,
    before: Option<&Project>,
) -> Result<Project> {
    let valid = validate(connection, input)?;
    let now = now_utc();
    Ok(Project {
        id: id.to_owned(),
        name: valid.name,
        description: valid.description,
        zone_id: valid.zone_id,
        status: valid.status,
        due_date: valid.due_date,
        created_at: before.map_or_else(|| now.clone(), |project| project.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

impl ProjectService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// A live project.
    pub fn get(&self, id: &str) -> Result<Project> {
        self.database
            .read(|connection| Project::load_live(connection, id))
    }

    /// Live projects, active ones first, then by name.
    pub fn list(&self) -> Result<Vec<Project>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE deleted_at IS NULL
                 ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'on_hold' THEN 1
                          WHEN 'completed' THEN 2 ELSE 3 END, name COLLATE NOCASE"
            ))?;
            let projects = statement
                .query_map([], project_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(projects)
        })
    }

    pub fn create(&self, input: ProjectInput) -> Result<Project> {
        self.database.write(|transaction| {
            let valid = validate(transaction, input)?;
            let now = now_utc();
            let project = Project {
                id: new_id(),
                name: valid.name,
                description: valid.description,
                zone_id: valid.zone_id,
                status: valid.status,
                due_date: valid.due_date,
                created_at: now.clone(),
                updated_at: now,
                deleted_at: None,
            };
            records::create(transaction, &project, None)?;
            Ok(project)
        })
    }

    pub fn update(&self, id: &str, input: ProjectInput) -> Result<Project> {
        self.database.write(|transaction| {
            let before = Project::load_live(transaction, id)?;
            let valid = validate(transaction, input)?;
            let after = Project {
                name: valid.name,
                description: valid.description,
                zone_id: valid.zone_id,
                status: valid.status,
                due_date: valid.due_date,
                ..before.clone()
            };
            records::update(transaction, &before, after, None)
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Project>(transaction, id, None))
    }
}

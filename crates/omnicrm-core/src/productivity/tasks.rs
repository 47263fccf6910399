//! Tasks: to-dos with a status, priority and due date, optionally in a project or zone, with
//! subtasks (a task whose parent is another task) and linked contacts.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{ensure_live_in, optional_date, required_text, trimmed, TASK_ENTITY};
use crate::changes::ChangeReceipt;
use crate::error::{Error, Result};
use crate::records::{self, Record};
use crate::store::Database;
use crate::time::{new_id, now_utc};

/// How many tasks a list returns at most.
pub const TASK_LIST_LIMIT: u32 = 500;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Todo,
    InProgress,
    Done,
    Canceled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [Self::Todo, Self::InProgress, Self::Done, Self::Canceled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn is_open(self) -> bool {
        matches!(self, Self::Todo | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TaskPriority {
    Low,
    #[default]
    Medium,
    High,
}

impl TaskPriority {
    pub const ALL: [TaskPriority; 3] = [Self::Low, Self::Medium, Self::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|priority| priority.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Task {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub status: TaskStatus,
    pub priority: TaskPriority,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Set when the task was marked done.
    pub completed_at: Option<String>,
    pub project_id: Option<String>,
    pub zone_id: Option<String>,
    /// Set on subtasks.
    pub parent_task_id: Option<String>,
    pub contact_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deleted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TaskInput {
    pub title: String,
    pub description: Option<String>,
    pub status: Option<TaskStatus>,
    pub priority: Option<TaskPriority>,
    pub due_date: Option<String>,
    pub project_id: Option<String>,
    pub zone_id: Option<String>,
    pub parent_task_id: Option<String>,
    pub contact_ids: Vec<String>,
}

/// Which tasks a list shows. "Today" is the caller's local date, since due dates are dates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TaskView {
    /// Open tasks due today.
    #[default]
    Today,
    /// Open tasks due after today, soonest first.
    Upcoming,
    /// Open tasks due before today, oldest first.
    Overdue,
    /// Every open task, due ones first.
    Open,
    /// Done and canceled tasks, latest first.
    Closed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TaskQuery {
    pub view: TaskView,
    /// `YYYY-MM-DD`, the user's local date.
    pub today: String,
    pub project_id: Option<String>,
    pub zone_id: Option<String>,
    pub contact_id: Option<String>,
}

impl Record for Task {
    const ENTITY: &'static str = TASK_ENTITY;
    records::record_accessors!();

    fn load(connection: &Connection, id: &str) -> Result<Self> {
        let task = connection
            .prepare_cached(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"))?
            .query_row([id], task_from_row)
            .optional()?
            .ok_or_else(|| Error::not_found(TASK_ENTITY, id))?;
        with_contacts(connection, task)
    }

    fn save(&self, connection: &Connection) -> Result<()> {
        connection
            .prepare_cached(
                "INSERT INTO tasks (id, title, description, status, priority, due_date,
                     completed_at, project_id, zone_id, parent_task_id, created_at, updated_at,
                     deleted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (id) DO UPDATE SET
                     title = excluded.title, description = excluded.description,
                     status = excluded.status, priority = excluded.priority,
                     due_date = excluded.due_date, completed_at = excluded.completed_at,
                     project_id = excluded.project_id, zone_id = excluded.zone_id,
                     parent_task_id = excluded.parent_task_id, created_at = excluded.created_at,
                     updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )?
            .execute(params![
                self.id,
                self.title,
                self.description,
                self.status.as_str(),
                self.priority.as_str(),
                self.due_date,
                self.completed_at,
                self.project_id,
                self.zone_id,
                self.parent_task_id,
                self.created_at,
                self.updated_at,
                self.deleted_at,
            ])?;
        connection
            .prepare_cached("DELETE FROM task_contacts WHERE task_id = ?1")?
            .execute([&self.id])?;
        let mut link = connection.prepare_cached(
            "INSERT OR IGNORE INTO task_contacts (task_id, contact_id) VALUES (?1, ?2)",
        )?;
        for contact_id in &self.contact_ids {
            link.execute(params![self.id, contact_id])?;
        }
        Ok(())
    }
}

const TASK_COLUMNS: &str = "id, title, description, status, priority, due_date, completed_at, \
     project_id, zone_id, parent_task_id, created_at, updated_at, deleted_at";

fn task_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Task> {
    let status: String = row.get(3)?;
    let priority: String = row.get(4)?;
    Ok(Task {
        id: row.get(0)?,
        title: row.get(1)?,
        description: row.get(2)?,
        status: TaskStatus::parse(&status).unwrap_or_default(),
        priority: TaskPriority::parse(&priority).unwrap_or_default(),
        due_date: row.get(5)?,
        completed_at: row.get(6)?,
        project_id: row.get(7)?,
        zone_id: row.get(8)?,
        parent_task_id: row.get(9)?,
        contact_ids: Vec::new(),
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
        deleted_at: row.get(12)?,
    })
}

fn with_contacts(connection: &Connection, mut task: Task) -> Result<Task> {
    let mut statement = connection.prepare_cached(
        "SELECT contact_id FROM task_contacts WHERE task_id = ?1 ORDER BY contact_id",
    )?;
    task.contact_ids = statement
        .query_map([&task.id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(task)
}

struct ValidTask {
    title: String,
    description: Option<String>,
    status: TaskStatus,
    priority: TaskPriority,
    due_date: Option<String>,
    project_id: Option<String>,
    zone_id: Option<String>,
    parent_task_id: Option<String>,
    contact_ids: Vec<String>,
}

fn validate(connection: &Connection, input: TaskInput, own_id: Option<&str>) -> Result<ValidTask> {
    let title = required_text("title", &input.title, 300)?;
    let project_id = trimmed(input.project_id);
    if let Some(project_id) = &project_id {
        ensure_live_in(connection, "projects", "project_id", project_id)?;
    }
    let zone_id = trimmed(input.zone_id);
    if let Some(zone_id) = &zone_id {
        ensure_live_in(connection, "zones", "zone_id", zone_id)?;
    }
    let parent_task_id = trimmed(input.parent_task_id);
    if let Some(parent_id) = &parent_task_id {
        ensure_live_in(connection, "tasks", "parent_task_id", parent_id)?;
        if Some(parent_id.as_str()) == own_id {
            return Err(Error::invalid_field(
                "parent_task_id",
                "cannot be the task itself",
            ));
        }
        // One level of subtasks keeps lists readable and rules out cycles.
        let grandparent: Option<String> = connection.query_row(
            "SELECT parent_task_id FROM tasks WHERE id = ?1",
            [parent_id],
            |row| row.get(0),
        )?;
        if grandparent.is_some() {
            return Err(Error::invalid_field(
                "parent_task_id",
                "is itself a subtask; subtasks cannot have subtasks",
            ));
        }
    }
    let mut contact_ids = Vec::new();
    for (index, contact_id) in input.contact_ids.into_iter().enumerate() {
        if crate::contacts::ensure_live(connection, &contact_id).is_err() {
            return Err(Error::invalid_field(
                format!("contact_ids[{index}]"),
                "is not a contact",
            ));
        }
        if !contact_ids.contains(&contact_id) {
            contact_ids.push(contact_id);
        }
    }
    Ok(ValidTask {
        title,
        description: trimmed(input.description),
        status: input.status.unwrap_or_default(),
        priority: input.priority.unwrap_or_default(),
        due_date: optional_date("due_date", input.due_date)?,
        project_id,
        zone_id,
        parent_task_id,
        contact_ids,
    })
}

/// `completed_at` follows the status: set when a task becomes done, cleared when reopened.
fn completed_at(status: TaskStatus, previous: Option<&str>) -> Option<String> {
    match (status, previous) {
        (TaskStatus::Done, Some(previous)) => Some(previous.to_owned()),
        (TaskStatus::Done, None) => Some(now_utc()),
        _ => None,
    }
}

/// A task after a status change, and the change that undoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TaskStatusChange {
    pub task: Task,
    pub change_id: String,
}

#[derive(Debug, Clone)]
pub struct TaskService {
    database: Database,
}

/// Task `id` from `input`, validated like any edit: a new task, or one a remote record
/// describes (keeping the local task's creation time, and its completion time unless given).
pub(crate) fn build_task(
    connection: &Connection,
    id: &str,
    input: TaskInput,
    completed: Option<String>,
    before: Option<&Task>,
) -> Result<Task> {
    let valid = validate(connection, input, Some(id))?;
    let now = now_utc();
    Ok(Task {
        id: id.to_owned(),
        title: valid.title,
        description: valid.description,
        completed_at: completed.or_else(|| {
            completed_at(
                valid.status,
                before.and_then(|task| task.completed_at.as_deref()),
            )
        }),
        status: valid.status,
        priority: valid.priority,
        due_date: valid.due_date,
        project_id: valid.project_id,
        zone_id: valid.zone_id,
        parent_task_id: valid.parent_task_id,
        contact_ids: valid.contact_ids,
        created_at: before.map_or_else(|| now.clone(), |task| task.created_at.clone()),
        updated_at: now,
        deleted_at: None,
    })
}

impl TaskService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    pub fn create(&self, input: TaskInput) -> Result<Task> {
        self.database.write(|transaction| {
            let task = build_task(transaction, &new_id(), input, None, None)?;
            records::create(transaction, &task, None)?;
            Ok(task)
        })
    }

    pub fn update(&self, id: &str, input: TaskInput) -> Result<Task> {
        self.database.write(|transaction| {
            let before = Task::load_live(transaction, id)?;
            let after = build_task(transaction, id, input, None, Some(&before))?;
            records::update(transaction, &before, after, None)
        })
    }

    /// Moves a task to another status (the checkbox in task lists).
    /// Moves a task to `status`, stamping or clearing `completed_at`. The receipt undoes it.
    pub fn set_status(&self, id: &str, status: TaskStatus) -> Result<TaskStatusChange> {
        self.database.write(|transaction| {
            let before = Task::load_live(transaction, id)?;
            let after = Task {
                status,
                completed_at: completed_at(status, before.completed_at.as_deref()),
                ..before.clone()
            };
            let (task, receipt) = records::update_with_receipt(transaction, &before, after, None)?;
            Ok(TaskStatusChange {
                task,
                change_id: receipt.change_id,
            })
        })
    }

    pub fn delete(&self, id: &str) -> Result<ChangeReceipt> {
        self.database
            .write(|transaction| records::delete::<Task>(transaction, id, None))
    }

    pub fn get(&self, id: &str) -> Result<Task> {
        self.database
            .read(|connection| Task::load_live(connection, id))
    }

    /// Subtasks of a task, oldest first.
    pub fn subtasks(&self, parent_id: &str) -> Result<Vec<Task>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks
                 WHERE parent_task_id = ?1 AND deleted_at IS NULL ORDER BY created_at, id"
            ))?;
            let tasks = statement
                .query_map([parent_id], task_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tasks
                .into_iter()
                .map(|task| with_contacts(connection, task))
                .collect()
        })
    }

    /// Tasks for one of the views, filtered by project, zone or contact.
    pub fn list(&self, query: &TaskQuery) -> Result<Vec<Task>> {
        let today = crate::time::parse_date(&query.today)
            .map(|date| date.format("%Y-%m-%d").to_string())
            .ok_or_else(|| Error::invalid_field("today", "must be a date like 2026-11-22"))?;
        let (condition, order) = match query.view {
            TaskView::Today => (
                "t.due_date = :today AND t.status IN ('todo', 'in_progress')",
                "t.priority = 'high' DESC, t.created_at",
            ),
            TaskView::Upcoming => (
                "t.due_date > :today AND t.status IN ('todo', 'in_progress')",
                "t.due_date, t.created_at",
            ),
            TaskView::Overdue => (
                "t.due_date < :today AND t.status IN ('todo', 'in_progress')",
                "t.due_date, t.created_at",
            ),
            TaskView::Open => (
                "t.status IN ('todo', 'in_progress') AND :today = :today",
                "t.due_date IS NULL, t.due_date, t.created_at",
            ),
            TaskView::Closed => (
                "t.status IN ('done', 'canceled') AND :today = :today",
                "COALESCE(t.completed_at, t.updated_at) DESC",
            ),
        };
        let sql = format!(
            "SELECT {columns} FROM tasks t
             WHERE t.deleted_at IS NULL AND {condition}
               AND (:project IS NULL OR t.project_id = :project)
               AND (:zone IS NULL OR t.zone_id = :zone)
               AND (:contact IS NULL OR EXISTS (SELECT 1 FROM task_contacts tc
                    WHERE tc.task_id = t.id AND tc.contact_id = :contact))
             ORDER BY {order}, t.id LIMIT {TASK_LIST_LIMIT}",
            columns = TASK_COLUMNS
                .split(", ")
                .map(|column| format!("t.{column}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        self.database.read(|connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let tasks = statement
                .query_map(
                    rusqlite::named_params! {
                        ":today": today,
                        ":project": query.project_id,
                        ":zone": query.zone_id,
                        ":contact": query.contact_id,
                    },
                    task_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            tasks
                .into_iter()
                .map(|task| with_contacts(connection, task))
                .collect()
        })
    }
}

/// The live tasks linked to a contact (used when merging contacts).
pub(crate) fn ids_for_contact(connection: &Connection, contact_id: &str) -> Result<Vec<String>> {
    let mut statement = connection.prepare_cached(
        "SELECT tc.task_id FROM task_contacts tc JOIN tasks t ON t.id = tc.task_id
         WHERE tc.contact_id = ?1 AND t.deleted_at IS NULL",
    )?;
    let ids = statement
        .query_map([contact_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

//! The practitioner's own work: zones (areas of life and business, six seeded), projects, tasks
//! with subtasks and linked contacts, and goals.

mod goals;
mod projects;
mod tasks;
mod zones;

pub(crate) use goals::build_goal;
pub use goals::{Goal, GoalInput, GoalKind, GoalService, GoalStatus};
pub(crate) use projects::remote_project;
pub use projects::{Project, ProjectInput, ProjectService, ProjectStatus};
pub(crate) use tasks::build_task;
pub use tasks::{
    Task, TaskInput, TaskPriority, TaskQuery, TaskService, TaskStatus, TaskStatusChange, TaskView,
};
pub(crate) use zones::remote_zone;
pub use zones::{Zone, ZoneInput, ZoneService};

pub(crate) const ZONE_ENTITY: &str = "zone";
pub(crate) const PROJECT_ENTITY: &str = "project";
pub(crate) const TASK_ENTITY: &str = "task";
pub(crate) const GOAL_ENTITY: &str = "goal";

use crate::records::trimmed;

pub(crate) use goals::ids_for_contact as goal_ids_for_contact;
pub(crate) use tasks::ids_for_contact as task_ids_for_contact;

/// A required name or title of at most `max` characters.
fn required_text(field: &str, text: &str, max: usize) -> crate::Result<String> {
    let text = crate::contacts::collapse_whitespace(text);
    if text.is_empty() {
        return Err(crate::Error::invalid_field(field, "is required"));
    }
    if text.chars().count() > max {
        return Err(crate::Error::invalid_field(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(text)
}

/// An optional `YYYY-MM-DD` date.
fn optional_date(field: &str, text: Option<String>) -> crate::Result<Option<String>> {
    match trimmed(text) {
        None => Ok(None),
        Some(text) => crate::time::parse_date(&text)
            .map(|date| Some(date.format("%Y-%m-%d").to_string()))
            .ok_or_else(|| crate::Error::invalid_field(field, "must be a date like 2026-11-22")),
    }
}

/// `not_found` as a field error unless `id` names a live row of `table`.
fn ensure_live_in(
    connection: &rusqlite::Connection,
    table: &str,
    field: &str,
    id: &str,
) -> crate::Result<()> {
    let live: bool = connection.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1 AND deleted_at IS NULL)"),
        [id],
        |row| row.get(0),
    )?;
    if live {
        Ok(())
    } else {
        Err(crate::Error::invalid_field(field, "does not exist"))
    }
}

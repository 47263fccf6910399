//! Productivity commands: life zones, projects, tasks (with subtasks) and goals.

use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::productivity::{
    Goal, GoalInput, Project, ProjectInput, Task, TaskInput, TaskQuery, TaskStatus,
    TaskStatusChange, Zone, ZoneInput,
};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn zones_list(state: State<'_, CoreState>) -> CommandResult<Vec<Zone>> {
    let core = state.core()?;
    core.run(move |core| core.zones.list()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn zones_create(state: State<'_, CoreState>, input: ZoneInput) -> CommandResult<Zone> {
    let core = state.core()?;
    core.run(move |core| core.zones.create(input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn zones_update(
    state: State<'_, CoreState>,
    id: String,
    input: ZoneInput,
) -> CommandResult<Zone> {
    let core = state.core()?;
    core.run(move |core| core.zones.update(&id, input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn zones_delete(state: State<'_, CoreState>, id: String) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.zones.delete(&id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn projects_list(state: State<'_, CoreState>) -> CommandResult<Vec<Project>> {
    let core = state.core()?;
    core.run(move |core| core.projects.list()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn projects_create(
    state: State<'_, CoreState>,
    input: ProjectInput,
) -> CommandResult<Project> {
    let core = state.core()?;
    core.run(move |core| core.projects.create(input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn projects_update(
    state: State<'_, CoreState>,
    id: String,
    input: ProjectInput,
) -> CommandResult<Project> {
    let core = state.core()?;
    core.run(move |core| core.projects.update(&id, input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn projects_delete(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.projects.delete(&id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_list(state: State<'_, CoreState>, query: TaskQuery) -> CommandResult<Vec<Task>> {
    let core = state.core()?;
    core.run(move |core| core.tasks.list(&query)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_create(state: State<'_, CoreState>, input: TaskInput) -> CommandResult<Task> {
    let core = state.core()?;
    core.run(move |core| core.tasks.create(input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_update(
    state: State<'_, CoreState>,
    id: String,
    input: TaskInput,
) -> CommandResult<Task> {
    let core = state.core()?;
    core.run(move |core| core.tasks.update(&id, input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_delete(state: State<'_, CoreState>, id: String) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.tasks.delete(&id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_get(state: State<'_, CoreState>, id: String) -> CommandResult<Task> {
    let core = state.core()?;
    core.run(move |core| core.tasks.get(&id)).await
}

/// Marks a task open, done or canceled; the returned task carries `completed_at`, and the
/// change id undoes it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_set_status(
    state: State<'_, CoreState>,
    id: String,
    status: TaskStatus,
) -> CommandResult<TaskStatusChange> {
    let core = state.core()?;
    core.run(move |core| core.tasks.set_status(&id, status))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tasks_subtasks(
    state: State<'_, CoreState>,
    parent_id: String,
) -> CommandResult<Vec<Task>> {
    let core = state.core()?;
    core.run(move |core| core.tasks.subtasks(&parent_id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn goals_list(
    state: State<'_, CoreState>,
    contact_id: Option<String>,
) -> CommandResult<Vec<Goal>> {
    let core = state.core()?;
    core.run(move |core| core.goals.list(contact_id.as_deref()))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn goals_create(state: State<'_, CoreState>, input: GoalInput) -> CommandResult<Goal> {
    let core = state.core()?;
    core.run(move |core| core.goals.create(input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn goals_update(
    state: State<'_, CoreState>,
    id: String,
    input: GoalInput,
) -> CommandResult<Goal> {
    let core = state.core()?;
    core.run(move |core| core.goals.update(&id, input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn goals_delete(state: State<'_, CoreState>, id: String) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.goals.delete(&id)).await
}

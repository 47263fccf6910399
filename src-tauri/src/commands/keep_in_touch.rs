//! Keep-in-touch, reminder and Today commands: whom to be in touch with today, and when.
//! Dates are the user's local dates (the machine's time zone).

use chrono::Local;
use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::keep_in_touch::{
    Cadence, CadenceSetting, ContactKeepInTouch, DefaultScope, DuePerson, KeepInTouchChange,
    KeepInTouchDefault, RelationshipHealth,
};
use omnicrm_core::reminders::{Reminder, ReminderChange, ReminderInput};
use omnicrm_core::today::Today;
use tauri::State;

use super::CommandResult;
use crate::CoreState;

fn local_today() -> chrono::NaiveDate {
    Local::now().date_naive()
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn today_get(state: State<'_, CoreState>) -> CommandResult<Today> {
    let core = state.core()?;
    core.run(move |core| core.today.today(local_today(), &Local))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_due(state: State<'_, CoreState>) -> CommandResult<Vec<DuePerson>> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.due(local_today(), &Local))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_get(
    state: State<'_, CoreState>,
    contact_id: String,
) -> CommandResult<ContactKeepInTouch> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.for_contact(&contact_id, &Local))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_set_cadence(
    state: State<'_, CoreState>,
    contact_id: String,
    setting: CadenceSetting,
) -> CommandResult<KeepInTouchChange> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.set_cadence(&contact_id, setting))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_snooze(
    state: State<'_, CoreState>,
    contact_id: String,
    until: Option<String>,
) -> CommandResult<KeepInTouchChange> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.snooze(&contact_id, until.as_deref()))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_set_default(
    state: State<'_, CoreState>,
    scope: DefaultScope,
    target: String,
    cadence: Option<Cadence>,
) -> CommandResult<Option<KeepInTouchDefault>> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.set_default(scope, &target, cadence))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_defaults(
    state: State<'_, CoreState>,
) -> CommandResult<Vec<KeepInTouchDefault>> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.defaults()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn keep_in_touch_health(
    state: State<'_, CoreState>,
) -> CommandResult<RelationshipHealth> {
    let core = state.core()?;
    core.run(move |core| core.keep_in_touch.health(local_today(), &Local))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reminders_add(
    state: State<'_, CoreState>,
    contact_id: String,
    input: ReminderInput,
) -> CommandResult<Reminder> {
    let core = state.core()?;
    core.run(move |core| core.reminders.add(&contact_id, input))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reminders_list(
    state: State<'_, CoreState>,
    contact_id: Option<String>,
) -> CommandResult<Vec<Reminder>> {
    let core = state.core()?;
    core.run(move |core| core.reminders.list(contact_id.as_deref()))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reminders_done(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ReminderChange> {
    let core = state.core()?;
    core.run(move |core| core.reminders.done(&id, local_today()))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reminders_snooze(
    state: State<'_, CoreState>,
    id: String,
    until: String,
) -> CommandResult<ReminderChange> {
    let core = state.core()?;
    core.run(move |core| core.reminders.snooze(&id, &until))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn reminders_delete(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.reminders.delete(&id)).await
}

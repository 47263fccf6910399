//! Consent commands: what a contact agreed to, with its history.

use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::consents::{Consent, ConsentInput, ContactConsents};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn consents_record(
    state: State<'_, CoreState>,
    contact_id: String,
    input: ConsentInput,
) -> CommandResult<Consent> {
    let core = state.core()?;
    core.run(move |core| core.consents.record(&contact_id, input))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn consents_delete(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.consents.delete(&id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn consents_list_for_contact(
    state: State<'_, CoreState>,
    contact_id: String,
) -> CommandResult<ContactConsents> {
    let core = state.core()?;
    core.run(move |core| core.consents.list_for_contact(&contact_id))
        .await
}

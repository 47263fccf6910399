//! Identity commands: a contact's identifiers and the list of identifiers never to import.

use omnicrm_core::changes::ChangeReceipt;
use omnicrm_core::identities::{ContactIdentifier, Identity, IdentityKind, IgnoredIdentifier};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_list_for_contact(
    state: State<'_, CoreState>,
    contact_id: String,
) -> CommandResult<Vec<ContactIdentifier>> {
    let core = state.core()?;
    core.run(move |core| core.identities.list_for_contact(&contact_id))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_add(
    state: State<'_, CoreState>,
    contact_id: String,
    kind: IdentityKind,
    value: String,
    provider: String,
) -> CommandResult<Identity> {
    let core = state.core()?;
    core.run(move |core| core.identities.add(&contact_id, kind, &value, &provider))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_remove(
    state: State<'_, CoreState>,
    identity_id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.identities.remove(&identity_id))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_list_ignored(
    state: State<'_, CoreState>,
) -> CommandResult<Vec<IgnoredIdentifier>> {
    let core = state.core()?;
    core.run(|core| core.identities.list_ignored()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_ignore(
    state: State<'_, CoreState>,
    pattern: String,
    reason: Option<String>,
) -> CommandResult<IgnoredIdentifier> {
    let core = state.core()?;
    core.run(move |core| core.identities.ignore(&pattern, reason.as_deref()))
        .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn identities_unignore(
    state: State<'_, CoreState>,
    id: String,
) -> CommandResult<ChangeReceipt> {
    let core = state.core()?;
    core.run(move |core| core.identities.unignore(&id)).await
}

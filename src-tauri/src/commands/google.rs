//! Google account commands: status, sign in (in the browser), disconnect. Configuration (client
//! id, endpoints) comes from the `OMNICRM_GOOGLE_*` environment variables, as for the CLI.

use std::time::Duration;

use omnicrm_google::{
    environment, ConnectOutcome, DisconnectOutcome, GoogleAccounts, GoogleStatus,
};
use tauri::State;

use super::CommandResult;
use crate::CoreState;

/// How long sign-in waits for the browser to come back.
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

pub(super) fn google_accounts(state: &State<'_, CoreState>) -> CommandResult<GoogleAccounts> {
    environment::accounts_from_env(&state.core()?)
}

/// The Google accounts of this device, and where new sign-in tokens would be kept.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_status(state: State<'_, CoreState>) -> CommandResult<GoogleStatus> {
    google_accounts(&state)?.status().await
}

/// Opens Google's sign-in page in the browser and waits (up to five minutes) for it to come
/// back to OmniCRM on a loopback address.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_connect(state: State<'_, CoreState>) -> CommandResult<ConnectOutcome> {
    google_accounts(&state)?
        .connect(SIGN_IN_TIMEOUT, |url| {
            if let Err(error) = open::that_detached(url.as_str()) {
                tracing::warn!(%error, "could not open the browser for Google sign-in");
            }
        })
        .await
}

/// Revokes OmniCRM's access at Google and removes the tokens from this device.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn google_disconnect(
    state: State<'_, CoreState>,
    account_id: String,
) -> CommandResult<DisconnectOutcome> {
    google_accounts(&state)?.disconnect(&account_id).await
}

//! "Delete all my data", the same in the app and the CLI: once the typed confirmation matches,
//! every Google account is disconnected (its tokens revoked and removed), the team sync's
//! device token and the AI provider's and the embeddings endpoint's keys leave the keyring, then every record, backup and file of
//! the data folder goes. The settings rows that name a backend stay (without their keys), like
//! the other preferences.

use omnicrm_core::export::DeletionSummary;
use omnicrm_core::{Core, Result};

/// Deletes everything on this device. The phrase is checked before anything happens, so a
/// mistyped one disconnects nothing.
pub async fn delete_all_data(core: &Core, confirmation: &str) -> Result<DeletionSummary> {
    omnicrm_core::export::check_delete_all_confirmation(confirmation)?;
    omnicrm_google::environment::accounts_from_env(core)?
        .disconnect_all()
        .await?;
    let confirmation = confirmation.to_owned();
    core.run(move |core| delete_local_data(core, &confirmation))
        .await
}

/// The local part of [`delete_all_data`], for callers that disconnected Google themselves
/// (and tests without a Google configuration).
pub fn delete_local_data(core: &Core, confirmation: &str) -> Result<DeletionSummary> {
    omnicrm_core::export::check_delete_all_confirmation(confirmation)?;
    // The team's device token leaves the secret store; the team's copy is not touched.
    omnicrm_sync_client::TeamSync::new(core.clone()).disconnect()?;
    omnicrm_ai::SettingsStore::new(core.database.clone(), &core.data_dir).clear_api_key()?;
    omnicrm_search::EmbedderSettingsStore::new(core.database.clone(), &core.data_dir)
        .clear_api_key()?;
    core.export.delete_all_data(confirmation)
}

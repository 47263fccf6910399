//! Search across contacts, notes, mail, events, calls, tasks and projects (the Cmd-K palette),
//! and the choice of embedder for semantic search (Settings). The embedder's API key only
//! travels inward: the UI learns whether one is stored, never what it is.

use omnicrm_core::Core;
use omnicrm_search::{
    EmbedderProbe, EmbedderSettings, EmbedderSettingsStore, EmbedderSource, SearchAudience,
    SearchRequest, SearchResponse, LOCAL_MODEL_ID, MAX_LIMIT,
};
use omnicrm_secrets::SecretString;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use super::CommandResult;
use crate::{CoreState, SearchState};

/// The embedder settings as the Settings page shows them.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct EmbedderSettingsState {
    pub settings: EmbedderSettings,
    pub api_key_stored: bool,
    /// The model semantic search runs with now, or none (keyword search only).
    pub active_model_id: Option<String>,
    /// The model the saved settings choose; it takes over when the app starts again.
    pub chosen_model_id: String,
    /// The saved choice differs from what runs: a restart applies it.
    pub restart_needed: bool,
}

fn embedder_store(core: &Core) -> EmbedderSettingsStore {
    EmbedderSettingsStore::new(core.database.clone(), &core.data_dir)
}

/// The settings, whether a key is stored, and whether they are in effect.
pub fn embedder_state(
    core: &Core,
    active_model_id: Option<String>,
) -> CommandResult<EmbedderSettingsState> {
    let store = embedder_store(core);
    let settings = store.load()?;
    let api_key_stored = store.api_key(&settings)?.is_some();
    let chosen_model_id = match settings.source {
        EmbedderSource::Local => LOCAL_MODEL_ID.to_owned(),
        EmbedderSource::Remote => settings.remote_config(None).model_id(),
    };
    let restart_needed = active_model_id.as_deref() != Some(chosen_model_id.as_str())
        && !(settings.source == EmbedderSource::Local && active_model_id.is_none());
    Ok(EmbedderSettingsState {
        settings,
        api_key_stored,
        active_model_id,
        chosen_model_id,
        restart_needed,
    })
}

/// Validates and saves the embedder choice; a non-blank `api_key` is stored in the OS keyring
/// (or the encrypted-file fallback) with it.
pub fn save_embedder(
    core: &Core,
    settings: &EmbedderSettings,
    api_key: Option<&str>,
    active_model_id: Option<String>,
) -> CommandResult<EmbedderSettingsState> {
    let store = embedder_store(core);
    store.save(settings)?;
    if let Some(key) = api_key.map(str::trim).filter(|key| !key.is_empty()) {
        store.set_api_key(&SecretString::from(key.to_owned()))?;
    }
    embedder_state(core, active_model_id)
}

fn active_model_id(search: &SearchState) -> Option<String> {
    search
        .service()
        .ok()
        .and_then(|service| service.embedder())
        .map(|embedder| embedder.model_id().to_owned())
}

/// Keyword, semantic or hybrid search, grouped by kind. Blank text finds nothing; without the
/// embedding model the search runs in keyword mode and the response says so.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_query(
    state: State<'_, SearchState>,
    request: SearchRequest,
) -> CommandResult<SearchResponse> {
    if request
        .limit
        .is_some_and(|limit| limit == 0 || limit > MAX_LIMIT)
    {
        return Err(omnicrm_core::Error::invalid_field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    // The practitioner's own search box: private notes are searched too (they stay on this
    // device; the assistant's searches leave them out).
    let request = SearchRequest {
        audience: SearchAudience::User,
        ..request
    };
    state.service()?.search(request).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_embedder_get(
    core: State<'_, CoreState>,
    search: State<'_, SearchState>,
) -> CommandResult<EmbedderSettingsState> {
    let active = active_model_id(&search);
    core.core()?
        .run(move |core| embedder_state(core, active))
        .await
}

/// Saves the embedder choice (and the endpoint's key when one is typed). It applies from the
/// next start; the state says whether a restart is needed.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_embedder_save(
    core: State<'_, CoreState>,
    search: State<'_, SearchState>,
    settings: EmbedderSettings,
    api_key: Option<String>,
) -> CommandResult<EmbedderSettingsState> {
    let active = active_model_id(&search);
    core.core()?
        .run(move |core| save_embedder(core, &settings, api_key.as_deref(), active))
        .await
}

/// Removes the embeddings endpoint's API key.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_embedder_clear_key(
    core: State<'_, CoreState>,
    search: State<'_, SearchState>,
) -> CommandResult<EmbedderSettingsState> {
    let active = active_model_id(&search);
    core.core()?
        .run(move |core| {
            embedder_store(core).clear_api_key()?;
            embedder_state(core, active)
        })
        .await
}

/// Embeds one short text with the endpoint as typed (the typed key, else the stored one):
/// it answers, with vectors of the stated length, or the error says why.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn search_embedder_probe(
    core: State<'_, CoreState>,
    settings: EmbedderSettings,
    api_key: Option<String>,
) -> CommandResult<EmbedderProbe> {
    let typed = api_key
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty())
        .map(SecretString::from);
    let key = match typed {
        Some(key) => Some(key),
        None => {
            core.core()?
                .run(|core| {
                    let store = embedder_store(core);
                    store.api_key(&store.load()?)
                })
                .await?
        }
    };
    omnicrm_search::probe_remote(&settings, key.as_ref()).await
}

/// Restarts the app, so a new embedder choice takes effect.
#[tauri::command]
#[specta::specta]
pub fn app_restart(app: AppHandle) -> CommandResult<()> {
    tracing::info!("restarting to apply new settings");
    app.restart()
}

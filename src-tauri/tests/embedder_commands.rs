//! The embedder settings commands on a real store: the key never reaches the UI, a saved
//! choice that differs from the running model asks for a restart, and delete-all removes the
//! key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_core::export::DELETE_ALL_CONFIRMATION;
use omnicrm_core::{Core, ErrorCode};
use omnicrm_desktop::commands::search;
use omnicrm_search::{EmbedderSettings, EmbedderSource, LOCAL_MODEL_ID};

fn open() -> (tempfile::TempDir, Core) {
    // No keyring on CI machines: the encrypted-file backend is the one under test.
    std::env::set_var(omnicrm_secrets::STORAGE_ENV, "encrypted_file");
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    (directory, core)
}

fn ollama() -> EmbedderSettings {
    EmbedderSettings {
        source: EmbedderSource::Remote,
        base_url: "http://localhost:11434/v1".into(),
        model: "nomic-embed-text".into(),
        dimensions: 768,
        api_key_backend: None,
    }
}

#[test]
fn a_saved_endpoint_asks_for_a_restart_and_its_key_never_reaches_the_ui() {
    let (_directory, core) = open();
    let running = Some(LOCAL_MODEL_ID.to_owned());
    let state = search::embedder_state(&core, running.clone()).unwrap();
    assert_eq!(state.settings.source, EmbedderSource::Local);
    assert!(!state.restart_needed);
    assert!(!state.api_key_stored);

    let state =
        search::save_embedder(&core, &ollama(), Some("  sk-embed-secret  "), running).unwrap();
    assert!(state.api_key_stored);
    assert_eq!(
        state.chosen_model_id,
        "remote:nomic-embed-text@http://localhost:11434/v1"
    );
    assert!(state.restart_needed);
    let shown = serde_json::to_string(&state).unwrap();
    assert!(!shown.contains("sk-embed-secret"), "{shown}");

    // Once the app runs with it, nothing is pending.
    let state = search::embedder_state(&core, Some(state.chosen_model_id.clone())).unwrap();
    assert!(!state.restart_needed);
    // Without the local model's weights, choosing it again needs no restart to do nothing.
    let local = EmbedderSettings {
        source: EmbedderSource::Local,
        ..ollama()
    };
    let state = search::save_embedder(&core, &local, None, None).unwrap();
    assert!(!state.restart_needed);
    assert!(
        state.api_key_stored,
        "a blank key leaves the stored one alone"
    );
}

#[test]
fn a_bad_endpoint_is_refused_by_field_and_nothing_is_saved() {
    let (_directory, core) = open();
    let error = search::save_embedder(
        &core,
        &EmbedderSettings {
            base_url: "localhost:11434".into(),
            dimensions: 100_000,
            ..ollama()
        },
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    let fields: Vec<String> = error
        .details
        .unwrap()
        .fields
        .into_iter()
        .map(|field| field.field)
        .collect();
    assert_eq!(fields, ["base_url", "dimensions"]);
    let state = search::embedder_state(&core, None).unwrap();
    assert_eq!(state.settings.source, EmbedderSource::Local);
}

#[test]
fn deleting_all_data_removes_the_embeddings_key() {
    let (_directory, core) = open();
    search::save_embedder(&core, &ollama(), Some("sk-embed-secret"), None).unwrap();
    omnicrm_app::data_deletion::delete_local_data(&core, DELETE_ALL_CONFIRMATION).unwrap();
    assert!(!search::embedder_state(&core, None).unwrap().api_key_stored);
}

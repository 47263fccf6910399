//! Opening search over the store with the embedder the user chose: a remote endpoint from
//! Settings, the local model when its weights are installed, or keyword only (saying why).

use omnicrm_core::Core;

/// The search of `core`: the local model when installed, keyword only otherwise (the response
/// says why). A model that fails to load leaves keyword search working.
pub fn open_search(core: &Core) -> omnicrm_search::SearchService {
    use omnicrm_search::{ModeNotice, SearchNotice, SearchService};
    let keyword_only = |message: String| {
        SearchService::keyword_only(
            core.database.clone(),
            SearchNotice {
                reason: ModeNotice::EmbedderUnavailable,
                message,
            },
        )
    };
    // A remote endpoint chosen in Settings needs no model weights.
    let embedder_settings =
        omnicrm_search::EmbedderSettingsStore::new(core.database.clone(), &core.data_dir);
    match omnicrm_search::remote_embedder(&embedder_settings) {
        Ok(Some(remote)) => {
            return SearchService::new(core.database.clone(), remote).unwrap_or_else(|error| {
                keyword_only(format!(
                    "semantic search is off: the embeddings endpoint could not be used ({})",
                    error.message
                ))
            })
        }
        Ok(None) => {}
        Err(error) => {
            return keyword_only(format!(
                "semantic search is off: the embeddings endpoint settings could not be read ({})",
                error.message
            ))
        }
    }
    let Some(models_dir) = omnicrm_search::models::default_models_dir() else {
        return keyword_only(
            "semantic search is off: there is no cache directory for the model".to_owned(),
        );
    };
    match SearchService::with_local_model(core.database.clone(), &models_dir) {
        Ok(service) => service,
        Err(error) => {
            tracing::error!(message = %error.message, "the embedding model did not load");
            keyword_only(format!(
                "semantic search is off: the model did not load ({})",
                error.message
            ))
        }
    }
}

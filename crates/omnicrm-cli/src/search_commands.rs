//! `omnicrm search` and `omnicrm models fetch`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use omnicrm_core::{Core, Error, Result};
use omnicrm_search::models::{self, ModelSpec, DEFAULT_MODEL_URL};
use omnicrm_search::snippet::to_marked_text;
use omnicrm_search::{
    EmbeddingIndexer, SearchAudience, SearchMode, SearchRequest, SearchResponse, SearchService,
};

use crate::arguments::{ModelsCommand, SearchArgs};
use crate::output::Printer;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))
}

fn models_dir() -> Result<PathBuf> {
    models::default_models_dir()
        .ok_or_else(|| Error::internal("no cache directory for models; set OMNICRM_MODELS_DIR"))
}

/// The search over `core` with the embedder chosen in the app's Settings, opened as the app
/// opens it: the remote endpoint, or the local model when its weights are installed, keyword
/// only (saying why) otherwise.
pub fn search_service(core: &Core) -> Result<SearchService> {
    Ok(omnicrm_app::search_setup::open_search(core))
}

/// Searches. With the model installed, records not embedded yet are embedded first (the CLI
/// has no background runner), so semantic results cover everything.
pub fn search(core: &Core, arguments: &SearchArgs, printer: &Printer) -> Result<()> {
    let mode = match arguments.mode.as_deref() {
        None => SearchMode::Hybrid,
        Some(text) => SearchMode::parse(text)
            .ok_or_else(|| Error::invalid_field("mode", "must be keyword, semantic or hybrid"))?,
    };
    let runtime = runtime()?;
    let service = search_service(core)?;
    let response = runtime.block_on(async {
        if let (Some(embedder), true) = (service.embedder(), mode != SearchMode::Keyword) {
            let indexer = EmbeddingIndexer::new(core.database.clone(), embedder);
            let pending = indexer.pending()?;
            if pending > 0 {
                let bar = printer.progress_bar(u64::from(pending), "Embedding new records");
                indexer
                    .run_until_done(|done, _| {
                        if let Some(bar) = &bar {
                            bar.set_position(u64::from(done));
                        }
                        async { false }
                    })
                    .await?;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
            }
        }
        service
            .search(SearchRequest {
                text: arguments.query.clone(),
                mode,
                limit: arguments.limit,
                // The practitioner's own search, on this device: private notes included.
                audience: SearchAudience::User,
                ..SearchRequest::default()
            })
            .await
    })?;
    printer.value(&response, || response_text(&response))
}

fn response_text(response: &SearchResponse) -> String {
    let mut lines = Vec::new();
    if let Some(notice) = &response.notice {
        lines.push(format!("Note: {}", notice.message));
    }
    if response.groups.is_empty() {
        lines.push("Nothing found.".to_owned());
    }
    for group in &response.groups {
        lines.push(format!("\n{}s", capitalized(group.kind.as_str())));
        for hit in &group.hits {
            lines.push(format!("  {}  [{}]", hit.title, hit.item_id));
            let snippet = to_marked_text(&hit.snippet);
            if !snippet.is_empty() && snippet != hit.title {
                lines.push(format!("      {snippet}"));
            }
        }
    }
    lines.join("\n")
}

fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default()
}

pub fn run_models(command: ModelsCommand, printer: &Printer) -> Result<()> {
    match command {
        ModelsCommand::Fetch { from, url } => {
            let models_dir = models_dir()?;
            let spec = ModelSpec::all_minilm_l6_v2();
            let installed = match from {
                Some(source) => models::install_from_dir(&models_dir, &spec, &source)?,
                None => fetch(
                    &models_dir,
                    &spec,
                    url.as_deref().unwrap_or(DEFAULT_MODEL_URL),
                    printer,
                )?,
            };
            let summary = serde_json::json!({
                "model": spec.directory,
                "path": installed.display().to_string(),
            });
            printer.value(&summary, || {
                format!("Installed {} in {}", spec.directory, installed.display())
            })
        }
    }
}

fn fetch(models_dir: &Path, spec: &ModelSpec, url: &str, printer: &Printer) -> Result<PathBuf> {
    let total: u64 = spec.files.iter().map(|file| file.size).sum();
    let bar = Arc::new(printer.progress_bar(total, "Downloading all-MiniLM-L6-v2"));
    let progress_bar = bar.clone();
    let installed = runtime()?.block_on(models::fetch(models_dir, spec, url, move |progress| {
        if let Some(bar) = progress_bar.as_ref() {
            bar.set_position(progress.done_bytes);
        }
    }))?;
    if let Some(bar) = bar.as_ref() {
        bar.finish_and_clear();
    }
    Ok(installed)
}

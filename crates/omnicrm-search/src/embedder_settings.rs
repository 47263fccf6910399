//! Which embedder semantic search uses: the local model (the default, nothing leaves the
//! computer) or a remote OpenAI-compatible `/embeddings` endpoint (Ollama, LM Studio, a cloud
//! provider). The choice is one JSON value in the `settings` table under [`EMBEDDER_SETTING`];
//! the endpoint's API key is in the OS keyring (or the encrypted-file fallback) under
//! [`EMBEDDER_API_KEY_ACCOUNT`], never in the database or the logs. The app reads the choice
//! when it starts ([`crate::SearchService::from_settings`]); a change of model re-embeds every
//! record in the background, since each chunk remembers its model.

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::{Error, FieldError, Result};
use omnicrm_secrets::{
    ExposeSecret, KeyedSettings, KeyedSettingsStore, SecretBackend, SecretString,
};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::embedder::{Embedder, RemoteEmbedder, RemoteEmbedderConfig};

/// The `settings` key of the embedder choice.
pub const EMBEDDER_SETTING: &str = "search.embedder";
/// The secret-store account of the remote endpoint's API key.
pub const EMBEDDER_API_KEY_ACCOUNT: &str = "search.embedder.api_key";
/// The largest embedding the vector tables are made for.
pub const MAX_DIMENSIONS: u32 = 4096;

/// Where embeddings are made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EmbedderSource {
    /// all-MiniLM-L6-v2 on this computer's CPU.
    #[default]
    Local,
    /// An OpenAI-compatible embeddings endpoint.
    Remote,
}

/// The embedder choice. The remote fields are kept while the local model is chosen, so
/// switching back and forth does not lose them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EmbedderSettings {
    #[serde(default)]
    pub source: EmbedderSource,
    /// Up to and including `/v1`, e.g. `http://localhost:11434/v1`.
    pub base_url: String,
    pub model: String,
    /// The length of the endpoint's vectors (768 for nomic-embed-text, 1536 for
    /// text-embedding-3-small).
    pub dimensions: u32,
    /// Where the API key is stored, when one is.
    #[serde(default)]
    pub api_key_backend: Option<SecretBackend>,
}

impl Default for EmbedderSettings {
    fn default() -> Self {
        Self {
            source: EmbedderSource::Local,
            base_url: "http://localhost:11434/v1".to_owned(),
            model: "nomic-embed-text".to_owned(),
            dimensions: 768,
            api_key_backend: None,
        }
    }
}

impl EmbedderSettings {
    /// The remote fields are checked only when the remote endpoint is chosen.
    pub fn validate(&self) -> Result<()> {
        if self.source == EmbedderSource::Local {
            return Ok(());
        }
        let mut fields = Vec::new();
        match reqwest::Url::parse(self.base_url.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => fields.push(FieldError::new(
                "base_url",
                "must be an http or https URL, e.g. http://localhost:11434/v1",
            )),
        }
        if self.model.trim().is_empty() {
            fields.push(FieldError::new("model", "is required"));
        }
        if self.dimensions == 0 || self.dimensions > MAX_DIMENSIONS {
            fields.push(FieldError::new(
                "dimensions",
                format!("must be between 1 and {MAX_DIMENSIONS}"),
            ));
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(fields))
        }
    }

    /// The remote endpoint's configuration, with `api_key` when there is one.
    pub fn remote_config(&self, api_key: Option<&SecretString>) -> RemoteEmbedderConfig {
        let mut config = RemoteEmbedderConfig::new(
            self.base_url.trim(),
            self.model.trim(),
            self.dimensions as usize,
        );
        config.api_key = api_key.map(|key| key.expose_secret().to_owned());
        config
    }
}

/// What trying a remote endpoint found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EmbedderProbe {
    /// The model id the chunks will be stored under.
    pub model_id: String,
    pub dimensions: u32,
    pub milliseconds: u32,
}

/// Reads and writes the embedder choice and its API key.
pub type EmbedderSettingsStore = KeyedSettingsStore<EmbedderSettings>;

impl KeyedSettings for EmbedderSettings {
    const KEY_ACCOUNT: &'static str = EMBEDDER_API_KEY_ACCOUNT;

    fn read_json(connection: &rusqlite::Connection) -> Result<Option<String>> {
        Ok(connection
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [EMBEDDER_SETTING],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn write_json(connection: &rusqlite::Connection, json: &str) -> Result<()> {
        connection.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![EMBEDDER_SETTING, json],
        )?;
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        EmbedderSettings::validate(self)
    }

    fn tidy(&mut self) {
        self.base_url = self.base_url.trim().trim_end_matches('/').to_owned();
        self.model = self.model.trim().to_owned();
    }

    fn api_key_backend(&self) -> Option<SecretBackend> {
        self.api_key_backend
    }

    fn set_api_key_backend(&mut self, backend: Option<SecretBackend>) {
        self.api_key_backend = backend;
    }
}

/// The embedder the stored settings choose, when it is the remote endpoint.
pub fn remote_embedder(store: &EmbedderSettingsStore) -> Result<Option<Arc<dyn Embedder>>> {
    let settings = store.load()?;
    if settings.source != EmbedderSource::Remote {
        return Ok(None);
    }
    let key = store.api_key(&settings)?;
    let embedder = RemoteEmbedder::new(settings.remote_config(key.as_ref()))?;
    Ok(Some(Arc::new(embedder)))
}

/// Embeds one short text with `settings`' remote endpoint (and `api_key`, else the stored
/// key): the endpoint answers, and with vectors of the stated length, or the error says why.
pub async fn probe_remote(
    settings: &EmbedderSettings,
    api_key: Option<&SecretString>,
) -> Result<EmbedderProbe> {
    let remote = EmbedderSettings {
        source: EmbedderSource::Remote,
        ..settings.clone()
    };
    remote.validate()?;
    let mut config = remote.remote_config(api_key);
    // One quick try: the user is waiting for the answer.
    config.attempts = 1;
    config.timeout = PROBE_TIMEOUT;
    let embedder = RemoteEmbedder::new(config)?;
    let started = std::time::Instant::now();
    let vectors = embedder
        .embed(&["OmniCRM checks the embeddings endpoint".to_owned()])
        .await?;
    let dimensions = vectors.first().map_or(0, Vec::len);
    Ok(EmbedderProbe {
        model_id: embedder.model_id().to_owned(),
        dimensions: u32::try_from(dimensions).unwrap_or(u32::MAX),
        milliseconds: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
    })
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

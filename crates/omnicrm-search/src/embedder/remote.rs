//! An OpenAI-compatible embeddings endpoint (`POST {base_url}/embeddings`, bearer key): OpenAI,
//! OpenRouter, Ollama and LM Studio speak it. 429 and 5xx are retried with backoff (honouring
//! `Retry-After` up to a cap); what still fails is `rate_limited` or `network`, a refused key is
//! `auth_required`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use omnicrm_core::{Error, ErrorCode, Result};

use super::{normalize, EmbedFuture, Embedder};

/// How to reach the endpoint.
#[derive(Debug, Clone)]
pub struct RemoteEmbedderConfig {
    /// Up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub dimensions: usize,
    pub timeout: Duration,
    /// Attempts per request (at least 1).
    pub attempts: u32,
    /// The first retry waits this long, doubling after.
    pub retry_base: Duration,
}

impl RemoteEmbedderConfig {
    pub fn new(base_url: &str, model: &str, dimensions: usize) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key: None,
            dimensions,
            timeout: Duration::from_secs(30),
            attempts: 3,
            retry_base: Duration::from_millis(500),
        }
    }

    /// The id chunks embedded through this endpoint are stored under: a different model or
    /// endpoint is a different id, so changing either re-embeds everything.
    pub fn model_id(&self) -> String {
        format!("remote:{}@{}", self.model, self.base_url)
    }
}

const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The remote embedder.
#[derive(Debug, Clone)]
pub struct RemoteEmbedder {
    config: RemoteEmbedderConfig,
    model_id: String,
    client: reqwest::Client,
}

#[derive(Serialize)]
struct EmbeddingsRequest<'a> {
    model: &'a str,
    input: &'a [String],
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

impl RemoteEmbedder {
    pub fn new(config: RemoteEmbedderConfig) -> Result<Self> {
        if config.dimensions == 0 {
            return Err(Error::invalid_field("dimensions", "must be more than 0"));
        }
        reqwest::Url::parse(&config.base_url)
            .map_err(|error| Error::invalid_field("base_url", format!("is not a URL: {error}")))?;
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|error| {
                Error::internal(format!("could not build the HTTP client: {error}"))
            })?;
        Ok(Self {
            model_id: config.model_id(),
            config,
            client,
        })
    }

    async fn request(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let url = format!("{}/embeddings", self.config.base_url);
        let attempts = self.config.attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.client.post(&url).json(&EmbeddingsRequest {
                model: &self.config.model,
                input: texts,
            });
            if let Some(key) = &self.config.api_key {
                request = request.bearer_auth(key);
            }
            let outcome = match request.send().await {
                Ok(response) => self.read(response, texts.len()).await,
                Err(error) => Err(Retry::Yes(
                    Error::new(
                        ErrorCode::Network,
                        format!("the embeddings endpoint could not be reached: {error}"),
                    ),
                    None,
                )),
            };
            match outcome {
                Ok(vectors) => return Ok(vectors),
                Err(Retry::No(error)) => return Err(error),
                Err(Retry::Yes(error, _)) if attempt >= attempts => return Err(error),
                Err(Retry::Yes(error, retry_after)) => {
                    let backoff = self.config.retry_base * 2u32.saturating_pow(attempt - 1);
                    let wait = retry_after.unwrap_or(backoff).min(MAX_RETRY_AFTER);
                    tracing::warn!(attempt, ?wait, message = %error.message, "retrying embeddings");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn read(
        &self,
        response: reqwest::Response,
        expected: usize,
    ) -> std::result::Result<Vec<Vec<f32>>, Retry> {
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.text().await.unwrap_or_default();
            let detail: String = body.chars().take(200).collect();
            return Err(match status.as_u16() {
                401 | 403 => Retry::No(Error::new(
                    ErrorCode::AuthRequired,
                    format!("the embeddings endpoint refused the API key ({status})"),
                )),
                429 => Retry::Yes(
                    Error::new(
                        ErrorCode::RateLimited,
                        format!("the embeddings endpoint asked to slow down (429): {detail}"),
                    ),
                    retry_after,
                ),
                code if code >= 500 => Retry::Yes(
                    Error::new(
                        ErrorCode::Network,
                        format!("the embeddings endpoint failed ({status}): {detail}"),
                    ),
                    retry_after,
                ),
                _ => Retry::No(Error::new(
                    ErrorCode::Network,
                    format!("the embeddings endpoint rejected the request ({status}): {detail}"),
                )),
            });
        }
        let parsed: EmbeddingsResponse = response.json().await.map_err(|error| {
            Retry::No(Error::new(
                ErrorCode::Network,
                format!("the embeddings endpoint answered something unexpected: {error}"),
            ))
        })?;
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
        for (position, item) in parsed.data.into_iter().enumerate() {
            let index = item.index.unwrap_or(position);
            if item.embedding.len() != self.config.dimensions {
                return Err(Retry::No(Error::new(
                    ErrorCode::Network,
                    format!(
                        "the embeddings endpoint returned {} dimensions, expected {}",
                        item.embedding.len(),
                        self.config.dimensions
                    ),
                )));
            }
            if let Some(slot) = slots.get_mut(index) {
                let mut vector = item.embedding;
                normalize(&mut vector);
                *slot = Some(vector);
            }
        }
        slots
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                Retry::No(Error::new(
                    ErrorCode::Network,
                    "the embeddings endpoint returned fewer vectors than texts",
                ))
            })
    }
}

enum Retry {
    Yes(Error, Option<Duration>),
    No(Error),
}

impl Embedder for RemoteEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.config.dimensions
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> EmbedFuture<'a> {
        Box::pin(async move {
            if texts.is_empty() {
                return Ok(Vec::new());
            }
            self.request(texts).await
        })
    }
}

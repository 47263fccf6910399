//! One HTTP call to an OpenAI-compatible `POST {base_url}/chat/completions`, streamed or not.
//!
//! This module knows the wire and classifies failures; whether to retry, fall back or give up is
//! decided in `resilience.rs`.

use std::time::Duration;

use futures_util::StreamExt;
use omnicrm_secrets::{ExposeSecret, SecretString};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::sse::{Completion, CompletionBuilder, SseDecoder, SseEvent};
use crate::wire::{ChatRequest, ChatResponse, ErrorBody};

/// Why a call failed, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum CallFailure {
    /// 429, 5xx, a timeout or a connection error: worth retrying, then the next model.
    Transient {
        message: String,
        retry_after: Option<Duration>,
    },
    /// 401/403: the key is wrong; no other model will do better.
    Unauthorized { message: String },
    /// Another 4xx (unknown model, request too long): this model will not take it; the next
    /// model might. Not a sign the provider is down, so the breaker ignores it.
    Rejected { message: String },
    /// The reply could not be read.
    Malformed { message: String },
}

impl CallFailure {
    pub fn message(&self) -> &str {
        match self {
            Self::Transient { message, .. }
            | Self::Unauthorized { message }
            | Self::Rejected { message }
            | Self::Malformed { message } => message,
        }
    }
}

/// The provider's endpoint and key.
#[derive(Clone)]
pub struct ProviderClient {
    http: reqwest::Client,
    endpoint: String,
    api_key: Option<SecretString>,
}

impl std::fmt::Debug for ProviderClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ProviderClient")
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl ProviderClient {
    pub fn new(base_url: &str, api_key: Option<SecretString>) -> omnicrm_core::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("OmniCRM/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| {
                omnicrm_core::Error::internal(format!("could not build the HTTP client: {source}"))
            })?;
        Ok(Self {
            http,
            endpoint: format!("{}/chat/completions", base_url.trim().trim_end_matches('/')),
            api_key,
        })
    }

    /// Sends `request` and reads the whole reply within `timeout`. With `request.stream` set,
    /// each piece of text is passed to `on_text` as it arrives, and a reply that has not
    /// started within `first_token` is given up on (a hung model).
    pub async fn call(
        &self,
        request: &ChatRequest,
        timeout: Duration,
        first_token: Duration,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, CallFailure> {
        let started = std::sync::atomic::AtomicBool::new(false);
        let mut on_piece = |piece: &str| {
            started.store(true, std::sync::atomic::Ordering::Relaxed);
            on_text(piece);
        };
        let call = tokio::time::timeout(timeout, self.call_inner(request, &mut on_piece));
        tokio::pin!(call);
        let first_deadline = tokio::time::sleep(first_token.min(timeout));
        tokio::pin!(first_deadline);
        let mut waiting_for_first = request.stream;
        loop {
            tokio::select! {
                result = &mut call => {
                    return match result {
                        Ok(result) => result,
                        Err(_) => Err(CallFailure::Transient {
                            message: format!(
                                "the AI provider did not answer within {} s",
                                timeout.as_secs_f32()
                            ),
                            retry_after: None,
                        }),
                    };
                }
                () = &mut first_deadline, if waiting_for_first => {
                    waiting_for_first = false;
                    if !started.load(std::sync::atomic::Ordering::Relaxed) {
                        return Err(CallFailure::Transient {
                            message: format!(
                                "{} did not start answering within {} s",
                                request.model,
                                first_token.as_secs_f32()
                            ),
                            retry_after: None,
                        });
                    }
                }
            }
        }
    }

    async fn call_inner(
        &self,
        request: &ChatRequest,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<Completion, CallFailure> {
        let mut builder = self.http.post(&self.endpoint).json(request);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key.expose_secret());
        }
        let response = builder
            .send()
            .await
            .map_err(|source| CallFailure::Transient {
                message: format!("could not reach the AI provider: {}", without_url(&source)),
                retry_after: None,
            })?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            let body = response.text().await.unwrap_or_default();
            return Err(classify(status, &body, retry_after));
        }
        // Some local servers ignore `stream: true` and answer with one JSON body; read what
        // was sent rather than what was asked for.
        let is_event_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        if request.stream && is_event_stream {
            read_stream(response, &request.model, on_text).await
        } else {
            let body = response
                .bytes()
                .await
                .map_err(|source| CallFailure::Transient {
                    message: format!(
                        "the AI provider's reply broke off: {}",
                        without_url(&source)
                    ),
                    retry_after: None,
                })?;
            let reply: ChatResponse =
                serde_json::from_slice(&body).map_err(|source| CallFailure::Malformed {
                    message: format!("the AI provider's reply is not a chat completion: {source}"),
                })?;
            let Some(choice) = reply.choices.into_iter().next() else {
                return Err(CallFailure::Malformed {
                    message: "the AI provider's reply has no choices".to_owned(),
                });
            };
            let content = choice.message.content.unwrap_or_default();
            if !content.is_empty() {
                on_text(&content);
            }
            Ok(Completion {
                model: reply
                    .model
                    .filter(|model| !model.is_empty())
                    .unwrap_or_else(|| request.model.clone()),
                content,
                tool_calls: choice.message.tool_calls,
                usage: reply.usage,
                finish_reason: choice.finish_reason,
            })
        }
    }
}

async fn read_stream(
    response: reqwest::Response,
    model: &str,
    on_text: &mut (dyn FnMut(&str) + Send),
) -> Result<Completion, CallFailure> {
    let mut decoder = SseDecoder::default();
    let mut builder = CompletionBuilder::new(model);
    let mut bytes = response.bytes_stream();
    let mut done = false;
    let malformed = |error: omnicrm_core::Error| CallFailure::Malformed {
        message: error.message,
    };
    while let Some(piece) = bytes.next().await {
        let piece = piece.map_err(|source| CallFailure::Transient {
            message: format!(
                "the AI provider's stream broke off: {}",
                without_url(&source)
            ),
            retry_after: None,
        })?;
        for event in decoder.push(&piece) {
            match event {
                SseEvent::Done => done = true,
                SseEvent::Data(data) => {
                    if let Some(error) = stream_error(&data) {
                        return Err(error);
                    }
                    if let Some(text) = builder.apply(&data).map_err(malformed)? {
                        on_text(&text);
                    }
                }
            }
        }
    }
    match decoder.finish() {
        Some(SseEvent::Done) => done = true,
        Some(SseEvent::Data(data)) => {
            if let Some(text) = builder.apply(&data).map_err(malformed)? {
                on_text(&text);
            }
        }
        None => {}
    }
    let completion = builder.finish();
    if !done && completion.finish_reason.is_none() {
        return Err(CallFailure::Transient {
            message: "the AI provider's stream ended before the reply was complete".to_owned(),
            retry_after: None,
        });
    }
    Ok(completion)
}

/// OpenRouter reports errors that happen mid-stream as a chunk `{"error": {...}}`.
fn stream_error(data: &str) -> Option<CallFailure> {
    let body: ErrorBody = serde_json::from_str(data).ok()?;
    Some(CallFailure::Transient {
        message: format!("the AI provider failed mid-reply: {}", body.error.message),
        retry_after: None,
    })
}

fn classify(status: StatusCode, body: &str, retry_after: Option<Duration>) -> CallFailure {
    let detail = serde_json::from_str::<ErrorBody>(body)
        .map(|body| body.error.message)
        .unwrap_or_default();
    let message = if detail.is_empty() {
        format!("the AI provider answered {status}")
    } else {
        format!("the AI provider answered {status}: {detail}")
    };
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT => CallFailure::Transient {
            message,
            retry_after,
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::PAYMENT_REQUIRED => {
            CallFailure::Unauthorized { message }
        }
        status if status.is_server_error() => CallFailure::Transient {
            message,
            retry_after,
        },
        _ => CallFailure::Rejected { message },
    }
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// reqwest's errors name the URL; keep messages short and free of query strings.
fn without_url(source: &reqwest::Error) -> String {
    let kind = if source.is_timeout() {
        "timed out"
    } else if source.is_connect() {
        "connection failed"
    } else if source.is_body() || source.is_decode() {
        "the body could not be read"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut cause = std::error::Error::source(source);
    while let Some(inner) = cause {
        text = format!("{text}: {inner}");
        cause = inner.source();
    }
    text
}

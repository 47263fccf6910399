//! The provider settings: where to send requests, which models, the guardrail limits and the
//! resilience knobs. The non-secret part is one JSON row in `ai_settings`; the API key is in the
//! OS keyring (or the encrypted-file fallback) under [`API_KEY_ACCOUNT`], never in the database
//! or the logs.

use std::time::Duration;

use omnicrm_core::time::now_utc;
use omnicrm_core::{Error, FieldError, Result};
use omnicrm_secrets::{KeyedSettings, KeyedSettingsStore, SecretBackend};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

/// OpenRouter: one key, many models, and it reports each call's cost.
pub const DEFAULT_BASE_URL: &str = "https://openrouter.ai/api/v1";
pub const DEFAULT_MODEL: &str = "openai/gpt-4o-mini";
/// The secret-store account of the provider's API key.
pub const API_KEY_ACCOUNT: &str = "ai.provider.api_key";

/// The guardrail limits. A limit of zero turns that kind of request off entirely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AiLimits {
    /// 0 turns AI requests off.
    pub requests_per_minute: u32,
    /// US dollars per UTC day; 0 turns AI requests off.
    pub daily_cost_cap_usd: f64,
    /// US dollars per UTC calendar month; 0 turns AI requests off.
    pub monthly_credits_usd: f64,
    /// The least a call holds against the cost limits while it is under way. Each call holds
    /// its worst case (its prompt and longest reply at the model's price, see
    /// `omnicrm_ai::pricing`) when that is more, so no cap can be passed.
    pub reserve_per_request_usd: f64,
}

impl Default for AiLimits {
    fn default() -> Self {
        Self {
            requests_per_minute: 20,
            daily_cost_cap_usd: 1.0,
            monthly_credits_usd: 10.0,
            reserve_per_request_usd: 0.01,
        }
    }
}

/// A model's price set by the user: for a model the built-in table does not know, or to
/// correct it. Used to hold a call's worst case before it goes out, and for its cost when the
/// provider does not report it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelPrice {
    pub model: String,
    pub prompt_usd_per_million: f64,
    pub completion_usd_per_million: f64,
}

/// Timeouts, retries and the circuit breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ResilienceSettings {
    /// How long one HTTP call may take, the whole stream included.
    pub request_timeout_ms: u32,
    /// How long a streamed answer may take to start: a model that sends nothing by then is
    /// given up on (retried, then the next model), instead of stalling the question for the
    /// whole request timeout.
    pub first_token_timeout_ms: u32,
    /// Attempts per model for 429 and 5xx (1 = no retry).
    pub max_attempts: u32,
    /// The first backoff; doubled each retry, plus jitter. `Retry-After` wins when given.
    pub backoff_base_ms: u32,
    /// No wait is longer, `Retry-After` included.
    pub backoff_max_ms: u32,
    /// Failed calls in a row (after retries) that open a model's circuit.
    pub breaker_failure_threshold: u32,
    /// How long an open circuit refuses calls before one probe is let through.
    pub breaker_cooldown_ms: u32,
}

impl Default for ResilienceSettings {
    fn default() -> Self {
        Self {
            request_timeout_ms: 60_000,
            first_token_timeout_ms: 15_000,
            max_attempts: 3,
            backoff_base_ms: 500,
            backoff_max_ms: 20_000,
            breaker_failure_threshold: 3,
            breaker_cooldown_ms: 60_000,
        }
    }
}

impl ResilienceSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.request_timeout_ms))
    }

    pub fn first_token_timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.first_token_timeout_ms))
    }
}

/// Whether the provider counts as on this machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProviderLocation {
    /// Local when the base URL's host is `localhost` or a loopback address.
    #[default]
    Auto,
    /// The user vouches the server is theirs (say Ollama on another computer at home).
    Local,
    /// Treated as a cloud provider even on a loopback address (a proxy that forwards).
    Cloud,
}

/// Everything about the provider but the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AiSettings {
    /// The OpenAI-compatible API root, e.g. `https://openrouter.ai/api/v1` or
    /// `http://localhost:11434/v1` (Ollama).
    pub base_url: String,
    pub location: ProviderLocation,
    pub model: String,
    /// Tried in order when the model fails or its circuit is open.
    pub fallback_models: Vec<String>,
    /// Off switch for the whole assistant.
    pub enabled: bool,
    /// Redact personal data before text goes to a cloud provider. Local providers never need it.
    pub redact_cloud: bool,
    pub limits: AiLimits,
    pub prices: Vec<ModelPrice>,
    pub resilience: ResilienceSettings,
    /// Where the API key was stored, so it is read from there even if a keyring appears later.
    pub api_key_backend: Option<SecretBackend>,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            location: ProviderLocation::Auto,
            model: DEFAULT_MODEL.to_owned(),
            fallback_models: Vec::new(),
            enabled: true,
            redact_cloud: true,
            limits: AiLimits::default(),
            prices: Vec::new(),
            resilience: ResilienceSettings::default(),
            api_key_backend: None,
        }
    }
}

impl AiSettings {
    /// The model, then the fallbacks, without repeats or blanks.
    pub fn models(&self) -> Vec<String> {
        let mut models: Vec<String> = Vec::new();
        for model in std::iter::once(&self.model).chain(&self.fallback_models) {
            let model = model.trim();
            if !model.is_empty() && !models.iter().any(|known| known == model) {
                models.push(model.to_owned());
            }
        }
        models
    }

    /// True when the base URL points at this machine (or the user said it is local) (Ollama, LM Studio): nothing leaves it, so
    /// nothing needs redacting and no API key is needed.
    pub fn is_local(&self) -> bool {
        match self.location {
            ProviderLocation::Local => true,
            ProviderLocation::Cloud => false,
            ProviderLocation::Auto => self.is_on_this_machine(),
        }
    }

    /// True when the base URL's host is this machine (`localhost`, a loopback address).
    fn is_on_this_machine(&self) -> bool {
        let Ok(url) = reqwest::Url::parse(self.base_url.trim()) else {
            return false;
        };
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|address| address.is_loopback())
    }

    /// Whether text sent to the provider is redacted.
    pub fn redacts(&self) -> bool {
        self.redact_cloud && !self.is_local()
    }

    /// The price the user set for `model` (see `omnicrm_ai::pricing::price_of` for the price
    /// a call is charged at).
    pub fn price_of(&self, model: &str) -> Option<&ModelPrice> {
        self.prices.iter().find(|price| price.model == model)
    }

    pub fn validate(&self) -> Result<()> {
        let mut fields = Vec::new();
        match reqwest::Url::parse(self.base_url.trim()) {
            // The API key travels with every request: over plain http, anyone on the way reads
            // it (and the client data). Only a server on this machine, or one the user marked
            // as on their own network, may be reached without TLS.
            Ok(url)
                if url.scheme() == "http"
                    && !self.is_on_this_machine()
                    && self.location != ProviderLocation::Local =>
            {
                fields.push(FieldError::new(
                "base_url",
                "must start with https:// for a provider on the internet (over http the API key \
                 and your clients' data could be read on the way); if the server is on your own \
                 network, mark it as local",
                ))
            }
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => fields.push(FieldError::new(
                "base_url",
                "must be an http or https URL, e.g. https://openrouter.ai/api/v1",
            )),
        }
        if self.model.trim().is_empty() {
            fields.push(FieldError::new("model", "is required"));
        }
        for (index, model) in self.fallback_models.iter().enumerate() {
            if model.trim().is_empty() {
                fields.push(FieldError::new(
                    format!("fallback_models[{index}]"),
                    "is empty",
                ));
            }
        }
        let amounts = [
            ("limits.daily_cost_cap_usd", self.limits.daily_cost_cap_usd),
            (
                "limits.monthly_credits_usd",
                self.limits.monthly_credits_usd,
            ),
            (
                "limits.reserve_per_request_usd",
                self.limits.reserve_per_request_usd,
            ),
        ];
        for (field, amount) in amounts {
            if !amount.is_finite() || amount < 0.0 {
                fields.push(FieldError::new(field, "must be zero or more US dollars"));
            }
        }
        for (index, price) in self.prices.iter().enumerate() {
            let valid = [
                price.prompt_usd_per_million,
                price.completion_usd_per_million,
            ]
            .iter()
            .all(|amount| amount.is_finite() && *amount >= 0.0);
            if !valid || price.model.trim().is_empty() {
                fields.push(FieldError::new(
                    format!("prices[{index}]"),
                    "needs a model and prices of zero or more",
                ));
            }
        }
        if self.resilience.max_attempts == 0 {
            fields.push(FieldError::new(
                "resilience.max_attempts",
                "must be at least 1",
            ));
        }
        if self.resilience.first_token_timeout_ms == 0 {
            fields.push(FieldError::new(
                "resilience.first_token_timeout_ms",
                "must be more than zero",
            ));
        }
        if self.resilience.request_timeout_ms == 0 {
            fields.push(FieldError::new(
                "resilience.request_timeout_ms",
                "must be more than zero",
            ));
        }
        if self.resilience.breaker_failure_threshold == 0 {
            fields.push(FieldError::new(
                "resilience.breaker_failure_threshold",
                "must be at least 1",
            ));
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(fields))
        }
    }
}

/// Reads and writes the settings row and the API key.
pub type SettingsStore = KeyedSettingsStore<AiSettings>;

impl KeyedSettings for AiSettings {
    const KEY_ACCOUNT: &'static str = API_KEY_ACCOUNT;

    fn read_json(connection: &rusqlite::Connection) -> Result<Option<String>> {
        Ok(connection
            .query_row(
                "SELECT settings_json FROM ai_settings WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn write_json(connection: &rusqlite::Connection, json: &str) -> Result<()> {
        connection.execute(
            "INSERT INTO ai_settings (id, settings_json, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET settings_json = excluded.settings_json,
                 updated_at = excluded.updated_at",
            rusqlite::params![json, now_utc()],
        )?;
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        AiSettings::validate(self)
    }

    fn api_key_backend(&self) -> Option<SecretBackend> {
        self.api_key_backend
    }

    fn set_api_key_backend(&mut self, backend: Option<SecretBackend>) {
        self.api_key_backend = backend;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(base_url: &str, location: ProviderLocation) -> AiSettings {
        AiSettings {
            base_url: base_url.to_owned(),
            location,
            ..AiSettings::default()
        }
    }

    fn refuses_base_url(settings: &AiSettings) -> bool {
        settings.validate().is_err_and(|error| {
            error
                .field_errors()
                .iter()
                .any(|field| field.field == "base_url" && field.message.contains("https://"))
        })
    }

    /// Issue 19: a plain `http://` cloud URL was accepted, so the API key travelled in clear.
    #[test]
    fn a_plain_http_url_is_refused_unless_the_server_is_on_this_machine_or_marked_local() {
        assert!(refuses_base_url(&with(
            "http://openrouter.ai/api/v1",
            ProviderLocation::Auto
        )));
        assert!(refuses_base_url(&with(
            "http://192.168.1.50:11434/v1",
            ProviderLocation::Auto
        )));
        assert!(with("https://openrouter.ai/api/v1", ProviderLocation::Auto)
            .validate()
            .is_ok());
        assert!(with("http://localhost:11434/v1", ProviderLocation::Auto)
            .validate()
            .is_ok());
        // A proxy on this machine that forwards to a cloud provider.
        assert!(with("http://127.0.0.1:8080/v1", ProviderLocation::Cloud)
            .validate()
            .is_ok());
        // Ollama on another computer at home, marked as on the user's own network.
        let home = with("http://192.168.1.50:11434/v1", ProviderLocation::Local);
        assert!(home.validate().is_ok());
        assert!(home.is_local());
    }
}

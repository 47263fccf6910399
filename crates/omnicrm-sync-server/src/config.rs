//! Configuration: an optional TOML file, then environment variables, validated at start.
//!
//! Every limit has a default that suits a small team on one machine; validation names the
//! setting and where it came from, so a typo fails the start instead of a later request.

use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `postgres://…` of the primary (env `DATABASE_URL`).
    pub database_url: String,
    /// Optional read replica for read-only queries (env `DATABASE_REPLICA_URL`).
    pub replica_url: Option<String>,
    /// Largest WebSocket message accepted.
    pub max_message_bytes: usize,
    /// Largest stored size of one document.
    pub max_document_bytes: usize,
    /// Messages plus connection attempts per token per window, across all instances.
    pub rate_limit_per_token: i64,
    /// Messages plus connection attempts per client IP per window, across all instances.
    pub rate_limit_per_ip: i64,
    pub rate_limit_window_seconds: u64,
    /// A document not touched for this long is dropped from memory.
    pub idle_eviction_seconds: u64,
    /// Incremental chunks of a document before they are compacted into one snapshot.
    pub compact_after_chunks: i64,
    /// How often a live connection re-checks that its token is still valid (revocation also
    /// arrives at once through NOTIFY; this is the safety net).
    pub token_recheck_seconds: u64,
    pub database_pool_size: usize,
    /// How long shutdown waits for connections to close.
    pub shutdown_grace_seconds: u64,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            replica_url: None,
            max_message_bytes: 4 * 1024 * 1024,
            max_document_bytes: 16 * 1024 * 1024,
            // A device's first sync of a workspace sends and receives a few messages per
            // record: a 30,000-record workspace must fit in one window.
            rate_limit_per_token: 200_000,
            rate_limit_per_ip: 400_000,
            rate_limit_window_seconds: 60,
            idle_eviction_seconds: 300,
            compact_after_chunks: 64,
            token_recheck_seconds: 30,
            database_pool_size: 16,
            shutdown_grace_seconds: 10,
            trust_forwarded_for: false,
        }
    }
}

/// A configuration problem, naming the setting.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {setting}: {problem}")]
pub struct ConfigError {
    pub setting: String,
    pub problem: String,
}

fn problem(setting: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_owned(),
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the TOML file (if any), applies environment variables, and validates.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|error| problem(&path.display().to_string(), error.to_string()))?;
                toml::from_str(&text)
                    .map_err(|error| problem(&path.display().to_string(), error.to_string()))?
            }
            None => Self::default(),
        };
        config.apply_environment(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    /// Applies `DATABASE_URL`, `DATABASE_REPLICA_URL` and `OMNICRM_SYNC_<SETTING>` variables.
    pub fn apply_environment(
        &mut self,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        if let Some(url) = get("DATABASE_URL") {
            self.database_url = url;
        }
        if let Some(url) = get("DATABASE_REPLICA_URL") {
            self.replica_url = Some(url).filter(|url| !url.is_empty());
        }
        fn number<T: std::str::FromStr>(
            get: &impl Fn(&str) -> Option<String>,
            name: &str,
            slot: &mut T,
        ) -> Result<(), ConfigError> {
            if let Some(text) = get(name) {
                *slot = text
                    .parse()
                    .map_err(|_| problem(name, format!("`{text}` is not a number")))?;
            }
            Ok(())
        }
        number(
            &get,
            "OMNICRM_SYNC_MAX_MESSAGE_BYTES",
            &mut self.max_message_bytes,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_MAX_DOCUMENT_BYTES",
            &mut self.max_document_bytes,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_RATE_LIMIT_PER_TOKEN",
            &mut self.rate_limit_per_token,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_RATE_LIMIT_PER_IP",
            &mut self.rate_limit_per_ip,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_RATE_LIMIT_WINDOW_SECONDS",
            &mut self.rate_limit_window_seconds,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_IDLE_EVICTION_SECONDS",
            &mut self.idle_eviction_seconds,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_COMPACT_AFTER_CHUNKS",
            &mut self.compact_after_chunks,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_TOKEN_RECHECK_SECONDS",
            &mut self.token_recheck_seconds,
        )?;
        number(
            &get,
            "OMNICRM_SYNC_DATABASE_POOL_SIZE",
            &mut self.database_pool_size,
        )?;
        if let Some(text) = get("OMNICRM_SYNC_TRUST_FORWARDED_FOR") {
            self.trust_forwarded_for = matches!(text.as_str(), "1" | "true" | "yes");
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let is_postgres =
            |url: &str| url.starts_with("postgres://") || url.starts_with("postgresql://");
        if self.database_url.is_empty() {
            return Err(problem(
                "DATABASE_URL",
                "not set (expected postgres://user@host:port/database)",
            ));
        }
        if !is_postgres(&self.database_url) {
            return Err(problem(
                "DATABASE_URL",
                "must start with postgres:// or postgresql://",
            ));
        }
        if let Some(url) = &self.replica_url {
            if !is_postgres(url) {
                return Err(problem(
                    "DATABASE_REPLICA_URL",
                    "must start with postgres:// or postgresql://",
                ));
            }
        }
        let positive = [
            ("max_message_bytes", self.max_message_bytes as i64),
            ("max_document_bytes", self.max_document_bytes as i64),
            ("rate_limit_per_token", self.rate_limit_per_token),
            ("rate_limit_per_ip", self.rate_limit_per_ip),
            (
                "rate_limit_window_seconds",
                self.rate_limit_window_seconds as i64,
            ),
            ("idle_eviction_seconds", self.idle_eviction_seconds as i64),
            ("compact_after_chunks", self.compact_after_chunks),
            ("token_recheck_seconds", self.token_recheck_seconds as i64),
            ("database_pool_size", self.database_pool_size as i64),
        ];
        for (name, value) in positive {
            if value <= 0 {
                return Err(problem(name, "must be greater than zero"));
            }
        }
        if self.max_message_bytes > self.max_document_bytes {
            return Err(problem(
                "max_message_bytes",
                "must not exceed max_document_bytes",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_and_validation_name_the_setting() {
        let mut config = Config::default();
        config
            .apply_environment(|name| match name {
                "DATABASE_URL" => Some("postgres://localhost/x".into()),
                "OMNICRM_SYNC_MAX_MESSAGE_BYTES" => Some("1000".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.max_message_bytes, 1000);
        config.validate().unwrap();

        let error = config
            .apply_environment(|name| {
                (name == "OMNICRM_SYNC_RATE_LIMIT_PER_IP").then(|| "many".into())
            })
            .unwrap_err();
        assert_eq!(error.setting, "OMNICRM_SYNC_RATE_LIMIT_PER_IP");

        let error = Config::default().validate().unwrap_err();
        assert_eq!(error.setting, "DATABASE_URL");
        let config = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(config
            .validate()
            .unwrap_err()
            .problem
            .contains("postgres://"));
    }

    #[test]
    fn toml_rejects_unknown_settings() {
        let error = toml::from_str::<Config>("max_mesage_bytes = 3").unwrap_err();
        assert!(error.to_string().contains("max_mesage_bytes"));
    }
}

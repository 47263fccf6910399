//! GET requests to Google with the account's bearer token, retried when Google asks us to slow
//! down (429, or 403 `rateLimitExceeded`) or fails on its side (5xx, dropped connections):
//! `Retry-After` is honoured when given, otherwise exponential backoff with jitter.

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::{Error, ErrorCode, Result};
use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::AccessTokenSource;

/// How hard to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first wait without `Retry-After`; doubled each time.
    pub base_delay: Duration,
    /// No wait is longer, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, failed_attempts: u32) -> Duration {
        let exponent = failed_attempts.saturating_sub(1).min(16);
        let delay = self.base_delay.saturating_mul(1 << exponent);
        let jitter = rand::rng().random_range(0.0..=0.25);
        delay.mul_f64(1.0 + jitter).min(self.max_delay)
    }
}

/// A successful answer, or one of the answers the sync handles itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Body(String),
    /// 404: the item is gone, or (history.list) the cursor is too old.
    NotFound,
    /// 410: (events.list) the sync token expired; a full sync is needed.
    Gone,
}

/// An HTTP client for one account.
#[derive(Clone)]
pub struct GoogleHttp {
    client: reqwest::Client,
    tokens: Arc<dyn AccessTokenSource>,
    retry: RetryPolicy,
}

impl GoogleHttp {
    pub fn new(tokens: Arc<dyn AccessTokenSource>, retry: RetryPolicy) -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("OmniCRM/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                Error::internal(format!("could not build the HTTP client: {error}"))
            })?;
        Ok(Self {
            client,
            tokens,
            retry,
        })
    }

    /// GETs `url` with `query`, retrying as the policy says.
    pub async fn get(&self, url: &str, query: &[(&str, String)]) -> Result<Fetched> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.tokens.access_token().await?;
            let sent = self
                .client
                .get(url)
                .query(query)
                .bearer_auth(token)
                .send()
                .await;
            let retry_in = match sent {
                Err(error) => {
                    if attempt >= self.retry.max_attempts {
                        return Err(Error::new(
                            ErrorCode::Network,
                            format!("could not reach Google: {}", without_url(&error)),
                        ));
                    }
                    self.retry.backoff(attempt)
                }
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = response.text().await.map_err(|error| {
                        Error::new(
                            ErrorCode::Network,
                            format!("Google's answer broke off: {}", without_url(&error)),
                        )
                    })?;
                    match classify(status, &body) {
                        Verdict::Done(fetched) => return Ok(fetched),
                        Verdict::Fail(error) => return Err(error),
                        Verdict::Retry(error) => {
                            if attempt >= self.retry.max_attempts {
                                return Err(error);
                            }
                            retry_after(&headers)
                                .map(|delay| delay.min(self.retry.max_delay))
                                .unwrap_or_else(|| self.retry.backoff(attempt))
                        }
                    }
                }
            };
            tracing::debug!(
                attempt,
                wait_ms = retry_in.as_millis() as u64,
                "retrying a Google request"
            );
            tokio::time::sleep(retry_in).await;
        }
    }
}

enum Verdict {
    Done(Fetched),
    Retry(Error),
    Fail(Error),
}

fn classify(status: StatusCode, body: &str) -> Verdict {
    let message = google_message(body);
    match status {
        status if status.is_success() => Verdict::Done(Fetched::Body(body.to_owned())),
        StatusCode::NOT_FOUND => Verdict::Done(Fetched::NotFound),
        StatusCode::GONE => Verdict::Done(Fetched::Gone),
        StatusCode::UNAUTHORIZED => Verdict::Fail(Error::new(
            ErrorCode::AuthRequired,
            "Google refused the account's access; sign in to Google again",
        )),
        StatusCode::TOO_MANY_REQUESTS => Verdict::Retry(Error::new(
            ErrorCode::RateLimited,
            format!("Google asked to slow down ({message}); the sync will try again later"),
        )),
        StatusCode::FORBIDDEN if is_rate_limit(body) => Verdict::Retry(Error::new(
            ErrorCode::RateLimited,
            format!("Google's quota is used up for now ({message})"),
        )),
        status if status.is_server_error() => Verdict::Retry(Error::new(
            ErrorCode::Network,
            format!("Google failed ({status}: {message})"),
        )),
        status => Verdict::Fail(Error::new(
            ErrorCode::Network,
            format!("Google refused the request ({status}: {message})"),
        )),
    }
}

/// `error.message` of Google's JSON error body, or a short prefix of whatever came.
fn google_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.chars().take(200).collect())
}

fn is_rate_limit(body: &str) -> bool {
    [
        "rateLimitExceeded",
        "userRateLimitExceeded",
        "quotaExceeded",
    ]
    .iter()
    .any(|reason| body.contains(reason))
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

/// reqwest's message without the URL, which carries the search query.
fn without_url(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    if let Some(url) = error.url() {
        message = message.replace(url.as_str(), "<url>");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn a_403_is_retried_only_for_rate_limits() {
        let limited = r#"{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"reason":"userRateLimitExceeded"}]}}"#;
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, limited),
            Verdict::Retry(_)
        ));
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, r#"{"error":{"message":"no"}}"#),
            Verdict::Fail(_)
        ));
    }

    #[test]
    fn backoff_doubles_and_stays_under_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        assert!(policy.backoff(1) >= Duration::from_millis(100));
        assert!(policy.backoff(2) >= Duration::from_millis(200));
        assert_eq!(policy.backoff(9), Duration::from_millis(350));
    }
}

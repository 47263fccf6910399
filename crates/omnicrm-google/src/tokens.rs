//! An account's OAuth tokens as they are kept in the secret store: never in SQLite, never in a
//! log line. `Debug` shows whether a token is there, never the token.

use chrono::{DateTime, Duration, Utc};
use oauth2::{AccessToken, RefreshToken};
use omnicrm_core::{Error, Result};
use omnicrm_secrets::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// How long before expiry an access token is refreshed, so a request never starts with a token
/// about to lapse mid-flight.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

/// The layout of the stored JSON, for reading secrets written by earlier builds.
const FORMAT_VERSION: u32 = 1;

/// The tokens of one account.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    #[serde(default = "format_version")]
    version: u32,
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    /// When the access token lapses; `None` when the server did not say.
    expires_at: Option<DateTime<Utc>>,
    /// The scopes granted, as the token endpoint reported them.
    scopes: Vec<String>,
}

fn format_version() -> u32 {
    FORMAT_VERSION
}

impl TokenSet {
    pub fn new(
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
        expires_at: Option<DateTime<Utc>>,
        scopes: Vec<String>,
    ) -> Self {
        Self {
            version: FORMAT_VERSION,
            access_token,
            refresh_token,
            expires_at,
            scopes,
        }
    }

    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the access token should be refreshed before use at `now`: it lapses within
    /// [`REFRESH_MARGIN`]. A token without a known expiry is used until the server refuses it.
    pub fn needs_refresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_some_and(|expires_at| expires_at - now < REFRESH_MARGIN)
    }

    /// The tokens after a refresh: Google usually sends no new refresh token, and then the old one
    /// stays; an empty scope list keeps the earlier scopes.
    pub fn refreshed(&self, fresh: TokenSet) -> TokenSet {
        TokenSet {
            version: FORMAT_VERSION,
            access_token: fresh.access_token,
            refresh_token: fresh.refresh_token.or_else(|| self.refresh_token.clone()),
            expires_at: fresh.expires_at,
            scopes: if fresh.scopes.is_empty() {
                self.scopes.clone()
            } else {
                fresh.scopes
            },
        }
    }

    /// The tokens as the secret to store.
    pub fn to_secret(&self) -> Result<SecretString> {
        let text = serde_json::to_string(self)
            .map_err(|error| Error::internal(format!("could not encode tokens: {error}")))?;
        Ok(SecretString::from(text))
    }

    /// Reads a stored secret; a secret that is not a token set is reported without its text.
    pub fn from_secret(secret: &SecretString) -> Result<Self> {
        let tokens: TokenSet = serde_json::from_str(secret.expose_secret()).map_err(|error| {
            Error::internal(format!(
                "the stored Google tokens are not readable (line {}, column {})",
                error.line(),
                error.column()
            ))
        })?;
        if tokens.version > FORMAT_VERSION {
            return Err(Error::internal(format!(
                "the stored Google tokens were written by a newer OmniCRM (format {})",
                tokens.version
            )));
        }
        Ok(tokens)
    }
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(expires_in_minutes: Option<i64>) -> TokenSet {
        TokenSet::new(
            AccessToken::new("ya29.access-secret".into()),
            Some(RefreshToken::new("1//refresh-secret".into())),
            expires_in_minutes.map(|minutes| Utc::now() + Duration::minutes(minutes)),
            vec!["openid".into()],
        )
    }

    #[test]
    fn debug_never_shows_a_token() {
        let printed = format!("{:?}", tokens(Some(60)));
        assert!(!printed.contains("access-secret"), "{printed}");
        assert!(!printed.contains("refresh-secret"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
        assert!(printed.contains("openid"), "{printed}");
    }

    #[test]
    fn a_token_is_refreshed_five_minutes_before_it_lapses() {
        let now = Utc::now();
        assert!(!tokens(Some(60)).needs_refresh(now));
        assert!(!tokens(Some(6)).needs_refresh(now));
        assert!(tokens(Some(4)).needs_refresh(now));
        assert!(tokens(Some(-1)).needs_refresh(now));
        assert!(!tokens(None).needs_refresh(now));
    }

    #[test]
    fn a_refresh_without_a_new_refresh_token_keeps_the_old_one() {
        let old = tokens(Some(1));
        let fresh = TokenSet::new(
            AccessToken::new("new-access".into()),
            None,
            Some(Utc::now() + Duration::minutes(60)),
            Vec::new(),
        );
        let merged = old.refreshed(fresh);
        assert_eq!(merged.access_token().secret(), "new-access");
        assert_eq!(
            merged.refresh_token().map(|token| token.secret().as_str()),
            Some("1//refresh-secret")
        );
        assert_eq!(merged.scopes(), ["openid"]);
    }

    #[test]
    fn tokens_round_trip_through_a_secret() {
        let original = tokens(Some(30));
        let back = TokenSet::from_secret(&original.to_secret().unwrap()).unwrap();
        assert_eq!(back.access_token().secret(), "ya29.access-secret");
        assert_eq!(back.expires_at(), original.expires_at());

        let error =
            TokenSet::from_secret(&SecretString::from("ya29.not-json".to_owned())).unwrap_err();
        assert!(!error.message.contains("ya29"), "{}", error.message);
    }
}

//! Where the Google endpoints are. Production uses Google's; tests point every one of them at
//! servers on loopback.

use serde::{Deserialize, Serialize};

/// Every URL the integration talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleEndpoints {
    /// The OAuth 2 authorization endpoint the browser is sent to.
    pub authorize_url: String,
    /// The OAuth 2 token endpoint (code exchange and refresh).
    pub token_url: String,
    /// The OpenID userinfo endpoint (the signed-in email).
    pub userinfo_url: String,
    /// The OAuth 2 revocation endpoint (disconnect).
    pub revoke_url: String,
    /// The Gmail API root, up to and including `/gmail/v1`.
    pub gmail_api_base: String,
    /// The Calendar API root, up to and including `/calendar/v3`.
    pub calendar_api_base: String,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        Self {
            authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            token_url: "https://oauth2.googleapis.com/token".into(),
            userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo".into(),
            revoke_url: "https://oauth2.googleapis.com/revoke".into(),
            gmail_api_base: "https://gmail.googleapis.com/gmail/v1".into(),
            calendar_api_base: "https://www.googleapis.com/calendar/v3".into(),
        }
    }
}

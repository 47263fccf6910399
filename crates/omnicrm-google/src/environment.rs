//! Configuration from environment variables, for the CLI and for pointing the app at test
//! servers. Every variable is optional except the client id, which connecting needs.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `OMNICRM_GOOGLE_CLIENT_ID` | client id of a Google OAuth "Desktop app" client | none |
//! | `OMNICRM_GOOGLE_CLIENT_SECRET` | its client secret (not secret in an installed app) | none |
//! | `OMNICRM_GOOGLE_AUTHORIZE_URL` | authorization endpoint | Google's |
//! | `OMNICRM_GOOGLE_TOKEN_URL` | token endpoint | Google's |
//! | `OMNICRM_GOOGLE_USERINFO_URL` | OpenID userinfo endpoint | Google's |
//! | `OMNICRM_GOOGLE_REVOKE_URL` | revocation endpoint | Google's |
//! | `OMNICRM_GOOGLE_GMAIL_API_BASE` | Gmail API root, up to `/gmail/v1` | Google's |
//! | `OMNICRM_GOOGLE_CALENDAR_API_BASE` | Calendar API root, up to `/calendar/v3` | Google's |
//!
//! Where tokens are kept is chosen by `OMNICRM_SECRET_STORAGE` (see `omnicrm-secrets`).

use std::sync::Arc;

use omnicrm_core::{Core, Result};
use omnicrm_secrets::SecretString;

use crate::accounts::GoogleAccounts;
use crate::endpoints::GoogleEndpoints;
use crate::oauth::{GoogleOAuth, OAuthClientConfig};
use crate::sync::GoogleSync;

pub const CLIENT_ID_ENV: &str = "OMNICRM_GOOGLE_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "OMNICRM_GOOGLE_CLIENT_SECRET";
pub const AUTHORIZE_URL_ENV: &str = "OMNICRM_GOOGLE_AUTHORIZE_URL";
pub const TOKEN_URL_ENV: &str = "OMNICRM_GOOGLE_TOKEN_URL";
pub const USERINFO_URL_ENV: &str = "OMNICRM_GOOGLE_USERINFO_URL";
pub const REVOKE_URL_ENV: &str = "OMNICRM_GOOGLE_REVOKE_URL";
pub const GMAIL_API_BASE_ENV: &str = "OMNICRM_GOOGLE_GMAIL_API_BASE";
pub const CALENDAR_API_BASE_ENV: &str = "OMNICRM_GOOGLE_CALENDAR_API_BASE";

/// Google's endpoints, each overridden by its variable when set.
pub fn endpoints_from_env() -> GoogleEndpoints {
    let defaults = GoogleEndpoints::default();
    GoogleEndpoints {
        authorize_url: variable(AUTHORIZE_URL_ENV).unwrap_or(defaults.authorize_url),
        token_url: variable(TOKEN_URL_ENV).unwrap_or(defaults.token_url),
        userinfo_url: variable(USERINFO_URL_ENV).unwrap_or(defaults.userinfo_url),
        revoke_url: variable(REVOKE_URL_ENV).unwrap_or(defaults.revoke_url),
        gmail_api_base: variable(GMAIL_API_BASE_ENV).unwrap_or(defaults.gmail_api_base),
        calendar_api_base: variable(CALENDAR_API_BASE_ENV).unwrap_or(defaults.calendar_api_base),
    }
}

/// The OAuth client and endpoints from the environment.
pub fn oauth_config_from_env() -> OAuthClientConfig {
    OAuthClientConfig {
        client_id: variable(CLIENT_ID_ENV),
        client_secret: variable(CLIENT_SECRET_ENV).map(SecretString::from),
        endpoints: endpoints_from_env(),
    }
}

/// The signed-in accounts of `core`'s data directory, with the OAuth client from the
/// environment.
pub fn accounts_from_env(core: &Core) -> Result<GoogleAccounts> {
    let oauth = GoogleOAuth::new(oauth_config_from_env())?;
    Ok(GoogleAccounts::new(
        oauth,
        core.integrations.clone(),
        &core.data_dir,
    ))
}

/// The sync of `core`'s signed-in accounts, each with its stored (and refreshed) tokens.
pub fn sync_from_env(core: &Core) -> Result<GoogleSync> {
    let accounts = accounts_from_env(core)?;
    Ok(GoogleSync::new(
        core.clone(),
        endpoints_from_env(),
        Arc::new(accounts),
    ))
}

/// A set, non-empty variable, trimmed.
fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

//! Google sign-in for an installed app: OAuth 2 authorization code with PKCE (S256) and a
//! loopback redirect (RFC 8252), offline access so a refresh token is issued, read-only scopes.
//! Built on the `oauth2` crate; every endpoint comes from [`GoogleEndpoints`] so tests run the
//! whole flow against a real OAuth 2 server on loopback.

pub mod loopback;

use std::time::Duration;

use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType};
use oauth2::url::Url;
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, TokenResponse, TokenUrl,
};
use omnicrm_core::{Error, ErrorCode, Result};
use omnicrm_secrets::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::endpoints::GoogleEndpoints;
use crate::tokens::TokenSet;
use loopback::{page, LoopbackListener, Redirect};

/// Read the user's mail, never change it.
pub const GMAIL_READONLY_SCOPE: &str = "https://www.googleapis.com/auth/gmail.readonly";
/// Read the user's calendars, never change them.
pub const CALENDAR_READONLY_SCOPE: &str = "https://www.googleapis.com/auth/calendar.readonly";
/// Every scope the sign-in asks for: the two read-only APIs and the signed-in address.
pub const SCOPES: [&str; 4] = [
    GMAIL_READONLY_SCOPE,
    CALENDAR_READONLY_SCOPE,
    "openid",
    "email",
];
/// The scopes sync cannot work without; the user may untick them on the consent screen.
pub const REQUIRED_API_SCOPES: [&str; 2] = [GMAIL_READONLY_SCOPE, CALENDAR_READONLY_SCOPE];

/// How long the browser has to come back by default.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The OAuth client OmniCRM signs in as. Google calls it a "Desktop app" client; its secret is
/// not secret in an installed app (RFC 8252 §8.5), but Google's token endpoint asks for it.
#[derive(Debug, Clone)]
pub struct OAuthClientConfig {
    /// `None` when not configured: connecting and refreshing then fail with a message saying
    /// how to configure it, while status and disconnect still work.
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub endpoints: GoogleEndpoints,
}

/// The outcome of a sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The signed-in Google address.
    pub email: String,
    pub tokens: TokenSet,
}

type ConfiguredClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Talks to Google's OAuth endpoints.
#[derive(Debug, Clone)]
pub struct GoogleOAuth {
    config: OAuthClientConfig,
    http: reqwest::Client,
}

impl GoogleOAuth {
    /// Checks the endpoint URLs (each bad one is named) and prepares an HTTP client that never
    /// follows redirects (the token endpoint must answer itself).
    pub fn new(config: OAuthClientConfig) -> Result<Self> {
        let endpoints = &config.endpoints;
        let mut bad = Vec::new();
        for (field, url) in [
            ("authorize_url", &endpoints.authorize_url),
            ("token_url", &endpoints.token_url),
            ("userinfo_url", &endpoints.userinfo_url),
            ("revoke_url", &endpoints.revoke_url),
        ] {
            if let Err(error) = Url::parse(url) {
                bad.push(omnicrm_core::FieldError::new(
                    field,
                    format!("'{url}' is not a URL: {error}"),
                ));
            }
        }
        if !bad.is_empty() {
            return Err(Error::validation(bad));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|error| Error::internal(format!("could not set up HTTP: {error}")))?;
        Ok(Self { config, http })
    }

    pub fn endpoints(&self) -> &GoogleEndpoints {
        &self.config.endpoints
    }

    /// Runs the whole sign-in: listens on loopback, hands the authorization URL to
    /// `open_browser`, waits up to `timeout` for the browser to come back, checks the state,
    /// exchanges the code with the PKCE verifier and asks who signed in.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        timeout: Duration,
        open_browser: impl FnOnce(&Url),
    ) -> Result<SignedIn> {
        let listener = LoopbackListener::bind().await?;
        let redirect_url = RedirectUrl::from_url(listener.redirect_url().clone());
        let client = self.client()?.set_redirect_uri(redirect_url);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(CsrfToken::new_random);
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_owned()));
        }
        let (authorize_url, state) = request
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .set_pkce_challenge(challenge)
            .url();

        open_browser(&authorize_url);
        tracing::info!("waiting for the browser to come back from Google sign-in");
        let expected_state = state.secret().clone();
        let redirect = listener
            .wait_for_redirect(
                timeout,
                Box::new(move |redirect| browser_page(redirect, &expected_state)),
            )
            .await?;
        let code = authorization_code(&redirect, state.secret())?;

        let response = client
            .exchange_code(code)
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(|error| token_error("exchange the sign-in code", error))?;
        let tokens = token_set(&response);
        if tokens.refresh_token().is_none() {
            tracing::warn!("Google issued no refresh token; the sign-in lasts about an hour");
        }
        let email = self.fetch_email(tokens.access_token()).await?;
        Ok(SignedIn { email, tokens })
    }

    /// New tokens for a refresh token. Google refusing the grant (`invalid_grant`: revoked,
    /// expired, password changed) is `auth_required`; the caller should mark the account
    /// disconnected. Anything else (network, server trouble) is worth a retry later.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        let response = self
            .client()?
            .exchange_refresh_token(refresh_token)
            .request_async(&self.http)
            .await
            .map_err(|error| token_error("refresh the access token", error))?;
        Ok(token_set(&response))
    }

    /// Revokes a token at Google (RFC 7009: `token=…` form-encoded). Revoking the refresh token
    /// ends the whole grant. Google needs no client credentials for this, so it works even
    /// when the client is not configured.
    #[tracing::instrument(skip_all)]
    pub async fn revoke(&self, token: &str) -> Result<()> {
        let response = self
            .http
            .post(&self.config.endpoints.revoke_url)
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|error| network_error("revoke the Google sign-in", &error))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = provider_error_text(response).await;
        Err(Error::new(
            status_code(status),
            format!("Google did not revoke the sign-in (HTTP {status}{detail})"),
        ))
    }

    /// The signed-in address, from the OpenID userinfo endpoint.
    #[tracing::instrument(skip_all)]
    pub async fn fetch_email(&self, access_token: &AccessToken) -> Result<String> {
        #[derive(Deserialize)]
        struct UserInfo {
            email: Option<String>,
        }
        let response = self
            .http
            .get(&self.config.endpoints.userinfo_url)
            .bearer_auth(access_token.secret())
            .send()
            .await
            .map_err(|error| network_error("ask Google who signed in", &error))?;
        let status = response.status();
        if !status.is_success() {
            let detail = provider_error_text(response).await;
            return Err(Error::new(
                status_code(status),
                format!("Google did not say who signed in (HTTP {status}{detail})"),
            ));
        }
        let info: UserInfo = response
            .json()
            .await
            .map_err(|error| network_error("read who signed in", &error))?;
        info.email
            .map(|email| email.trim().to_owned())
            .filter(|email| !email.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::AuthRequired,
                    "Google did not share the account's email address. Connect again and allow \
                     OmniCRM to see your email address.",
                )
            })
    }

    fn client(&self) -> Result<ConfiguredClient> {
        let client_id = self
            .config
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::invalid_field(
                    "client_id",
                    "is not configured: set OMNICRM_GOOGLE_CLIENT_ID to the client id of a Google \
                     OAuth \"Desktop app\" client",
                )
            })?;
        let endpoints = &self.config.endpoints;
        let auth_url = AuthUrl::new(endpoints.authorize_url.clone())
            .map_err(|error| Error::invalid_field("authorize_url", error.to_string()))?;
        let token_url = TokenUrl::new(endpoints.token_url.clone())
            .map_err(|error| Error::invalid_field("token_url", error.to_string()))?;
        let client = BasicClient::new(ClientId::new(client_id.to_owned()))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            // Google documents the client credentials in the form body for installed apps.
            .set_auth_type(AuthType::RequestBody);
        Ok(match &self.config.client_secret {
            Some(secret) => {
                client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
            }
            None => client,
        })
    }
}

/// What the browser is shown for a redirect. The flow decides separately what the redirect
/// means (see [`authorization_code`]); this only words it for the person at the browser.
fn browser_page(redirect: &Redirect, expected_state: &str) -> String {
    if redirect.parameter("error").is_some() {
        page(
            "Sign-in cancelled",
            "OmniCRM was not given access. You can close this tab and return to OmniCRM.",
        )
    } else if redirect.parameter("state") != Some(expected_state) {
        page(
            "Sign-in refused",
            "This answer does not belong to the sign-in OmniCRM started, so it was ignored. \
             Close this tab and connect again from OmniCRM.",
        )
    } else {
        page(
            "You're signed in",
            "OmniCRM is finishing the connection. You can close this tab and return to OmniCRM.",
        )
    }
}

/// The authorization code of a redirect, once the state matches; a denied consent or any other
/// provider error is `auth_required` in plain words.
fn authorization_code(redirect: &Redirect, expected_state: &str) -> Result<AuthorizationCode> {
    if let Some(error) = redirect.parameter("error") {
        let message = if error == "access_denied" {
            "Google sign-in was cancelled: access was not granted. Connect again and choose \
             Allow to let OmniCRM read your mail and calendar."
                .to_owned()
        } else {
            let description = redirect
                .parameter("error_description")
                .map(|text| format!(": {text}"))
                .unwrap_or_default();
            format!("Google sign-in failed ({error}{description}). Connect again to retry.")
        };
        return Err(Error::new(ErrorCode::AuthRequired, message));
    }
    // The state is compared before the code is touched: an answer to a request OmniCRM did not
    // make (a forged redirect) must not be exchanged.
    if redirect.parameter("state") != Some(expected_state) {
        return Err(Error::new(
            ErrorCode::AuthRequired,
            "The sign-in answer did not match the request OmniCRM sent (state mismatch), so it \
             was refused. Connect again to retry.",
        ));
    }
    redirect
        .parameter("code")
        .filter(|code| !code.is_empty())
        .map(|code| AuthorizationCode::new(code.to_owned()))
        .ok_or_else(|| {
            Error::new(
                ErrorCode::AuthRequired,
                "Google's answer held no sign-in code. Connect again to retry.",
            )
        })
}

fn token_set(response: &oauth2::basic::BasicTokenResponse) -> TokenSet {
    let expires_at = response.expires_in().and_then(|lifetime| {
        chrono::Duration::from_std(lifetime)
            .ok()
            .map(|lifetime| Utc::now() + lifetime)
    });
    let scopes = response
        .scopes()
        .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect())
        .unwrap_or_default();
    TokenSet::new(
        response.access_token().clone(),
        response.refresh_token().cloned(),
        expires_at,
        scopes,
    )
}

type TokenError = RequestTokenError<oauth2::HttpClientError<reqwest::Error>, BasicErrorResponse>;

fn token_error(action: &str, error: TokenError) -> Error {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let description = response
                .error_description()
                .map(|text| format!(": {text}"))
                .unwrap_or_default();
            match response.error() {
                BasicErrorResponseType::InvalidGrant => Error::new(
                    ErrorCode::AuthRequired,
                    format!(
                        "Google refused the saved sign-in (invalid_grant{description}). It was \
                         revoked or has expired; connect the account again."
                    ),
                ),
                BasicErrorResponseType::Extension(code) if code == "rate_limit_exceeded" => {
                    Error::new(
                        ErrorCode::RateLimited,
                        format!("Google asked OmniCRM to slow down{description}; try again later."),
                    )
                }
                other => Error::new(
                    ErrorCode::Network,
                    format!("Google refused to {action} ({other}{description})."),
                ),
            }
        }
        RequestTokenError::Request(error) => Error::new(
            ErrorCode::Network,
            format!(
                "Could not reach Google to {action}: {}",
                error_chain(&error)
            ),
        ),
        RequestTokenError::Parse(_, body) => Error::new(
            ErrorCode::Network,
            format!(
                "Google's answer when trying to {action} was not understood ({} bytes).",
                body.len()
            ),
        ),
        RequestTokenError::Other(text) => {
            Error::new(ErrorCode::Network, format!("Could not {action}: {text}"))
        }
    }
}

fn network_error(action: &str, error: &reqwest::Error) -> Error {
    Error::new(
        ErrorCode::Network,
        format!("Could not {action}: {}", error_chain(error)),
    )
}

/// An error and its causes on one line (reqwest's own text is often just "error sending
/// request").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn status_code(status: reqwest::StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::AuthRequired,
        429 => ErrorCode::RateLimited,
        _ => ErrorCode::Network,
    }
}

/// `: error_code` from a JSON OAuth error body, if there is one (never the whole body, which
/// could echo a token).
async fn provider_error_text(response: reqwest::Response) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
    }
    match response.json::<ErrorBody>().await {
        Ok(ErrorBody { error: Some(code) }) if code.len() < 100 => format!(": {code}"),
        _ => String::new(),
    }
}

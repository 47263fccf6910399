//! Google sign-in end to end against a real OAuth 2 server on loopback (oauth2-mock-server), the
//! "browser" being an HTTP client that follows the server's redirect to our loopback listener.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/oauth_server.rs"]
mod oauth_server;

use std::time::Duration;

use base64::Engine;
use oauth_server::{browser, visit, OAuthServer};
use omnicrm_core::integrations::{AccountStatus, TokenStorage};
use omnicrm_core::{Core, ErrorCode};
use omnicrm_google::accounts::{secret_name, DISCONNECTED_BY_USER};
use omnicrm_google::oauth::{CALENDAR_READONLY_SCOPE, GMAIL_READONLY_SCOPE};
use omnicrm_google::{
    AccessTokenSource, ConnectOutcome, GoogleAccounts, GoogleOAuth, OAuthClientConfig,
};
use omnicrm_secrets::{EncryptedFileStore, SecretBackend, SecretLookup, SecretString};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "omnicrm-test-client.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "installed-app-secret";
const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(30);

struct Setup {
    server: OAuthServer,
    _data_dir: tempfile::TempDir,
    core: Core,
    google: GoogleAccounts,
    secrets: EncryptedFileStore,
}

async fn setup() -> Setup {
    let server = OAuthServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let core = Core::open(data_dir.path()).unwrap();
    let oauth = GoogleOAuth::new(OAuthClientConfig {
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(SecretString::from(CLIENT_SECRET.to_owned())),
        endpoints: server.endpoints(),
    })
    .unwrap();
    // The encrypted file, so the test never touches a real keyring.
    let google = GoogleAccounts::new(oauth, core.integrations.clone(), data_dir.path())
        .with_token_storage(SecretBackend::EncryptedFile);
    let secrets = EncryptedFileStore::new(data_dir.path());
    Setup {
        server,
        _data_dir: data_dir,
        core,
        google,
        secrets,
    }
}

async fn connect(setup: &Setup) -> ConnectOutcome {
    let (open, browsed) = browser();
    let outcome = setup.google.connect(SIGN_IN_TIMEOUT, open).await.unwrap();
    let visit = visit(browsed).await;
    assert_eq!(visit.status, 200);
    assert!(
        visit.page.contains("You can close this tab"),
        "{}",
        visit.page
    );
    outcome
}

fn token_requests(requests: &Value, grant_type: &str) -> Vec<Value> {
    requests["token"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|request| request["grant_type"] == grant_type)
        .cloned()
        .collect()
}

fn stored_secret(setup: &Setup, account_id: &str) -> Option<String> {
    use omnicrm_secrets::ExposeSecret;
    match setup.secrets.load(&secret_name(account_id)).unwrap() {
        SecretLookup::Found(secret) => Some(secret.expose_secret().to_owned()),
        SecretLookup::Missing => None,
        SecretLookup::Unreadable { reason } => panic!("unreadable: {reason}"),
    }
}

#[tokio::test]
async fn connecting_signs_in_with_pkce_and_keeps_tokens_out_of_sqlite() {
    let setup = setup().await;
    let outcome = connect(&setup).await;

    let account = &outcome.account;
    assert_eq!(account.email, "practitioner@example.com");
    assert_eq!(account.status, AccountStatus::Connected);
    assert_eq!(account.token_storage, TokenStorage::EncryptedFile);
    assert!(account
        .scopes
        .iter()
        .any(|scope| scope == GMAIL_READONLY_SCOPE));
    assert!(account
        .scopes
        .iter()
        .any(|scope| scope == CALENDAR_READONLY_SCOPE));
    assert!(
        outcome.missing_scopes.is_empty(),
        "{:?}",
        outcome.missing_scopes
    );
    assert!(
        outcome
            .warnings
            .iter()
            .any(|warning| warning.contains("encrypted file because no system keyring")),
        "{:?}",
        outcome.warnings
    );

    let requests = setup.server.requests().await;
    let authorize = &requests["authorize"][0];
    assert_eq!(authorize["response_type"], "code");
    assert_eq!(authorize["client_id"], CLIENT_ID);
    assert_eq!(authorize["access_type"], "offline");
    assert_eq!(authorize["prompt"], "consent");
    assert_eq!(authorize["code_challenge_method"], "S256");
    let scopes: Vec<&str> = authorize["scope"].as_str().unwrap().split(' ').collect();
    for scope in [
        GMAIL_READONLY_SCOPE,
        CALENDAR_READONLY_SCOPE,
        "openid",
        "email",
    ] {
        assert!(scopes.contains(&scope), "{scopes:?} lacks {scope}");
    }
    let redirect_uri = authorize["redirect_uri"].as_str().unwrap();
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with("/oauth2/callback"),
        "{redirect_uri}"
    );
    assert!(authorize["state"].as_str().unwrap().len() >= 16);

    // PKCE: the verifier sent with the code hashes to the challenge sent with the authorize
    // request (and the server, which checks the same, issued tokens).
    let exchanges = token_requests(&requests, "authorization_code");
    assert_eq!(exchanges.len(), 1);
    let exchange = &exchanges[0];
    let verifier = exchange["code_verifier"].as_str().unwrap();
    assert!((43..=128).contains(&verifier.len()), "{verifier}");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(authorize["code_challenge"], challenge.as_str());
    assert_eq!(exchange["status"], 200);
    assert_eq!(exchange["redirect_uri"], redirect_uri);
    assert_eq!(exchange["client_id"], CLIENT_ID);
    assert_eq!(exchange["client_secret"], CLIENT_SECRET);

    // Userinfo was asked with the issued access token.
    let access_token = exchange["issued_access_token"].as_str().unwrap();
    let refresh_token = exchange["issued_refresh_token"].as_str().unwrap();
    assert_eq!(
        requests["userinfo"][0]["authorization"],
        format!("Bearer {access_token}").as_str()
    );

    // The tokens are in the encrypted secret file and nowhere in the database files.
    let stored = stored_secret(&setup, &account.id).expect("tokens stored");
    assert!(stored.contains(refresh_token));
    let database = setup.core.database.path().to_path_buf();
    for path in [database.clone(), database.with_extension("sqlite3-wal")] {
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(access_token),
                "{} holds the access token",
                path.display()
            );
            assert!(
                !text.contains(refresh_token),
                "{} holds the refresh token",
                path.display()
            );
        }
    }
    for entry in std::fs::read_dir(setup.secrets.directory()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(refresh_token));
    }

    // The token source hands out the access token without a refresh while it is fresh, and its
    // Debug output shows no token.
    let source = setup.google.token_source(&account.id);
    assert_eq!(source.access_token().await.unwrap(), access_token);
    let printed = format!("{source:?} {outcome:?}");
    assert!(!printed.contains(access_token), "{printed}");
    assert!(!printed.contains(refresh_token), "{printed}");
    assert!(token_requests(&setup.server.requests().await, "refresh_token").is_empty());
}

/// The test server really checks PKCE, so a successful exchange above proves our verifier
/// matches our challenge, not merely that the server did not look.
#[tokio::test]
async fn the_test_server_refuses_a_code_with_the_wrong_pkce_verifier() {
    let server = OAuthServer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = "a".repeat(43);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let redirect = http
        .get(format!("{}/authorize", server.base_url))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let code = reqwest::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code")
        .unwrap()
        .1
        .into_owned();
    let refused = http
        .post(format!("{}/token", server.base_url))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", CLIENT_ID),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("code_verifier", "b".repeat(43).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier provided does not match code_challenge"),
        "{body}"
    );
}

#[tokio::test]
async fn a_state_mismatch_is_refused_and_no_code_is_exchanged() {
    let setup = setup().await;
    setup.server.configure(json!({"wrongState": true})).await;
    let (open, browsed) = browser();
    let error = setup
        .google
        .connect(SIGN_IN_TIMEOUT, open)
        .await
        .unwrap_err();
    let visit = visit(browsed).await;

    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert!(
        error.message.contains("state mismatch"),
        "{}",
        error.message
    );
    assert!(visit.page.contains("does not belong"), "{}", visit.page);
    let requests = setup.server.requests().await;
    assert_eq!(requests["authorize"].as_array().unwrap().len(), 1);
    assert!(requests["token"].as_array().unwrap().is_empty());
    assert!(setup.core.integrations.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_denied_consent_is_a_plain_auth_required_error() {
    let setup = setup().await;
    setup.server.configure(json!({"denyConsent": true})).await;
    let (open, browsed) = browser();
    let error = setup
        .google
        .connect(SIGN_IN_TIMEOUT, open)
        .await
        .unwrap_err();
    let visit = visit(browsed).await;

    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert!(
        error.message.contains("access was not granted"),
        "{}",
        error.message
    );
    assert!(visit.page.contains("Sign-in cancelled"), "{}", visit.page);
    assert!(
        visit.final_url.contains("error=access_denied"),
        "{}",
        visit.final_url
    );
    assert!(setup.server.requests().await["token"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(setup.core.integrations.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_sign_in_nobody_finishes_stops_after_the_timeout() {
    let setup = setup().await;
    let started = std::time::Instant::now();
    let error = setup
        .google
        .connect(Duration::from_millis(300), |_url| {})
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::Cancelled);
    assert!(error.message.contains("not finished"), "{}", error.message);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(setup.core.integrations.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_token_close_to_expiry_is_refreshed_before_use_and_stored() {
    let setup = setup().await;
    // Two minutes left is inside the five-minute margin.
    setup.server.configure(json!({"expiresIn": 120})).await;
    let account = connect(&setup).await.account;
    let original = token_requests(&setup.server.requests().await, "authorization_code")[0].clone();
    setup.server.configure(json!({"expiresIn": 3600})).await;

    let source = setup.google.token_source(&account.id);
    let token = source.access_token().await.unwrap();

    let refreshes = token_requests(&setup.server.requests().await, "refresh_token");
    assert_eq!(refreshes.len(), 1);
    assert_eq!(
        refreshes[0]["refresh_token"],
        original["issued_refresh_token"]
    );
    assert_eq!(refreshes[0]["client_id"], CLIENT_ID);
    assert_eq!(token, refreshes[0]["issued_access_token"].as_str().unwrap());
    assert_ne!(token, original["issued_access_token"].as_str().unwrap());

    // Fresh now: no second refresh, from this source or from a new one reading the stored tokens.
    assert_eq!(source.access_token().await.unwrap(), token);
    let again = setup.google.token_source(&account.id);
    assert_eq!(again.access_token().await.unwrap(), token);
    assert_eq!(
        token_requests(&setup.server.requests().await, "refresh_token").len(),
        1
    );
    // Google sent no new refresh token; the old one is kept.
    let stored = stored_secret(&setup, &account.id).unwrap();
    assert!(stored.contains(original["issued_refresh_token"].as_str().unwrap()));
    assert!(stored.contains(&token));
}

#[tokio::test]
async fn invalid_grant_on_refresh_marks_the_account_disconnected_with_a_reason() {
    let setup = setup().await;
    setup.server.configure(json!({"expiresIn": 60})).await;
    let account = connect(&setup).await.account;
    setup
        .server
        .configure(json!({"refreshInvalidGrant": true}))
        .await;

    let source = setup.google.token_source(&account.id);
    let error = source.access_token().await.unwrap_err();
    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert!(error.message.contains("invalid_grant"), "{}", error.message);

    let stored = setup.core.integrations.get(&account.id).unwrap();
    assert_eq!(stored.status, AccountStatus::Disconnected);
    let reason = stored.status_reason.unwrap();
    assert!(
        reason.contains("Google refused the saved sign-in"),
        "{reason}"
    );
    assert!(stored.disconnected_at.is_some());
    assert_eq!(
        stored_secret(&setup, &account.id),
        None,
        "refused tokens are removed"
    );

    // Asking again fails at once, naming the account, without another request to Google.
    let refreshes = token_requests(&setup.server.requests().await, "refresh_token").len();
    let again = source.access_token().await.unwrap_err();
    assert_eq!(again.code, ErrorCode::AuthRequired);
    assert!(
        again.message.contains("practitioner@example.com"),
        "{}",
        again.message
    );
    assert_eq!(
        token_requests(&setup.server.requests().await, "refresh_token").len(),
        refreshes
    );
}

#[tokio::test]
async fn disconnect_revokes_the_refresh_token_and_removes_it() {
    let setup = setup().await;
    let account = connect(&setup).await.account;
    let issued = token_requests(&setup.server.requests().await, "authorization_code")[0].clone();

    let outcome = setup.google.disconnect(&account.id).await.unwrap();
    assert!(outcome.revoked);
    assert_eq!(outcome.revocation_error, None);
    assert_eq!(outcome.account.status, AccountStatus::Disconnected);
    assert_eq!(
        outcome.account.status_reason.as_deref(),
        Some(DISCONNECTED_BY_USER)
    );

    let revocations = setup.server.requests().await["revoke"].clone();
    assert_eq!(revocations.as_array().unwrap().len(), 1);
    assert_eq!(revocations[0]["token"], issued["issued_refresh_token"]);
    assert_eq!(stored_secret(&setup, &account.id), None);

    let error = setup
        .google
        .token_source(&account.id)
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::AuthRequired);

    // Connecting the same address again reuses the account.
    let again = connect(&setup).await.account;
    assert_eq!(again.id, account.id);
    assert_eq!(again.status, AccountStatus::Connected);
}

#[tokio::test]
async fn a_failed_revocation_still_removes_the_tokens_and_says_so() {
    let setup = setup().await;
    let account = connect(&setup).await.account;
    setup.server.configure(json!({"revokeStatus": 503})).await;

    let outcome = setup.google.disconnect(&account.id).await.unwrap();
    assert!(!outcome.revoked);
    let reason = outcome.revocation_error.unwrap();
    assert!(reason.contains("503"), "{reason}");
    assert_eq!(outcome.account.status, AccountStatus::Disconnected);
    assert_eq!(stored_secret(&setup, &account.id), None);
    assert_eq!(
        setup.server.requests().await["revoke"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn unreadable_stored_tokens_disconnect_the_account_with_the_reason() {
    let setup = setup().await;
    let account = connect(&setup).await.account;
    std::fs::write(setup.secrets.key_path(), [9u8; 32]).unwrap();

    let error = setup
        .google
        .token_source(&account.id)
        .access_token()
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::AuthRequired);
    assert!(
        error.message.contains("could not be decrypted"),
        "{}",
        error.message
    );
    let stored = setup.core.integrations.get(&account.id).unwrap();
    assert_eq!(stored.status, AccountStatus::Disconnected);
}

#[tokio::test]
async fn connecting_without_a_client_id_names_the_setting() {
    let data_dir = tempfile::tempdir().unwrap();
    let core = Core::open(data_dir.path()).unwrap();
    let oauth = GoogleOAuth::new(OAuthClientConfig {
        client_id: None,
        client_secret: None,
        endpoints: omnicrm_google::GoogleEndpoints::default(),
    })
    .unwrap();
    let google = GoogleAccounts::new(oauth, core.integrations.clone(), data_dir.path())
        .with_token_storage(SecretBackend::EncryptedFile);
    let mut opened = false;
    let error = google
        .connect(SIGN_IN_TIMEOUT, |_url| opened = true)
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "client_id");
    assert!(
        error.message.contains("OMNICRM_GOOGLE_CLIENT_ID"),
        "{}",
        error.message
    );
    assert!(
        !opened,
        "no browser is opened for a sign-in that cannot work"
    );
}

#[tokio::test]
async fn bad_endpoint_urls_are_named() {
    let endpoints = omnicrm_google::GoogleEndpoints {
        token_url: "not a url".into(),
        ..Default::default()
    };
    let error = GoogleOAuth::new(OAuthClientConfig {
        client_id: Some(CLIENT_ID.into()),
        client_secret: None,
        endpoints,
    })
    .unwrap_err();
    assert_eq!(error.field_errors()[0].field, "token_url");
}

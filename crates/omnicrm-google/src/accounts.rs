//! Connected Google accounts: sign in and keep the tokens, show the state, hand sync a fresh
//! access token, disconnect.
//!
//! The account's non-secret state is in SQLite through
//! [`IntegrationAccountService`](omnicrm_core::integrations::IntegrationAccountService); its
//! tokens are in the secret store (keyring or encrypted file) under `google:<account id>`, in the
//! backend the account row names, so a keyring that appears later does not hide them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use oauth2::url::Url;
use omnicrm_core::integrations::{
    AccountConnection, AccountStatus, IntegrationAccount, IntegrationAccountService,
    IntegrationProvider, TokenStorage,
};
use omnicrm_core::{Error, ErrorCode, Result};
use omnicrm_secrets::{SecretBackend, SecretLookup, SecretStorageStatus, SecretStore};
use serde::Serialize;

use crate::oauth::{GoogleOAuth, REQUIRED_API_SCOPES};
use crate::settings::GoogleAccount;
use crate::sync::AccountTokens;
use crate::token_source::{AccessTokenSource, TokenFuture};
use crate::tokens::TokenSet;

/// The reason shown after the user disconnects.
pub const DISCONNECTED_BY_USER: &str = "Disconnected on this device.";

/// What connecting did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectOutcome {
    pub account: IntegrationAccount,
    /// Where the tokens went, with a plain notice when it is the encrypted file.
    pub token_storage: SecretStorageStatus,
    /// Scopes sync needs that the user did not grant (unticked on the consent screen).
    pub missing_scopes: Vec<String>,
    /// Anything the user should know, in plain words.
    pub warnings: Vec<String>,
}

/// What disconnecting did. The tokens are removed from this device whether or not Google
/// confirmed the revocation.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DisconnectOutcome {
    pub account: IntegrationAccount,
    /// Google confirmed the revocation.
    pub revoked: bool,
    /// Why the revocation did not happen or failed; the tokens were removed anyway.
    pub revocation_error: Option<String>,
}

/// The Google accounts of this device, and the token storage new sign-ins would use.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GoogleStatus {
    pub accounts: Vec<IntegrationAccount>,
    pub token_storage: SecretStorageStatus,
}

/// Google sign-in over the store and the secret store of one data directory.
#[derive(Debug, Clone)]
pub struct GoogleAccounts {
    oauth: Arc<GoogleOAuth>,
    accounts: IntegrationAccountService,
    data_dir: PathBuf,
    /// The backend new tokens go to; `None` means choose automatically at connect time.
    storage: Option<SecretBackend>,
}

impl GoogleAccounts {
    pub fn new(oauth: GoogleOAuth, accounts: IntegrationAccountService, data_dir: &Path) -> Self {
        Self {
            oauth: Arc::new(oauth),
            accounts,
            data_dir: data_dir.to_path_buf(),
            storage: None,
        }
    }

    /// Keeps new tokens in `backend` instead of choosing (tests, `OMNICRM_SECRET_STORAGE`).
    pub fn with_token_storage(mut self, backend: SecretBackend) -> Self {
        self.storage = Some(backend);
        self
    }

    pub fn oauth(&self) -> &GoogleOAuth {
        &self.oauth
    }

    /// Signs in through the browser and keeps the tokens. Connecting an address that was
    /// connected before reuses its account.
    #[tracing::instrument(skip_all)]
    pub async fn connect(
        &self,
        timeout: Duration,
        open_browser: impl FnOnce(&Url),
    ) -> Result<ConnectOutcome> {
        let store = self.new_token_store().await?;
        let signed_in = self.oauth.sign_in(timeout, open_browser).await?;
        let granted = granted_scopes(&signed_in.tokens);
        let missing_scopes: Vec<String> = REQUIRED_API_SCOPES
            .iter()
            .filter(|scope| !granted.iter().any(|granted| granted == *scope))
            .map(|scope| (*scope).to_owned())
            .collect();
        let mut warnings = Vec::new();
        if !missing_scopes.is_empty() {
            warnings.push(format!(
                "Google did not grant {}; sync of that data will not work until you connect \
                 again and allow it.",
                missing_scopes.join(" and ")
            ));
        }
        if signed_in.tokens.refresh_token().is_none() {
            warnings.push(
                "Google issued no refresh token, so this sign-in lasts about an hour. Remove \
                 OmniCRM's access in your Google account settings and connect again."
                    .to_owned(),
            );
        }
        if let Some(notice) = &store.status().notice {
            warnings.push(format!("{notice}."));
        }

        let email = signed_in.email.clone();
        let previous = self
            .blocking(move |accounts| accounts.find(IntegrationProvider::Google, &email))
            .await?;
        let connection = AccountConnection {
            provider: IntegrationProvider::Google,
            email: signed_in.email.clone(),
            scopes: granted,
            token_storage: token_storage(store.backend()),
        };
        let account = self
            .blocking(move |accounts| accounts.connect(&connection))
            .await?;
        let secret = signed_in.tokens.to_secret()?;
        let name = secret_name(&account.id);
        let saving = store.clone();
        let saved = tokio::task::spawn_blocking(move || saving.store(&name, &secret)).await?;
        if let Err(error) = saved {
            let reason = format!("The sign-in could not be saved: {}", error.message);
            let id = account.id.clone();
            self.blocking(move |accounts| accounts.mark_disconnected(&id, &reason))
                .await?;
            return Err(error);
        }
        // Tokens of an earlier sign-in kept in the other backend are stale now.
        if let Some(previous) = previous {
            if previous.token_storage != account.token_storage {
                let stale = SecretStore::with_backend(
                    secret_backend(previous.token_storage),
                    &self.data_dir,
                );
                let name = secret_name(&account.id);
                let removed = tokio::task::spawn_blocking(move || stale.remove(&name)).await?;
                if let Err(error) = removed {
                    tracing::warn!(%error, "could not remove the tokens of an earlier sign-in");
                }
            }
        }
        tracing::info!(account_id = %account.id, "Google account connected");
        Ok(ConnectOutcome {
            account,
            token_storage: store.status().clone(),
            missing_scopes,
            warnings,
        })
    }

    /// The Google accounts of this device and where new tokens would go.
    pub async fn status(&self) -> Result<GoogleStatus> {
        let accounts = self
            .blocking(|accounts| {
                Ok(accounts
                    .list()?
                    .into_iter()
                    .filter(|account| account.provider == IntegrationProvider::Google)
                    .collect::<Vec<_>>())
            })
            .await?;
        let store = self.new_token_store().await?;
        Ok(GoogleStatus {
            accounts,
            token_storage: store.status().clone(),
        })
    }

    /// Revokes the account's grant at Google and removes its tokens from this device. The tokens
    /// are removed even when revoking fails (offline, Google down); the outcome says so.
    #[tracing::instrument(skip_all, fields(account_id = %account_id))]
    pub async fn disconnect(&self, account_id: &str) -> Result<DisconnectOutcome> {
        let account = self.get(account_id).await?;
        let store =
            SecretStore::with_backend(secret_backend(account.token_storage), &self.data_dir);
        let name = secret_name(&account.id);
        let reading = store.clone();
        let reading_name = name.clone();
        let lookup = tokio::task::spawn_blocking(move || reading.load(&reading_name)).await?;
        let revocation = match lookup {
            Ok(SecretLookup::Found(secret)) => match TokenSet::from_secret(&secret) {
                Ok(tokens) => {
                    let token = tokens
                        .refresh_token()
                        .map(|token| token.secret().clone())
                        .unwrap_or_else(|| tokens.access_token().secret().clone());
                    self.oauth
                        .revoke(&token)
                        .await
                        .map_err(|error| error.message)
                }
                Err(error) => Err(format!(
                    "the stored tokens were unreadable: {}",
                    error.message
                )),
            },
            Ok(SecretLookup::Missing) => {
                Err("no tokens were stored on this device, so there was nothing to revoke".into())
            }
            Ok(SecretLookup::Unreadable { reason }) => Err(reason),
            Err(error) => Err(error.message),
        };
        let removing = store.clone();
        let removed = tokio::task::spawn_blocking(move || removing.remove(&name)).await?;
        let id = account.id.clone();
        let account = self
            .blocking(move |accounts| accounts.mark_disconnected(&id, DISCONNECTED_BY_USER))
            .await?;
        if let Err(error) = removed {
            return Err(Error::new(
                error.code,
                format!(
                    "The account is disconnected, but its tokens could not be removed from this \
                     device: {}",
                    error.message
                ),
            ));
        }
        let (revoked, revocation_error) = match revocation {
            Ok(()) => (true, None),
            Err(reason) => {
                tracing::warn!(%reason, "Google sign-in not revoked; tokens removed anyway");
                (false, Some(reason))
            }
        };
        Ok(DisconnectOutcome {
            account,
            revoked,
            revocation_error,
        })
    }

    /// Disconnects every connected Google account (revoking where Google answers, always
    /// removing the tokens from this device), as "delete all my data" must leave no sign-in
    /// tokens behind. Returns how many were disconnected.
    pub async fn disconnect_all(&self) -> Result<u32> {
        let mut disconnected = 0;
        for account in self.status().await?.accounts {
            if account.status == AccountStatus::Connected {
                self.disconnect(&account.id).await?;
                disconnected += 1;
            }
        }
        Ok(disconnected)
    }

    /// The connected Google account `account_id`, as a sync names it. An account that is
    /// disconnected answers `auth_required` with its reason.
    pub async fn sync_account(&self, account_id: &str) -> Result<GoogleAccount> {
        let account = self.get(account_id).await?;
        if account.status == AccountStatus::Disconnected {
            let reason = account
                .status_reason
                .unwrap_or_else(|| "The Google account is disconnected.".to_owned());
            return Err(Error::new(
                ErrorCode::AuthRequired,
                format!(
                    "{reason} Connect the Google account {} again.",
                    account.email
                ),
            ));
        }
        Ok(GoogleAccount {
            account_id: account.id,
            email: account.email,
        })
    }

    /// An access-token source for `account_id`, for sync.
    pub fn token_source(&self, account_id: &str) -> StoredAccountTokens {
        StoredAccountTokens {
            google: self.clone(),
            account_id: account_id.to_owned(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    async fn get(&self, account_id: &str) -> Result<IntegrationAccount> {
        let id = account_id.to_owned();
        let account = self.blocking(move |accounts| accounts.get(&id)).await?;
        if account.provider != IntegrationProvider::Google {
            return Err(Error::not_found("Google account", account_id));
        }
        Ok(account)
    }

    async fn new_token_store(&self) -> Result<SecretStore> {
        let data_dir = self.data_dir.clone();
        let forced = self.storage;
        tokio::task::spawn_blocking(move || match forced {
            Some(backend) => Ok(SecretStore::with_backend(backend, &data_dir)),
            None => SecretStore::open(&data_dir),
        })
        .await?
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&IntegrationAccountService) -> Result<T> + Send + 'static,
    {
        let accounts = self.accounts.clone();
        tokio::task::spawn_blocking(move || work(&accounts)).await?
    }

    async fn disconnect_with_reason(&self, account_id: &str, reason: String) -> Error {
        let id = account_id.to_owned();
        let marked = self
            .blocking({
                let reason = reason.clone();
                move |accounts| accounts.mark_disconnected(&id, &reason)
            })
            .await;
        if let Err(error) = marked {
            tracing::warn!(%error, "could not mark the Google account disconnected");
        }
        Error::new(ErrorCode::AuthRequired, reason)
    }
}

/// Sync takes each account's tokens from its stored sign-in.
impl AccountTokens for GoogleAccounts {
    fn token_source(&self, account_id: &str) -> Result<Arc<dyn AccessTokenSource>> {
        Ok(Arc::new(GoogleAccounts::token_source(self, account_id)))
    }
}

/// A stored account's tokens, refreshed ahead of expiry. One refresh at a time per source; the
/// account row is read on every request so a disconnect stops it at once.
#[derive(Debug)]
pub struct StoredAccountTokens {
    google: GoogleAccounts,
    account_id: String,
    cached: tokio::sync::Mutex<Option<TokenSet>>,
}

impl StoredAccountTokens {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    async fn fresh_access_token(&self) -> Result<String> {
        let account = self.google.get(&self.account_id).await?;
        let mut cached = self.cached.lock().await;
        if account.status == AccountStatus::Disconnected {
            *cached = None;
            let reason = account
                .status_reason
                .unwrap_or_else(|| "The Google account is disconnected.".to_owned());
            return Err(Error::new(
                ErrorCode::AuthRequired,
                format!(
                    "{reason} Connect the Google account {} again.",
                    account.email
                ),
            ));
        }
        let store =
            SecretStore::with_backend(secret_backend(account.token_storage), &self.google.data_dir);
        let tokens = match cached.take() {
            Some(tokens) => tokens,
            None => self.load(&store).await?,
        };
        if !tokens.needs_refresh(Utc::now()) {
            let access_token = tokens.access_token().secret().clone();
            *cached = Some(tokens);
            return Ok(access_token);
        }
        let Some(refresh_token) = tokens.refresh_token().cloned() else {
            return Err(self
                .google
                .disconnect_with_reason(
                    &self.account_id,
                    "The Google sign-in expired and there is no refresh token to renew it."
                        .to_owned(),
                )
                .await);
        };
        let fresh = match self.google.oauth.refresh(&refresh_token).await {
            Ok(fresh) => tokens.refreshed(fresh),
            Err(error) if error.code == ErrorCode::AuthRequired => {
                // The grant is gone: its refresh token is useless, so it does not stay around.
                let name = secret_name(&self.account_id);
                let removing = store.clone();
                match tokio::task::spawn_blocking(move || removing.remove(&name)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(remove_error)) => {
                        tracing::warn!(error = %remove_error, "could not remove refused tokens")
                    }
                    Err(join_error) => {
                        tracing::warn!(error = %join_error, "could not remove refused tokens")
                    }
                }
                return Err(self
                    .google
                    .disconnect_with_reason(&self.account_id, error.message)
                    .await);
            }
            Err(error) => {
                // Offline or Google trouble: keep the tokens for the next try.
                *cached = Some(tokens);
                return Err(error);
            }
        };
        let secret = fresh.to_secret()?;
        let name = secret_name(&self.account_id);
        let saving = store.clone();
        tokio::task::spawn_blocking(move || saving.store(&name, &secret)).await??;
        tracing::info!(account_id = %self.account_id, "Google access token refreshed");
        let access_token = fresh.access_token().secret().clone();
        *cached = Some(fresh);
        Ok(access_token)
    }

    async fn load(&self, store: &SecretStore) -> Result<TokenSet> {
        let name = secret_name(&self.account_id);
        let reading = store.clone();
        let lookup = tokio::task::spawn_blocking(move || reading.load(&name)).await??;
        let problem = match lookup {
            SecretLookup::Found(secret) => match TokenSet::from_secret(&secret) {
                Ok(tokens) => return Ok(tokens),
                Err(error) => error.message,
            },
            SecretLookup::Missing => format!(
                "The Google sign-in is no longer stored on this device ({}).",
                describe_storage(store.backend())
            ),
            SecretLookup::Unreadable { reason } => {
                format!("The stored Google sign-in cannot be read: {reason}.")
            }
        };
        Err(self
            .google
            .disconnect_with_reason(&self.account_id, problem)
            .await)
    }
}

impl AccessTokenSource for StoredAccountTokens {
    fn access_token(&self) -> TokenFuture<'_> {
        Box::pin(self.fresh_access_token())
    }
}

/// The secret store entry of an account's tokens.
pub fn secret_name(account_id: &str) -> String {
    format!("google:{account_id}")
}

/// The scopes Google reports as granted; Google names `email` by its full URL.
fn granted_scopes(tokens: &TokenSet) -> Vec<String> {
    if tokens.scopes().is_empty() {
        // The token endpoint may omit the scope when it equals the request (RFC 6749 §5.1).
        return crate::oauth::SCOPES
            .iter()
            .map(|scope| (*scope).to_owned())
            .collect();
    }
    tokens.scopes().to_vec()
}

fn token_storage(backend: SecretBackend) -> TokenStorage {
    match backend {
        SecretBackend::Keyring => TokenStorage::Keyring,
        SecretBackend::EncryptedFile => TokenStorage::EncryptedFile,
    }
}

fn secret_backend(storage: TokenStorage) -> SecretBackend {
    match storage {
        TokenStorage::Keyring => SecretBackend::Keyring,
        TokenStorage::EncryptedFile => SecretBackend::EncryptedFile,
    }
}

fn describe_storage(backend: SecretBackend) -> &'static str {
    match backend {
        SecretBackend::Keyring => "the system keyring has no entry for it",
        SecretBackend::EncryptedFile => "its encrypted file is gone",
    }
}

//! Accounts of outside services (Google) connected on this device, and how their sync went.
//!
//! Only state that is not secret lives here: the address, the granted scopes, whether the account
//! is connected (and if not, why, in words the user can act on), where its tokens are kept, and
//! the last sync's result or error. Tokens themselves are in the OS keyring or the encrypted
//! secrets file (`omnicrm-secrets`), never in SQLite.
//!
//! # Why this is not in the change log
//! A connection belongs to one device: each device signs in for itself and keeps its own tokens,
//! and sync status describes this device's runs. Syncing "connected" to another device would tell
//! it something untrue, and undoing a sign-in or a sync status makes no sense (disconnecting is
//! its own action that revokes tokens). So these rows are written directly, in one transaction
//! each, and never appear in `change_log`; the data a sync brings in (interactions, contacts) is
//! recorded there as usual by the services that write it.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Database;
use crate::time::{new_id, now_utc};

/// The outside service an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum IntegrationProvider {
    Google,
}

impl IntegrationProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "google" => Some(Self::Google),
            _ => None,
        }
    }
}

/// Whether the account can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Connected,
    /// Signed out by the user, or the provider refused the saved sign-in; `status_reason` says
    /// which.
    Disconnected,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "connected" => Some(Self::Connected),
            "disconnected" => Some(Self::Disconnected),
            _ => None,
        }
    }
}

/// Where an account's tokens are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TokenStorage {
    /// The OS keyring.
    Keyring,
    /// The encrypted secrets file in the data directory (no keyring was available).
    EncryptedFile,
}

impl TokenStorage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyring => "keyring",
            Self::EncryptedFile => "encrypted_file",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "keyring" => Some(Self::Keyring),
            "encrypted_file" => Some(Self::EncryptedFile),
            _ => None,
        }
    }
}

/// One connected (or once connected) account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IntegrationAccount {
    pub id: String,
    pub provider: IntegrationProvider,
    pub email: String,
    /// The scopes the user granted.
    pub scopes: Vec<String>,
    pub status: AccountStatus,
    /// Why the account is disconnected, in plain words; `None` while connected.
    pub status_reason: Option<String>,
    pub token_storage: TokenStorage,
    pub connected_at: String,
    pub disconnected_at: Option<String>,
    pub last_sync_at: Option<String>,
    pub last_sync_summary: Option<String>,
    /// The last sync error, cleared by the next successful sync.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a successful sign-in tells the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountConnection {
    pub provider: IntegrationProvider,
    pub email: String,
    pub scopes: Vec<String>,
    pub token_storage: TokenStorage,
}

/// Reads and writes connected accounts. See the module documentation for why these writes skip
/// the change log.
#[derive(Debug, Clone)]
pub struct IntegrationAccountService {
    database: Database,
}

impl IntegrationAccountService {
    pub fn new(database: Database) -> Self {
        Self { database }
    }

    /// Records a successful sign-in: creates the account, or marks the existing account of the
    /// same provider and address connected again (same id, earlier sync history kept, the
    /// disconnect reason and last error cleared).
    pub fn connect(&self, connection: &AccountConnection) -> Result<IntegrationAccount> {
        let email = validate_email(&connection.email)?;
        let scopes = validate_scopes(&connection.scopes)?;
        self.database.write(|transaction| {
            let now = now_utc();
            let existing: Option<String> = transaction
                .query_row(
                    "SELECT id FROM integration_accounts
                     WHERE provider = ?1 AND email = ?2 COLLATE NOCASE",
                    params![connection.provider.as_str(), email],
                    |row| row.get(0),
                )
                .optional()?;
            let id = match existing {
                Some(id) => {
                    transaction.execute(
                        "UPDATE integration_accounts
                         SET email = ?2, scopes = ?3, status = 'connected', status_reason = NULL,
                             token_storage = ?4, connected_at = ?5, disconnected_at = NULL,
                             last_error = NULL, last_error_at = NULL, updated_at = ?5
                         WHERE id = ?1",
                        params![id, email, scopes, connection.token_storage.as_str(), now],
                    )?;
                    id
                }
                None => {
                    let id = new_id();
                    transaction.execute(
                        "INSERT INTO integration_accounts
                             (id, provider, email, scopes, status, token_storage, connected_at,
                              created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, 'connected', ?5, ?6, ?6, ?6)",
                        params![
                            id,
                            connection.provider.as_str(),
                            email,
                            scopes,
                            connection.token_storage.as_str(),
                            now
                        ],
                    )?;
                    id
                }
            };
            load(transaction, &id)
        })
    }

    /// Marks the account disconnected with a reason the user can read. Disconnecting an account
    /// that already is keeps the first disconnect time and takes the new reason.
    pub fn mark_disconnected(&self, id: &str, reason: &str) -> Result<IntegrationAccount> {
        let reason = required_text("reason", reason)?;
        self.database.write(|transaction| {
            let now = now_utc();
            let changed = transaction.execute(
                "UPDATE integration_accounts
                 SET status = 'disconnected', status_reason = ?2,
                     disconnected_at = COALESCE(disconnected_at, ?3), updated_at = ?3
                 WHERE id = ?1",
                params![id, reason, now],
            )?;
            if changed == 0 {
                return Err(Error::not_found("integration account", id));
            }
            load(transaction, id)
        })
    }

    /// Records a finished sync: its time and summary; clears the last error.
    pub fn record_sync(&self, id: &str, summary: &str) -> Result<IntegrationAccount> {
        let summary = required_text("summary", summary)?;
        self.database.write(|transaction| {
            let now = now_utc();
            let changed = transaction.execute(
                "UPDATE integration_accounts
                 SET last_sync_at = ?2, last_sync_summary = ?3, last_error = NULL,
                     last_error_at = NULL, updated_at = ?2
                 WHERE id = ?1",
                params![id, now, summary],
            )?;
            if changed == 0 {
                return Err(Error::not_found("integration account", id));
            }
            load(transaction, id)
        })
    }

    /// Records a failed sync; the last successful sync stays as it was.
    pub fn record_error(&self, id: &str, message: &str) -> Result<IntegrationAccount> {
        let message = required_text("message", message)?;
        self.database.write(|transaction| {
            let now = now_utc();
            let changed = transaction.execute(
                "UPDATE integration_accounts
                 SET last_error = ?2, last_error_at = ?3, updated_at = ?3
                 WHERE id = ?1",
                params![id, message, now],
            )?;
            if changed == 0 {
                return Err(Error::not_found("integration account", id));
            }
            load(transaction, id)
        })
    }

    /// Every account, connected first, then by address.
    pub fn list(&self) -> Result<Vec<IntegrationAccount>> {
        self.database.read(|connection| {
            let mut statement = connection.prepare(&format!(
                "SELECT {COLUMNS} FROM integration_accounts
                 ORDER BY status = 'disconnected', provider, email COLLATE NOCASE, id"
            ))?;
            let accounts = statement
                .query_map([], from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            accounts.into_iter().collect()
        })
    }

    pub fn get(&self, id: &str) -> Result<IntegrationAccount> {
        self.database.read(|connection| load(connection, id))
    }

    /// The account of `provider` with this address, if any (addresses compare case-blind).
    pub fn find(
        &self,
        provider: IntegrationProvider,
        email: &str,
    ) -> Result<Option<IntegrationAccount>> {
        self.database.read(|connection| {
            connection
                .query_row(
                    &format!(
                        "SELECT {COLUMNS} FROM integration_accounts
                         WHERE provider = ?1 AND email = ?2 COLLATE NOCASE"
                    ),
                    params![provider.as_str(), email.trim()],
                    from_row,
                )
                .optional()?
                .transpose()
        })
    }
}

const COLUMNS: &str = "id, provider, email, scopes, status, status_reason, token_storage, \
     connected_at, disconnected_at, last_sync_at, last_sync_summary, last_error, last_error_at, \
     created_at, updated_at";

fn load(connection: &Connection, id: &str) -> Result<IntegrationAccount> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM integration_accounts WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::not_found("integration account", id))?
}

/// A row as an account; an unknown provider, status or storage (written by a newer build) is an
/// error rather than a guess.
fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<IntegrationAccount>> {
    let id: String = row.get(0)?;
    let provider: String = row.get(1)?;
    let scopes: String = row.get(3)?;
    let status: String = row.get(4)?;
    let token_storage: String = row.get(6)?;
    let unknown = |what: &str, value: &str| {
        Error::internal(format!(
            "integration account {id} has an unknown {what} '{value}'"
        ))
    };
    let Some(provider) = IntegrationProvider::parse(&provider) else {
        return Ok(Err(unknown("provider", &provider)));
    };
    let Some(status) = AccountStatus::parse(&status) else {
        return Ok(Err(unknown("status", &status)));
    };
    let Some(token_storage) = TokenStorage::parse(&token_storage) else {
        return Ok(Err(unknown("token storage", &token_storage)));
    };
    Ok(Ok(IntegrationAccount {
        provider,
        email: row.get(2)?,
        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        status,
        status_reason: row.get(5)?,
        token_storage,
        connected_at: row.get(7)?,
        disconnected_at: row.get(8)?,
        last_sync_at: row.get(9)?,
        last_sync_summary: row.get(10)?,
        last_error: row.get(11)?,
        last_error_at: row.get(12)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
        id,
    }))
}

fn validate_email(email: &str) -> Result<String> {
    let email = email.trim();
    if !email_address::EmailAddress::is_valid(email) {
        return Err(Error::invalid_field(
            "email",
            format!("'{email}' is not an email address"),
        ));
    }
    Ok(email.to_owned())
}

/// The scopes as one space-separated string; each must be a non-empty word without spaces.
fn validate_scopes(scopes: &[String]) -> Result<String> {
    let mut kept: Vec<&str> = Vec::with_capacity(scopes.len());
    for (index, scope) in scopes.iter().enumerate() {
        let scope = scope.trim();
        if scope.is_empty() || scope.contains(char::is_whitespace) {
            return Err(Error::invalid_field(
                format!("scopes[{index}]"),
                "must be one non-empty word",
            ));
        }
        if !kept.contains(&scope) {
            kept.push(scope);
        }
    }
    Ok(kept.join(" "))
}

fn required_text<'a>(field: &str, text: &'a str) -> Result<&'a str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid_field(field, "must not be empty"));
    }
    Ok(text)
}

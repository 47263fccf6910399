//! Secrets (OAuth tokens, API keys): in the OS keyring when one answers, otherwise in encrypted
//! files in the data directory — and the user is told plainly which one holds them.
//!
//! [`SecretStore::open`] probes the keyring and falls back to [`EncryptedFileStore`] when it does
//! not answer (a headless Linux session without Secret Service is the usual case). Callers
//! record which backend holds each secret ([`SecretStore::backend`]) and open that backend again
//! with [`SecretStore::with_backend`] to read it, so a keyring that appears later does not hide
//! secrets stored in the file before. Secrets are [`SecretString`]s: their `Debug` is redacted
//! and their memory is wiped on drop.

mod database_keys;
mod encrypted_file;
mod keyed_settings;
mod keyring_backend;
mod remembered;

use std::path::Path;

use omnicrm_core::{Error, Result};
pub use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub use database_keys::{DatabaseKeyStore, KeyLocation, FOLDER_ID_FILE, KEY_DIR_ENV};
pub use encrypted_file::{EncryptedFileStore, SecretLookup, KEY_FILE_NAME, SECRETS_DIR_NAME};
pub use keyed_settings::{KeyedSettings, KeyedSettingsStore};
pub use keyring_backend::{load, probe, remove, store, KeyringStatus, SERVICE};
pub use remembered::RememberedSecret;

/// The environment variable that overrides the automatic choice: `keyring`, `encrypted_file`
/// or `auto` (the default).
pub const STORAGE_ENV: &str = "OMNICRM_SECRET_STORAGE";

/// What the user is told when secrets go to the encrypted file.
pub const ENCRYPTED_FILE_NOTICE: &str =
    "Tokens are stored in an encrypted file because no system keyring is available";

/// Where secrets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SecretBackend {
    /// The OS keyring.
    Keyring,
    /// Encrypted files in the data directory (see [`EncryptedFileStore`] for the threat model).
    EncryptedFile,
}

impl SecretBackend {
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

/// How the backend is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoragePreference {
    /// The keyring if it answers, else the encrypted file.
    Automatic,
    /// This backend, whether or not the keyring answers.
    Only(SecretBackend),
}

impl StoragePreference {
    /// Reads [`STORAGE_ENV`]; unset or empty is automatic.
    pub fn from_env() -> Result<Self> {
        match std::env::var(STORAGE_ENV) {
            Err(_) => Ok(Self::Automatic),
            Ok(text) => match text.trim() {
                "" | "auto" => Ok(Self::Automatic),
                other => SecretBackend::parse(other).map(Self::Only).ok_or_else(|| {
                    Error::invalid_field(
                        STORAGE_ENV,
                        format!("'{other}' is not one of keyring, encrypted_file, auto"),
                    )
                }),
            },
        }
    }
}

/// Which backend is in use and why, for the UI and the CLI to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SecretStorageStatus {
    pub backend: SecretBackend,
    /// What the user should know, in plain words ([`ENCRYPTED_FILE_NOTICE`] for the fallback).
    pub notice: Option<String>,
    /// What the keyring answered, when it was asked.
    pub keyring: Option<KeyringStatus>,
}

/// Stores, reads and removes secrets in one backend.
#[derive(Debug, Clone)]
pub struct SecretStore {
    backend: Backend,
    status: SecretStorageStatus,
}

#[derive(Debug, Clone)]
enum Backend {
    Keyring,
    EncryptedFile(EncryptedFileStore),
}

impl SecretStore {
    /// The backend new secrets should go to: [`STORAGE_ENV`] if set, else the keyring when it
    /// answers a probe, else the encrypted file in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let preference = StoragePreference::from_env()?;
        let keyring = match preference {
            StoragePreference::Automatic => Some(probe()),
            StoragePreference::Only(_) => None,
        };
        Ok(Self::choose(preference, keyring, data_dir))
    }

    /// The choice [`SecretStore::open`] makes, given what the keyring answered (`None` when it
    /// was not asked).
    pub fn choose(
        preference: StoragePreference,
        keyring: Option<KeyringStatus>,
        data_dir: &Path,
    ) -> Self {
        let backend = match (preference, &keyring) {
            (StoragePreference::Only(backend), _) => backend,
            (StoragePreference::Automatic, Some(KeyringStatus::Available)) => {
                SecretBackend::Keyring
            }
            (StoragePreference::Automatic, _) => SecretBackend::EncryptedFile,
        };
        if backend == SecretBackend::EncryptedFile {
            if let Some(KeyringStatus::Unavailable { reason }) = &keyring {
                tracing::warn!(%reason, "no system keyring; secrets go to an encrypted file");
            }
        }
        let mut store = Self::with_backend(backend, data_dir);
        store.status.keyring = keyring;
        store
    }

    /// The given backend, to read or remove a secret stored there before.
    pub fn with_backend(backend: SecretBackend, data_dir: &Path) -> Self {
        let (inner, notice) = match backend {
            SecretBackend::Keyring => (Backend::Keyring, None),
            SecretBackend::EncryptedFile => (
                Backend::EncryptedFile(EncryptedFileStore::new(data_dir)),
                Some(ENCRYPTED_FILE_NOTICE.to_owned()),
            ),
        };
        Self {
            backend: inner,
            status: SecretStorageStatus {
                backend,
                notice,
                keyring: None,
            },
        }
    }

    pub fn backend(&self) -> SecretBackend {
        self.status.backend
    }

    pub fn status(&self) -> &SecretStorageStatus {
        &self.status
    }

    /// Stores `secret` under `account`, replacing any earlier value.
    pub fn store(&self, account: &str, secret: &SecretString) -> Result<()> {
        match &self.backend {
            Backend::Keyring => keyring_backend::store_secret(account, secret),
            Backend::EncryptedFile(files) => files.store(account, secret),
        }
    }

    /// Reads `account`'s secret.
    pub fn load(&self, account: &str) -> Result<SecretLookup> {
        match &self.backend {
            Backend::Keyring => Ok(match keyring_backend::load_secret(account)? {
                Some(secret) => SecretLookup::Found(secret),
                None => SecretLookup::Missing,
            }),
            Backend::EncryptedFile(files) => files.load(account),
        }
    }

    /// Removes `account`'s secret; removing a missing secret is not an error.
    pub fn remove(&self, account: &str) -> Result<()> {
        match &self.backend {
            Backend::Keyring => keyring_backend::remove(account),
            Backend::EncryptedFile(files) => files.remove(account),
        }
    }
}

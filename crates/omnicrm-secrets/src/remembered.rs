//! A secret whose backend its owner remembers beside its other settings (the AI provider's key,
//! the embeddings endpoint's key): stored where new secrets go, then read and removed where it
//! was stored, even if the keyring became available or went away since.

use std::path::Path;

use omnicrm_core::{Error, Result};
use secrecy::{ExposeSecret, SecretString};

use crate::{SecretBackend, SecretLookup, SecretStore};

/// One account's secret in the data directory's secret stores.
#[derive(Debug, Clone, Copy)]
pub struct RememberedSecret<'a> {
    pub account: &'a str,
    pub data_dir: &'a Path,
}

impl RememberedSecret<'_> {
    /// Stores `secret` where new secrets go and returns that backend, for the owner to
    /// remember. A blank secret is refused, naming `field`.
    pub fn store(&self, secret: &SecretString, field: &str) -> Result<SecretBackend> {
        if secret.expose_secret().trim().is_empty() {
            return Err(Error::invalid_field(field, "is empty"));
        }
        let store = SecretStore::open(self.data_dir)?;
        store.store(self.account, secret)?;
        Ok(store.backend())
    }

    /// The secret stored in `backend`; `None` when nothing is stored, or when it cannot be
    /// read (logged: the owner then behaves as if no secret was set).
    pub fn load(&self, backend: Option<SecretBackend>) -> Result<Option<SecretString>> {
        let Some(backend) = backend else {
            return Ok(None);
        };
        match SecretStore::with_backend(backend, self.data_dir).load(self.account)? {
            SecretLookup::Found(secret) => Ok(Some(secret)),
            SecretLookup::Missing => Ok(None),
            SecretLookup::Unreadable { reason } => {
                tracing::warn!(account = self.account, %reason, "a stored secret cannot be read");
                Ok(None)
            }
        }
    }

    /// Removes the secret from `backend`; nothing stored is nothing to do.
    pub fn remove(&self, backend: Option<SecretBackend>) -> Result<()> {
        match backend {
            Some(backend) => SecretStore::with_backend(backend, self.data_dir).remove(self.account),
            None => Ok(()),
        }
    }
}

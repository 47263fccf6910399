//! The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
//! Every entry lives under the service name [`SERVICE`].

use omnicrm_core::{Error, ErrorCode, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// The keyring service name of every OmniCRM secret.
pub const SERVICE: &str = "app.omnicrm.desktop";
const PROBE_ACCOUNT: &str = "omnicrm-keyring-probe";

/// Whether the OS keyring can be used right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeyringStatus {
    Available,
    Unavailable { reason: String },
}

/// Asks the keyring for an entry that does not exist: "no entry" means it answers.
pub fn probe() -> KeyringStatus {
    match entry(PROBE_ACCOUNT).and_then(|entry| read(&entry)) {
        Ok(_) => KeyringStatus::Available,
        Err(error) => KeyringStatus::Unavailable {
            reason: error.message,
        },
    }
}

/// Stores `secret` under `account`, replacing any earlier value.
pub fn store(account: &str, secret: &str) -> Result<()> {
    entry(account)?
        .set_password(secret)
        .map_err(|error| keyring_error("store", &error))
}

/// The secret under `account`, if any.
pub fn load(account: &str) -> Result<Option<String>> {
    read(&entry(account)?)
}

/// Removes the secret under `account`; removing a missing secret is not an error.
pub fn remove(account: &str) -> Result<()> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(keyring_error("remove", &error)),
    }
}

pub(crate) fn store_secret(account: &str, secret: &SecretString) -> Result<()> {
    store(account, secret.expose_secret())
}

pub(crate) fn load_secret(account: &str) -> Result<Option<SecretString>> {
    Ok(load(account)?.map(SecretString::from))
}

fn entry(account: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, account).map_err(|error| keyring_error("open", &error))
}

fn read(entry: &keyring::Entry) -> Result<Option<String>> {
    match entry.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(keyring_error("read", &error)),
    }
}

fn keyring_error(action: &str, error: &keyring::Error) -> Error {
    Error::new(
        ErrorCode::Io,
        format!("could not {action} a secret in the OS keyring: {error}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever this machine offers, the probe and real use must agree.
    #[test]
    fn the_probe_agrees_with_a_real_round_trip() {
        let account = format!("omnicrm-test-{}", std::process::id());
        match probe() {
            KeyringStatus::Available => {
                store(&account, "s3cret").unwrap();
                assert_eq!(load(&account).unwrap().as_deref(), Some("s3cret"));
                remove(&account).unwrap();
                assert_eq!(load(&account).unwrap(), None);
            }
            KeyringStatus::Unavailable { reason } => {
                assert!(!reason.is_empty());
                assert!(store(&account, "s3cret").is_err());
            }
        }
    }
}

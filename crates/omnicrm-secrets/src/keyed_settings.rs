//! Settings kept as JSON in the database whose API key lives in the secret store, with the
//! backend that holds the key remembered in the settings: the AI provider's and the remote
//! embedder's. One store for both, so the key handling is written once.

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use omnicrm_core::{Database, Result};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{RememberedSecret, SecretBackend, SecretString};

/// Settings with an API key kept apart from them (see the module docs).
pub trait KeyedSettings: Serialize + DeserializeOwned + Default + Clone {
    /// The secret store account of the API key.
    const KEY_ACCOUNT: &'static str;

    /// The stored JSON, if the settings were ever saved.
    fn read_json(connection: &Connection) -> Result<Option<String>>;
    fn write_json(connection: &Connection, json: &str) -> Result<()>;
    /// Refuses settings that cannot work, naming each field.
    fn validate(&self) -> Result<()>;
    /// Tidies the settings as they are saved (trimmed text, say).
    fn tidy(&mut self) {}
    fn api_key_backend(&self) -> Option<SecretBackend>;
    fn set_api_key_backend(&mut self, backend: Option<SecretBackend>);
}

/// Reads and writes settings `S` and their API key.
#[derive(Debug, Clone)]
pub struct KeyedSettingsStore<S> {
    database: Database,
    data_dir: PathBuf,
    settings: PhantomData<fn() -> S>,
}

impl<S: KeyedSettings> KeyedSettingsStore<S> {
    pub fn new(database: Database, data_dir: &Path) -> Self {
        Self {
            database,
            data_dir: data_dir.to_path_buf(),
            settings: PhantomData,
        }
    }

    /// The stored settings, or the defaults when none were saved.
    pub fn load(&self) -> Result<S> {
        self.database.read(load::<S>)
    }

    /// Validates, tidies and saves the settings. Where the key is stored is kept as it was.
    pub fn save(&self, settings: &S) -> Result<S> {
        settings.validate()?;
        self.database.write(|transaction| {
            let mut settings = settings.clone();
            settings.tidy();
            settings.set_api_key_backend(load::<S>(transaction)?.api_key_backend());
            write(transaction, &settings)?;
            Ok(settings)
        })
    }

    /// Stores the API key in the secret store and remembers where.
    pub fn set_api_key(&self, key: &SecretString) -> Result<()> {
        let backend = self.secret().store(key, "api_key")?;
        self.database.write(|transaction| {
            let mut settings = load::<S>(transaction)?;
            settings.set_api_key_backend(Some(backend));
            write(transaction, &settings)
        })
    }

    /// Removes the API key.
    pub fn clear_api_key(&self) -> Result<()> {
        self.secret().remove(self.load()?.api_key_backend())?;
        self.database.write(|transaction| {
            let mut settings = load::<S>(transaction)?;
            settings.set_api_key_backend(None);
            write(transaction, &settings)
        })
    }

    /// The API key, if one was stored and can be read.
    pub fn api_key(&self, settings: &S) -> Result<Option<SecretString>> {
        self.secret().load(settings.api_key_backend())
    }

    fn secret(&self) -> RememberedSecret<'_> {
        RememberedSecret {
            account: S::KEY_ACCOUNT,
            data_dir: &self.data_dir,
        }
    }
}

fn load<S: KeyedSettings>(connection: &Connection) -> Result<S> {
    match S::read_json(connection)? {
        Some(json) => Ok(serde_json::from_str(&json)?),
        None => Ok(S::default()),
    }
}

fn write<S: KeyedSettings>(connection: &Connection, settings: &S) -> Result<()> {
    S::write_json(connection, &serde_json::to_string(settings)?)
}

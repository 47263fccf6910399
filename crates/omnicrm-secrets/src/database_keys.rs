//! Where each data folder's database key is kept: never in the data folder itself, so a copy
//! of the folder (or of a backup on a synced drive) cannot be read.
//!
//! - In the OS keyring, under the account `database-key:<folder id>`, when the keyring answers.
//! - Otherwise in a key file in the user's configuration folder (`~/.config/omnicrm/keys/` on
//!   Linux), mode 0600, and the user is told plainly: anyone who can read the user's files can
//!   read it, but a copy of the data folder alone reveals nothing.
//! - `OMNICRM_KEY_DIR` names another folder for the key files and always uses them (tests,
//!   portable installs).
//!
//! The folder id is a random id in `<data_dir>/folder-id`. It is not secret: it only names the
//! key, so two data folders on one computer have two keys, and a folder copied to another
//! computer finds no key there (its recovery key opens it).

use std::io::Write;
use std::path::{Path, PathBuf};

use omnicrm_core::encryption::DatabaseKey;
use omnicrm_core::{Error, Result};
use serde::Serialize;

use crate::{keyring_backend, KeyringStatus, SecretBackend, StoragePreference};

/// The environment variable that puts key files in this folder instead of the keyring.
pub const KEY_DIR_ENV: &str = "OMNICRM_KEY_DIR";
/// The file in the data folder that names its key.
pub const FOLDER_ID_FILE: &str = "folder-id";
const KEY_ACCOUNT_PREFIX: &str = "database-key:";
const KEY_FILE_EXTENSION: &str = "key";

/// Where a data folder's key is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeyLocation {
    /// The OS keyring.
    Keyring,
    /// A key file outside the data folder.
    KeyFile { path: String },
}

impl KeyLocation {
    /// Where the key is, in plain words for the user.
    pub fn describe(&self) -> String {
        match self {
            Self::Keyring => "the system keyring".to_owned(),
            Self::KeyFile { .. } => "a key file in your user folder (there is no system keyring: \
                 anyone who can read your files can read it, but a copy of the data folder \
                 alone cannot be read)"
                .to_owned(),
        }
    }
}

/// The key store of one data folder.
#[derive(Debug, Clone)]
pub struct DatabaseKeyStore {
    folder_id: String,
    /// The key file's folder; the keyring is not used when `only_files` is set.
    key_dir: Option<PathBuf>,
    only_files: bool,
    keyring_answers: bool,
}

impl DatabaseKeyStore {
    /// The key store of `data_dir`, reading its folder id (or making one when `create` is set
    /// and there is none). `None` when the folder has no id and `create` is not set.
    pub fn for_folder(data_dir: &Path, create: bool) -> Result<Option<Self>> {
        let Some(folder_id) = read_or_make_folder_id(data_dir, create)? else {
            return Ok(None);
        };
        let from_env = std::env::var_os(KEY_DIR_ENV)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from);
        let preference = StoragePreference::from_env()?;
        let only_files = from_env.is_some()
            || preference == StoragePreference::Only(SecretBackend::EncryptedFile);
        let keyring_answers =
            !only_files && matches!(keyring_backend::probe(), KeyringStatus::Available);
        let key_dir = from_env.or_else(default_key_dir);
        Ok(Some(Self {
            folder_id,
            key_dir,
            only_files,
            keyring_answers,
        }))
    }

    pub fn folder_id(&self) -> &str {
        &self.folder_id
    }

    /// The folder's key and where it was found, if it has one here.
    pub fn load(&self) -> Result<Option<(DatabaseKey, KeyLocation)>> {
        if self.keyring_answers {
            if let Some(hex) = keyring_backend::load(&self.account())? {
                return Ok(Some((DatabaseKey::from_hex(&hex)?, KeyLocation::Keyring)));
            }
        }
        let Some(path) = self.key_file() else {
            return Ok(None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some((
                DatabaseKey::from_hex(text.trim()).map_err(|_| {
                    Error::new(
                        omnicrm_core::ErrorCode::EncryptionKeyWrong,
                        "the data folder's key file is damaged; open the folder with its \
                         recovery key",
                    )
                })?,
                KeyLocation::KeyFile {
                    path: path.display().to_string(),
                },
            ))),
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::io("could not read the database key file", &source)),
        }
    }

    /// Keeps `key` as the folder's key (replacing any kept before): in the keyring when it
    /// answers, else in the key file. The key file is written whole and renamed into place.
    pub fn store(&self, key: &DatabaseKey) -> Result<KeyLocation> {
        if self.keyring_answers && !self.only_files {
            keyring_backend::store(&self.account(), &key.to_hex())?;
            return Ok(KeyLocation::Keyring);
        }
        let path = self.key_file().ok_or_else(|| {
            Error::internal(format!(
                "there is no system keyring and no folder for key files; set {KEY_DIR_ENV}"
            ))
        })?;
        write_key_file(&path, key)?;
        Ok(KeyLocation::KeyFile {
            path: path.display().to_string(),
        })
    }

    /// Forgets the folder's key wherever it is kept.
    pub fn remove(&self) -> Result<()> {
        if self.keyring_answers {
            keyring_backend::remove(&self.account())?;
        }
        if let Some(path) = self.key_file() {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(source) if source.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::io("could not remove the key file", &source)),
            }
        }
        Ok(())
    }

    fn account(&self) -> String {
        format!("{KEY_ACCOUNT_PREFIX}{}", self.folder_id)
    }

    fn key_file(&self) -> Option<PathBuf> {
        self.key_dir
            .as_ref()
            .map(|folder| folder.join(format!("{}.{KEY_FILE_EXTENSION}", self.folder_id)))
    }
}

/// `~/.config/omnicrm/keys` on Linux (the OS's configuration folder elsewhere).
fn default_key_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("app", "OmniCRM", "OmniCRM")
        .map(|folders| folders.config_dir().join("keys"))
}

fn read_or_make_folder_id(data_dir: &Path, create: bool) -> Result<Option<String>> {
    let path = data_dir.join(FOLDER_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let id = text.trim();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|character| character.is_ascii_hexdigit() || character == '-')
            {
                return Err(Error::new(
                    omnicrm_core::ErrorCode::Io,
                    "the data folder's folder-id file is damaged",
                ));
            }
            return Ok(Some(id.to_owned()));
        }
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(Error::io("could not read the data folder's id", &source)),
    }
    if !create {
        return Ok(None);
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|source| Error::io("could not create the data directory", &source))?;
    let id = uuid::Uuid::now_v7().to_string();
    write_whole(&path, id.as_bytes(), false)
        .map_err(|source| Error::io("could not write the data folder's id", &source))?;
    Ok(Some(id))
}

fn write_key_file(path: &Path, key: &DatabaseKey) -> Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .map_err(|source| Error::io("could not create the key folder", &source))?;
        restrict(folder, 0o700);
    }
    write_whole(path, key.to_hex().as_bytes(), true)
        .map_err(|source| Error::io("could not write the database key file", &source))
}

/// Writes `bytes` to a temporary name, flushes it and renames it over `path`.
fn write_whole(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    {
        let mut file = std::fs::File::create(&partial)?;
        if private {
            restrict(&partial, 0o600);
        }
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(%error, "could not restrict a key file's permissions");
    }
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) {}

//! Opening a data folder encrypted at rest, for the app and the CLI alike.
//!
//! - A new data folder is created encrypted under a random key, kept where
//!   [`DatabaseKeyStore`] keeps it (the OS keyring, or a key file outside the data folder).
//! - A plain data folder from an earlier version is encrypted in place the first time it is
//!   opened ([`omnicrm_core::encryption::encrypt_database_in_place`]: copy, check every table,
//!   then swap), and so are its backups. When another window or command has it open, it opens
//!   plain this time and the next start tries again.
//! - An encrypted folder opens with the key kept for it; a folder copied from another computer
//!   has none here, and is opened with its recovery key ([`adopt_recovery_key`]).
//!
//! `OMNICRM_ENCRYPTION=off` opens and creates plain folders (benchmarks measure the cost of
//! encryption with it); it never decrypts an encrypted one.

use std::io::Write;
use std::path::Path;

use omnicrm_core::encryption::{self, DatabaseKey, FileState};
use omnicrm_core::store::DATABASE_FILE_NAME;
use omnicrm_core::{Core, Error, ErrorCode, Result};
use omnicrm_secrets::{DatabaseKeyStore, KeyLocation};
use serde::Serialize;

/// The environment variable that turns encryption off for new and plain folders.
pub const ENCRYPTION_ENV: &str = "OMNICRM_ENCRYPTION";

/// Where a data folder stands on encryption, for `omnicrm encryption status`, `doctor` and
/// Settings → Privacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EncryptionStatus {
    /// Whether the database (and so its WAL and backups) is encrypted.
    pub encrypted: bool,
    /// Where its key is kept; `None` for a plain folder.
    pub key_location: Option<KeyLocation>,
    /// The same, in plain words.
    pub summary: String,
    /// Backups still in plain SQLite (made before encryption, or by a plain folder).
    pub plain_backups: u32,
}

/// Opens the core of `data_dir`, creating, encrypting or unlocking it as described above.
pub fn open_core(data_dir: &Path) -> Result<Core> {
    let path = data_dir.join(DATABASE_FILE_NAME);
    let wanted = encryption_wanted()?;
    match encryption::file_state(&path)? {
        FileState::Encrypted => {
            let key = stored_key(data_dir)?.ok_or_else(encryption::key_missing)?;
            let core = Core::open_with_key(data_dir, Some(key))?;
            // Backups still plain: encryption was cut short after the database, or a plain
            // backup was put in the folder by hand.
            match core.backups.encrypt_plain_backups() {
                Ok(0) => {}
                Ok(encrypted) => tracing::info!(encrypted, "plain backups encrypted"),
                Err(error) => {
                    tracing::warn!(message = %error.message, "plain backups stay as they are")
                }
            }
            Ok(core)
        }
        FileState::Missing if wanted => {
            let key = key_for_new_encryption(data_dir)?;
            Core::open_with_key(data_dir, Some(key))
        }
        FileState::Plain if wanted => match encrypt_folder(data_dir) {
            Ok(key) => Core::open_with_key(data_dir, Some(key)),
            Err(error) if error.code == ErrorCode::Conflict => {
                tracing::warn!(
                    message = %error.message,
                    "the data folder stays plain until the next start"
                );
                Core::open(data_dir)
            }
            Err(error) => Err(error),
        },
        FileState::Missing | FileState::Plain => Core::open(data_dir),
    }
}

/// Encrypts the plain database of `data_dir` in place (and then its backups), under the key
/// kept for the folder or a new one; returns the key. Refused with `conflict` while another
/// window or command has the folder open.
pub fn encrypt_folder(data_dir: &Path) -> Result<DatabaseKey> {
    let path = data_dir.join(DATABASE_FILE_NAME);
    if encryption::file_state(&path)? != FileState::Plain {
        return Err(Error::conflict("the data folder is already encrypted"));
    }
    // The key is kept before the file changes: a crash after the swap finds it.
    let key = key_for_new_encryption(data_dir)?;
    let check = encryption::encrypt_database_in_place(&path, &key)?;
    tracing::info!(
        tables = check.tables,
        rows = check.rows,
        "the database is now encrypted"
    );
    let core = Core::open_with_key(data_dir, Some(key.clone()))?;
    let backups = core.backups.encrypt_plain_backups()?;
    tracing::info!(backups, "plain backups encrypted");
    Ok(key)
}

/// Gives the folder a new key: the database and every backup are re-keyed, and the new key
/// replaces the old one where it is kept. The old recovery key no longer opens anything.
pub fn rotate_key(data_dir: &Path) -> Result<DatabaseKey> {
    let path = data_dir.join(DATABASE_FILE_NAME);
    let not_encrypted = || Error::conflict("the data folder is not encrypted; nothing to rotate");
    let store = key_store(data_dir, false)?.ok_or_else(not_encrypted)?;
    let (old, _) = store.load()?.ok_or_else(not_encrypted)?;
    let new = DatabaseKey::generate();
    encryption::rekey_database(&path, &old, &new)?;
    // From here the database only opens with the new key: keep it before anything else.
    store.store(&new)?;
    let core = Core::open_with_key(data_dir, Some(new.clone()))?;
    core.backups.rekey_backups(&old, &new)?;
    Ok(new)
}

/// Opens an encrypted data folder copied from another computer with its recovery key, and
/// keeps the key here so it opens by itself from now on. A wrong key is
/// `encryption_key_wrong` and keeps nothing.
pub fn adopt_recovery_key(data_dir: &Path, recovery_key: &str) -> Result<()> {
    let key = DatabaseKey::from_recovery_key(recovery_key)?;
    let path = data_dir.join(DATABASE_FILE_NAME);
    if encryption::file_state(&path)? != FileState::Encrypted {
        return Err(Error::conflict("the data folder is not encrypted"));
    }
    // Checks the key before keeping it.
    drop(Core::open_with_key(data_dir, Some(key.clone()))?);
    key_store(data_dir, true)?
        .ok_or_else(|| Error::internal("the folder has no id"))?
        .store(&key)?;
    Ok(())
}

/// Starts a new data folder from an encrypted backup made on another computer, opened with
/// the recovery key shown there: the backup is checked with the key (integrity, an OmniCRM
/// database), copied in as the database, and the key is kept here. Refused when the folder
/// already has a database, and a wrong key keeps nothing.
pub fn restore_backup_with_recovery_key(
    data_dir: &Path,
    backup: &Path,
    recovery_key: &str,
) -> Result<()> {
    let key = DatabaseKey::from_recovery_key(recovery_key)?;
    let path = data_dir.join(DATABASE_FILE_NAME);
    if encryption::file_state(&path)? != FileState::Missing {
        return Err(Error::conflict(
            "this data folder already has a database; restore into a new, empty data folder",
        ));
    }
    if encryption::file_state(backup)? != FileState::Encrypted {
        return Err(Error::invalid_field(
            "backup",
            "is not an encrypted OmniCRM backup (a plain backup is restored with omnicrm backup \
             restore)",
        ));
    }
    encryption::check_file(backup, &key)?;
    std::fs::create_dir_all(data_dir)
        .map_err(|source| Error::io("could not create the data directory", &source))?;
    let partial = data_dir.join(format!("{DATABASE_FILE_NAME}.restoring"));
    std::fs::copy(backup, &partial)
        .map_err(|source| Error::io("could not copy the backup into the data folder", &source))?;
    key_store(data_dir, true)?
        .ok_or_else(|| Error::internal("the folder has no id"))?
        .store(&key)?;
    std::fs::rename(&partial, &path)
        .map_err(|source| Error::io("could not put the restored database in place", &source))?;
    // Opening applies any migration the backup's version lacks.
    drop(Core::open_with_key(data_dir, Some(key))?);
    Ok(())
}

/// The folder's recovery key (its key, written for people), when the folder is encrypted and
/// its key is here.
pub fn recovery_key(data_dir: &Path) -> Result<String> {
    let key = stored_key(data_dir)?.ok_or_else(|| {
        Error::conflict("the data folder is not encrypted; it has no recovery key")
    })?;
    Ok(key.recovery_key().to_string())
}

/// Writes `recovery_key` to `path`, a new file only the user can read (mode 0600 on Unix); an
/// existing file is never replaced. Failures name `field`, the caller's name for the path (the
/// CLI's `output`, the app's `path`), so the message shows next to what the user typed.
pub fn write_recovery_key_file(path: &Path, recovery_key: &str, field: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| {
        let error = Error::io("could not write the recovery key file", &source);
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            error.with_field(field, "already exists; choose a new file name")
        } else {
            error.with_field(field, "could not be written")
        }
    })?;
    file.write_all(format!("{recovery_key}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| Error::io("could not write the recovery key file", &source))
}

/// Where the folder stands (see [`EncryptionStatus`]).
pub fn status(core: &Core) -> Result<EncryptionStatus> {
    let plain_backups = core
        .backups
        .list()?
        .iter()
        .filter(|backup| {
            encryption::file_state(&core.backups.backup_dir().join(&backup.file_name))
                .is_ok_and(|state| state == FileState::Plain)
        })
        .count();
    let plain_backups = u32::try_from(plain_backups).unwrap_or(u32::MAX);
    if !core.database.is_encrypted() {
        return Ok(EncryptionStatus {
            encrypted: false,
            key_location: None,
            summary: "Not encrypted: anyone who copies the data folder can read it.".to_owned(),
            plain_backups,
        });
    }
    let location = key_store(&core.data_dir, false)?
        .map(|store| store.load())
        .transpose()?
        .flatten()
        .map(|(_, location)| location);
    let summary = match &location {
        Some(location) => format!("Encrypted. The key is kept in {}.", location.describe()),
        None => "Encrypted.".to_owned(),
    };
    Ok(EncryptionStatus {
        encrypted: true,
        key_location: location,
        summary,
        plain_backups,
    })
}

fn encryption_wanted() -> Result<bool> {
    match std::env::var(ENCRYPTION_ENV) {
        Err(_) => Ok(true),
        Ok(value) => match value.trim() {
            "" | "on" => Ok(true),
            "off" => Ok(false),
            _ => Err(Error::invalid_field(ENCRYPTION_ENV, "must be on or off")),
        },
    }
}

fn key_store(data_dir: &Path, create: bool) -> Result<Option<DatabaseKeyStore>> {
    DatabaseKeyStore::for_folder(data_dir, create)
}

/// The key kept on this computer for the data folder, if any.
pub fn stored_key(data_dir: &Path) -> Result<Option<DatabaseKey>> {
    Ok(key_store(data_dir, false)?
        .map(|store| store.load())
        .transpose()?
        .flatten()
        .map(|(key, _)| key))
}

/// The key kept for the folder (an earlier try that did not finish made one), or a new one,
/// kept before it is used.
fn key_for_new_encryption(data_dir: &Path) -> Result<DatabaseKey> {
    let store =
        key_store(data_dir, true)?.ok_or_else(|| Error::internal("the folder has no id"))?;
    if let Some((key, _)) = store.load()? {
        return Ok(key);
    }
    let key = DatabaseKey::generate();
    store.store(&key)?;
    Ok(key)
}

//! Backups of the local database, and restoring one.
//!
//! Backups live in `<data_dir>/backups/` as `omnicrm-<UTC yyyyMMddTHHmmssSSSZ>-<reason>.sqlite3`.
//! They are made with SQLite's online backup API from a read snapshot of the live database, so a
//! backup is consistent while the app keeps writing. Each is written under a `.partial` name and
//! renamed when complete, so an interrupted backup never looks like a whole one.
//!
//! Restoring checks the chosen backup first (integrity check, schema version, read-only) and
//! changes nothing if it fails. Then, holding the writer, it saves the current database as a
//! `before_restore` backup, copies the backup into the live database through the backup API and
//! runs migrations on the result. Open handles see the restored data at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::encryption::{self, DatabaseKey};
use crate::error::{Error, ErrorCode, Result};
use crate::migrations;
use crate::store::Database;
use crate::time::format_utc;

/// The folder inside the data directory that holds backups.
pub const BACKUP_DIR_NAME: &str = "backups";
/// How often a scheduled backup is due.
pub const DEFAULT_INTERVAL: chrono::Duration = chrono::Duration::hours(24);
/// How many scheduled backups are kept; older ones are pruned. Manual and before-restore
/// backups are never pruned.
pub const DEFAULT_KEEP: usize = 7;

const FILE_PREFIX: &str = "omnicrm-";
const FILE_EXTENSION: &str = ".sqlite3";
const PARTIAL_SUFFIX: &str = ".partial";
const STAMP_FORMAT: &str = "%Y%m%dT%H%M%S%3fZ";
/// Pages copied per backup step (64 pages of 4 KiB = 256 KiB).
const PAGES_PER_STEP: i32 = 64;
/// How long a step may keep finding the destination busy before the copy gives up.
const BUSY_RETRY_PAUSE: Duration = Duration::from_millis(10);
const MAX_BUSY_RETRIES: u32 = 1_000;

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum BackupReason {
    /// Asked for by the user.
    Manual,
    /// Made by the schedule; only these are pruned.
    Scheduled,
    /// The database as it was just before a restore replaced it.
    BeforeRestore,
}

impl BackupReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scheduled => "scheduled",
            Self::BeforeRestore => "before_restore",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "manual" => Some(Self::Manual),
            "scheduled" => Some(Self::Scheduled),
            "before_restore" => Some(Self::BeforeRestore),
            _ => None,
        }
    }
}

/// One backup file and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BackupInfo {
    /// The file name inside the backups folder; pass it to `restore`.
    pub file_name: String,
    /// When the backup was made, RFC 3339 UTC with milliseconds.
    pub created_at: String,
    pub reason: BackupReason,
    /// The file size in bytes (a float, because the UI boundary has no 64-bit integers).
    pub size_bytes: f64,
    /// The schema version inside the backup; `None` when the file could not be read.
    pub schema_version: Option<i32>,
    /// Contacts (not deleted) inside the backup; `None` when the file could not be read.
    pub contact_count: Option<i32>,
    /// Why the file could not be read, when it could not.
    pub error: Option<String>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RestoreOutcome {
    /// The backup that is now the live database.
    pub restored_from: String,
    /// The backup of the database as it was before the restore.
    pub previous_saved_as: String,
}

/// Creates, lists, prunes and restores backups of one database.
#[derive(Debug, Clone)]
pub struct BackupService {
    database: Database,
    backup_dir: PathBuf,
}

impl BackupService {
    /// Backups of `database` kept in `<data_dir>/backups/`.
    pub fn new(database: Database, data_dir: &Path) -> Self {
        Self {
            database,
            backup_dir: data_dir.join(BACKUP_DIR_NAME),
        }
    }

    /// The folder that holds the backups.
    pub fn backup_dir(&self) -> &Path {
        &self.backup_dir
    }

    /// Backs up the live database.
    pub fn create(&self, reason: BackupReason) -> Result<BackupInfo> {
        self.create_with_progress(reason, &mut |_, _| {})
    }

    /// Backs up the live database, reporting `(done_pages, total_pages)` after each step.
    pub fn create_with_progress(
        &self,
        reason: BackupReason,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<BackupInfo> {
        let path = self.write_backup(reason, progress)?;
        let file_name = file_name_of(&path)?;
        let info = read_info(&path, &file_name, self.database.key())
            .ok_or_else(|| Error::internal(format!("the new backup {file_name} has no name")))?;
        tracing::info!(file_name = %info.file_name, reason = reason.as_str(), "created backup");
        Ok(info)
    }

    /// Every backup, newest first. A file that cannot be read is listed with `error` set.
    pub fn list(&self) -> Result<Vec<BackupInfo>> {
        let entries = match std::fs::read_dir(&self.backup_dir) {
            Ok(entries) => entries,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(Error::io("could not read the backups folder", &source));
            }
        };
        let mut backups = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|source| Error::io("could not read the backups folder", &source))?;
            let Some(file_name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if let Some(info) = read_info(&entry.path(), &file_name, self.database.key()) {
                backups.push(info);
            }
        }
        backups.sort_by(|left, right| {
            right
                .created_at
                .cmp(&left.created_at)
                .then_with(|| right.file_name.cmp(&left.file_name))
        });
        Ok(backups)
    }

    /// Replaces the live database with the backup `file_name` (a name from [`Self::list`]).
    ///
    /// The backup is checked first; a damaged backup or one from a newer OmniCRM is refused and
    /// nothing changes. The current database is saved as a `before_restore` backup first.
    pub fn restore(&self, file_name: &str) -> Result<RestoreOutcome> {
        validate_file_name(file_name)?;
        let listed = self
            .list()?
            .into_iter()
            .any(|backup| backup.file_name == file_name);
        if !listed {
            return Err(Error::not_found("backup", file_name));
        }
        let path = self.backup_dir.join(file_name);
        let source = open_checked_backup(&path, file_name, self.database.key())?;
        self.database.with_writer(|writer| {
            let previous = self.write_backup(BackupReason::BeforeRestore, &mut |_, _| {})?;
            let previous_saved_as = file_name_of(&previous)?;
            copy_database(&source, writer, &mut |_, _| {}).map_err(|error| {
                Error::new(
                    error.code,
                    format!(
                        "restoring {file_name} failed: {}; the database as it was is saved as \
                         {previous_saved_as}",
                        error.message
                    ),
                )
            })?;
            migrations::apply(writer)?;
            tracing::info!(
                restored_from = file_name,
                previous_saved_as = %previous_saved_as,
                "restored backup"
            );
            Ok(RestoreOutcome {
                restored_from: file_name.to_owned(),
                previous_saved_as,
            })
        })
    }

    /// Removes the oldest `scheduled` backups beyond the newest `keep`; returns the removed
    /// names. Manual and before-restore backups are never removed.
    pub fn prune(&self, keep: usize) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        let scheduled = self
            .list()?
            .into_iter()
            .filter(|backup| backup.reason == BackupReason::Scheduled);
        for backup in scheduled.skip(keep) {
            std::fs::remove_file(self.backup_dir.join(&backup.file_name)).map_err(|source| {
                Error::io(
                    &format!("could not remove the old backup {}", backup.file_name),
                    &source,
                )
            })?;
            tracing::info!(file_name = %backup.file_name, "pruned scheduled backup");
            removed.push(backup.file_name);
        }
        Ok(removed)
    }

    /// Creates a `scheduled` backup when the newest one is older than `interval` (or there is
    /// none), then prunes scheduled backups down to `keep`.
    pub fn create_if_due(
        &self,
        interval: chrono::Duration,
        keep: usize,
    ) -> Result<Option<BackupInfo>> {
        let newest = self
            .list()?
            .into_iter()
            .find(|backup| backup.reason == BackupReason::Scheduled)
            .and_then(|backup| parse_rfc3339(&backup.created_at));
        let due = match newest {
            Some(newest) => Utc::now().signed_duration_since(newest) >= interval,
            None => true,
        };
        if !due {
            return Ok(None);
        }
        let created = self.create(BackupReason::Scheduled)?;
        self.prune(keep)?;
        Ok(Some(created))
    }

    /// Removes what backups that never finished left in the folder (a process killed while
    /// backing up leaves a `….partial` file about the database's size, and its journal), and
    /// returns how many backups they were. An unfinished backup another process is still
    /// writing is left alone. Runs before every backup and when the data folder is opened.
    pub fn remove_unfinished(&self) -> Result<u32> {
        let mut removed = 0;
        for partial in unfinished_backups(&self.backup_dir)? {
            if is_being_written(&partial) {
                continue;
            }
            remove_unfinished_files(&partial)?;
            tracing::info!(file = %partial.display(), "removed an unfinished backup");
            removed += 1;
        }
        Ok(removed)
    }

    /// Copies a read snapshot of the live database to a new backup file; returns its path.
    fn write_backup(
        &self,
        reason: BackupReason,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.backup_dir)
            .map_err(|source| folder_error("could not create the backups folder", &source))?;
        self.remove_unfinished()?;
        let (path, partial) = self.free_names(reason);
        // Held until the backup is finished: it tells another process's cleanup that this
        // unfinished backup is still being written.
        let in_progress = std::fs::File::create(&partial)
            .map_err(|source| folder_error("could not start the backup file", &source))?;
        in_progress
            .lock()
            .map_err(|source| folder_error("could not start the backup file", &source))?;
        let written = self.copy_snapshot_to(&partial, progress);
        if let Err(error) = written {
            if let Err(source) = remove_unfinished_files(&partial) {
                tracing::warn!(error = %source.message, "could not remove an unfinished backup");
            }
            return Err(error);
        }
        std::fs::rename(&partial, &path)
            .map_err(|source| folder_error("could not finish the backup file", &source))?;
        drop(in_progress);
        sync_directory(&self.backup_dir);
        Ok(path)
    }

    fn copy_snapshot_to(&self, partial: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<()> {
        let mut destination = Connection::open(partial)?;
        // A backup of an encrypted database is encrypted under the same key.
        encryption::unlock(&destination, self.database.key())?;
        self.database.read(|connection| {
            // A read transaction pins one snapshot of the WAL database for the whole copy, so
            // writes during the backup neither restart it nor leak into it.
            let snapshot = connection.unchecked_transaction()?;
            snapshot.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| {
                row.get::<_, i64>(0)
            })?;
            copy_database(&snapshot, &mut destination, progress)?;
            snapshot.rollback()?;
            Ok(())
        })?;
        // Backups are single files: no -wal or -shm beside them.
        destination.pragma_update(None, "journal_mode", "DELETE")?;
        destination
            .close()
            .map_err(|(_, source)| Error::from(source))?;
        Ok(())
    }

    /// Encrypts, under the database's key, every backup still in plain SQLite (made before
    /// encryption was turned on); returns how many. Nothing happens for a plain database.
    pub fn encrypt_plain_backups(&self) -> Result<u32> {
        let Some(key) = self.database.key() else {
            return Ok(0);
        };
        let mut encrypted = 0;
        for path in self.backup_files()? {
            if encryption::file_state(&path)? == encryption::FileState::Plain {
                encryption::encrypt_file_in_place(&path, key)?;
                encrypted += 1;
            }
        }
        Ok(encrypted)
    }

    /// Changes the key of every encrypted backup from `old` to `new` (a key rotation), so
    /// one key, and one recovery key, opens them all; returns how many.
    pub fn rekey_backups(&self, old: &DatabaseKey, new: &DatabaseKey) -> Result<u32> {
        let mut changed = 0;
        for path in self.backup_files()? {
            if encryption::file_state(&path)? == encryption::FileState::Encrypted {
                encryption::rekey_file(&path, old, new)?;
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// The finished backup files in the backups folder.
    fn backup_files(&self) -> Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(&self.backup_dir) {
            Ok(entries) => entries,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(folder_error("could not read the backups folder", &source)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|source| folder_error("could not read the backups folder", &source))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if parse_file_name(&file_name).is_some() {
                files.push(entry.path());
            }
        }
        files.sort();
        Ok(files)
    }

    /// The final and partial paths of a new backup, one millisecond later than any existing.
    fn free_names(&self, reason: BackupReason) -> (PathBuf, PathBuf) {
        let mut instant = Utc::now();
        loop {
            let file_name = format!(
                "{FILE_PREFIX}{}-{}{FILE_EXTENSION}",
                instant.format(STAMP_FORMAT),
                reason.as_str()
            );
            let path = self.backup_dir.join(&file_name);
            let partial = self.backup_dir.join(format!("{file_name}{PARTIAL_SUFFIX}"));
            if !path.exists() && !partial.exists() {
                return (path, partial);
            }
            instant += chrono::Duration::milliseconds(1);
        }
    }
}

/// Copies the whole `main` database of `from` into `to`, a few pages at a time.
fn copy_database(
    from: &Connection,
    to: &mut Connection,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let backup = Backup::new(from, to)?;
    let mut busy_retries = 0;
    loop {
        let step = backup.step(PAGES_PER_STEP)?;
        let state = backup.progress();
        let total = u64::try_from(state.pagecount).unwrap_or(0);
        let remaining = u64::try_from(state.remaining).unwrap_or(0);
        progress(total.saturating_sub(remaining), total);
        match step {
            StepResult::Done => return Ok(()),
            StepResult::More => busy_retries = 0,
            _ => {
                busy_retries += 1;
                if busy_retries > MAX_BUSY_RETRIES {
                    return Err(Error::new(
                        ErrorCode::Database,
                        "the database stayed busy; the copy was abandoned",
                    ));
                }
                std::thread::sleep(BUSY_RETRY_PAUSE);
            }
        }
    }
}

/// Opens a backup read-only and checks it can be restored: intact, an OmniCRM database, and
/// not from a newer OmniCRM.
fn open_checked_backup(
    path: &Path,
    file_name: &str,
    key: Option<&DatabaseKey>,
) -> Result<Connection> {
    let damaged = |detail: String| {
        Error::new(
            ErrorCode::Database,
            format!("the backup {file_name} is damaged ({detail}); nothing was restored"),
        )
    };
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| damaged(source.to_string()))?;
    encryption::unlock(&connection, key).map_err(|error| match error.code {
        ErrorCode::EncryptionKeyMissing | ErrorCode::EncryptionKeyWrong => Error::new(
            error.code,
            format!("the backup {file_name} is encrypted under another key; nothing was restored"),
        ),
        _ => damaged(error.message),
    })?;
    let problems = integrity_problems(&connection).map_err(|source| damaged(source.to_string()))?;
    if problems.as_slice() != ["ok"] {
        return Err(damaged(format!("integrity check: {}", problems.join("; "))));
    }
    let version = migrations::read_version(&connection).map_err(|error| damaged(error.message))?;
    migrations::ensure_not_newer(version).map_err(|error| {
        Error::new(
            error.code,
            format!(
                "the backup {file_name} cannot be restored: {}",
                error.message
            ),
        )
    })?;
    if version < 1 {
        return Err(Error::invalid_field(
            "file_name",
            format!("{file_name} is not an OmniCRM database"),
        ));
    }
    Ok(connection)
}

fn integrity_problems(connection: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare("PRAGMA integrity_check")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    rows.collect()
}

/// Rejects anything but a plain file name.
fn validate_file_name(file_name: &str) -> Result<()> {
    let problem = if file_name.trim().is_empty() {
        Some("is required")
    } else if file_name.contains('/') || file_name.contains('\\') {
        Some("must be a backup file name, not a path")
    } else if file_name.contains("..") {
        Some("must not contain '..'")
    } else if file_name.contains('\0') {
        Some("must not contain a NUL character")
    } else {
        None
    };
    match problem {
        Some(message) => Err(Error::invalid_field("file_name", message)),
        None => Ok(()),
    }
}

/// The metadata of a backup file, or `None` when the name is not a backup's.
fn read_info(path: &Path, file_name: &str, key: Option<&DatabaseKey>) -> Option<BackupInfo> {
    let (created_at, reason) = parse_file_name(file_name)?;
    let mut info = BackupInfo {
        file_name: file_name.to_owned(),
        created_at: format_utc(created_at),
        reason,
        size_bytes: 0.0,
        schema_version: None,
        contact_count: None,
        error: None,
    };
    let read = std::fs::metadata(path)
        .map_err(|source| format!("could not read the file: {source}"))
        .and_then(|metadata| {
            // Exact below 2^53 bytes, far beyond any database.
            info.size_bytes = metadata.len() as f64;
            read_contents(path, key)
                .map_err(|error| format!("could not read the backup: {}", error.message))
        });
    match read {
        Ok((schema_version, contact_count)) => {
            info.schema_version = Some(schema_version);
            info.contact_count = Some(contact_count);
        }
        Err(message) => info.error = Some(message),
    }
    Some(info)
}

fn read_contents(path: &Path, key: Option<&DatabaseKey>) -> Result<(i32, i32)> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    encryption::unlock(&connection, key)?;
    let schema_version = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let contact_count = connection.query_row(
        "SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL",
        [],
        |row| row.get(0),
    )?;
    Ok((schema_version, contact_count))
}

/// `omnicrm-<stamp>-<reason>.sqlite3` → (time, reason).
fn parse_file_name(file_name: &str) -> Option<(DateTime<Utc>, BackupReason)> {
    let middle = file_name
        .strip_prefix(FILE_PREFIX)?
        .strip_suffix(FILE_EXTENSION)?;
    let (stamp, reason) = middle.split_once('-')?;
    let reason = BackupReason::parse(reason)?;
    let instant = NaiveDateTime::parse_from_str(stamp, STAMP_FORMAT).ok()?;
    Some((instant.and_utc(), reason))
}

fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|instant| instant.with_timezone(&Utc))
}

fn file_name_of(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
        .ok_or_else(|| Error::internal("a backup path has no file name"))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(folder_error(
            "could not remove an unfinished backup",
            &source,
        )),
    }
}

/// The files SQLite keeps beside a database it writes: the rollback journal, and the WAL and
/// its index (a backup copy takes the live database's WAL mode until it is finished).
const SIDE_FILE_SUFFIXES: [&str; 3] = ["-journal", "-wal", "-shm"];

/// The unfinished backups in `backup_dir`: each `….partial` file, and each journal, WAL or WAL
/// index left without its file (named as the file it belonged to).
pub fn unfinished_backups(backup_dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(backup_dir) {
        Ok(entries) => entries,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(folder_error("could not read the backups folder", &source)),
    };
    let mut unfinished = std::collections::BTreeSet::new();
    for entry in entries {
        let entry =
            entry.map_err(|source| folder_error("could not read the backups folder", &source))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let partial_name = SIDE_FILE_SUFFIXES
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(&name);
        if partial_name.starts_with(FILE_PREFIX) && partial_name.ends_with(PARTIAL_SUFFIX) {
            unfinished.insert(backup_dir.join(partial_name));
        }
    }
    Ok(unfinished.into_iter().collect())
}

/// Whether a process is still writing the unfinished backup `partial` (it holds the file's
/// lock while it does).
fn is_being_written(partial: &Path) -> bool {
    let Ok(file) = std::fs::File::open(partial) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(error)) => {
            tracing::debug!(%error, "could not test an unfinished backup's lock");
            false
        }
    }
}

fn remove_unfinished_files(partial: &Path) -> Result<()> {
    for suffix in SIDE_FILE_SUFFIXES {
        let mut side_file = partial.as_os_str().to_owned();
        side_file.push(suffix);
        remove_if_present(Path::new(&side_file))?;
    }
    remove_if_present(partial)
}

/// A failure to write in the backups folder, in plain words when the folder is read-only or
/// not OmniCRM's to write.
fn folder_error(context: &str, source: &std::io::Error) -> Error {
    match source.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem => Error::new(
            ErrorCode::Io,
            format!(
                "{context}: the backups folder is on a read-only disk; make it writable or \
                 choose another data folder"
            ),
        ),
        std::io::ErrorKind::PermissionDenied => Error::new(
            ErrorCode::Io,
            format!("{context}: OmniCRM is not allowed to write in the backups folder"),
        ),
        _ => Error::io(context, source),
    }
}

/// Makes the rename durable where the OS allows it; a failure only costs durability.
#[cfg(unix)]
fn sync_directory(directory: &Path) {
    if let Err(source) = std::fs::File::open(directory).and_then(|folder| folder.sync_all()) {
        tracing::warn!(error = %source, "could not sync the backups folder");
    }
}

/// Windows cannot open a directory to sync it; the rename is durable enough there.
#[cfg(not(unix))]
fn sync_directory(_directory: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20: a backup on a read-only disk said "could not remove an unfinished backup".
    #[test]
    fn a_read_only_backups_folder_is_named_as_such() {
        let error = folder_error(
            "could not start the backup file",
            &std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem),
        );
        assert_eq!(error.code, ErrorCode::Io);
        assert!(
            error.message.contains("read-only disk"),
            "{}",
            error.message
        );
    }
}

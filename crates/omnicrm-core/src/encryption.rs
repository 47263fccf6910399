//! Encryption at rest: the database, its WAL and its backups are SQLCipher files under one
//! random 256-bit key.
//!
//! The key never lives in the data folder: the application layer keeps it in the OS keyring (or
//! a key file outside the data folder) and hands it to [`crate::Core::open_with_key`]. Every
//! connection sets it as its first statement, as a raw key (`x'…'`), so no key derivation runs
//! on each open. SQLCipher encrypts every page of the database and of its WAL; temporary
//! tables and sorts stay in memory (`temp_store = MEMORY`), so no other file holds client data.
//!
//! An existing plain database becomes an encrypted one by [`encrypt_file_in_place`]: an
//! encrypted copy is written beside it, checked (integrity check, schema version, the rows of
//! every table), made durable, and only then renamed over the plain file. A crash at any point
//! leaves either the untouched plain database or the verified encrypted one.
//!
//! The user is shown the key once as a recovery key ([`DatabaseKey::recovery_key`]): sixteen
//! groups of four hex digits and a four-digit check group, which opens the backups on another
//! computer when this one's keyring is lost.

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// Bytes in a database key.
pub const KEY_LENGTH: usize = 32;
/// The first bytes of every plain SQLite database; an encrypted one starts with random bytes.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// The suffix of the encrypted copy [`encrypt_file_in_place`] writes before renaming it.
const ENCRYPTING_SUFFIX: &str = ".encrypting";
/// Hex digits per group of a recovery key.
const RECOVERY_GROUP: usize = 4;

/// A database key. Its memory is wiped on drop and `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey(Zeroizing<[u8; KEY_LENGTH]>);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("DatabaseKey(hidden)")
    }
}

impl DatabaseKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LENGTH]);
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub fn from_bytes(bytes: [u8; KEY_LENGTH]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key as 64 lowercase hex digits (how it is stored in the keyring).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// Reads 64 hex digits (spaces, dashes and case ignored).
    pub fn from_hex(text: &str) -> Result<Self> {
        let digits: Zeroizing<String> = typed_digits(text);
        let mut bytes = Zeroizing::new([0u8; KEY_LENGTH]);
        hex::decode_to_slice(digits.as_bytes(), &mut bytes[..]).map_err(|_| {
            Error::invalid_field("key", "is not a database key (64 hexadecimal digits)")
        })?;
        Ok(Self(bytes))
    }

    /// The key as the user writes it down: sixteen groups of four hex digits, then a group of
    /// four check digits that catches a mistyped digit.
    pub fn recovery_key(&self) -> Zeroizing<String> {
        let hex = self.to_hex();
        let mut groups: Vec<&str> = hex
            .as_bytes()
            .chunks(RECOVERY_GROUP)
            .filter_map(|chunk| std::str::from_utf8(chunk).ok())
            .collect();
        let check = check_digits(&self.0[..]);
        groups.push(&check);
        Zeroizing::new(groups.join("-"))
    }

    /// Reads a recovery key as [`DatabaseKey::recovery_key`] writes it (spaces, dashes and case
    /// ignored); a wrong check group is refused, naming the `recovery_key` field.
    pub fn from_recovery_key(text: &str) -> Result<Self> {
        let digits: Zeroizing<String> = typed_digits(text);
        let expected_length = KEY_LENGTH * 2 + RECOVERY_GROUP;
        if digits.len() != expected_length || !digits.is_ascii() {
            return Err(Error::invalid_field(
                "recovery_key",
                "is not a recovery key: it has 17 groups of four characters",
            ));
        }
        let (key_digits, check) = digits.split_at(KEY_LENGTH * 2);
        let key = Self::from_hex(key_digits).map_err(|_| {
            Error::invalid_field("recovery_key", "has characters other than 0-9 and a-f")
        })?;
        if check_digits(&key.0[..]) != check {
            return Err(Error::invalid_field(
                "recovery_key",
                "has a mistyped character (its last group does not match)",
            ));
        }
        Ok(key)
    }
}

/// The digits of a key as the user typed it: spaces and dashes dropped, lowercase.
fn typed_digits(text: &str) -> Zeroizing<String> {
    Zeroizing::new(
        text.chars()
            .filter(|character| !character.is_whitespace() && *character != '-')
            .collect::<String>()
            .to_ascii_lowercase(),
    )
}

fn check_digits(key: &[u8]) -> String {
    let digest = Sha256::digest(key);
    hex::encode(digest.get(..RECOVERY_GROUP / 2).unwrap_or_default())
}

/// The first bytes of a file [`seal`] wrote.
const SEALED_MAGIC: &[u8; 8] = b"OMNISEAL";
const SEAL_NONCE_LENGTH: usize = 24;

/// Encrypts the bytes of a file kept in the data folder beside an encrypted database (a staged
/// import) under a key derived from the database key: XChaCha20-Poly1305 with a random nonce.
/// Without a key (a plain folder) the bytes are kept as they are.
pub fn seal(key: Option<&DatabaseKey>, bytes: &[u8]) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    let Some(key) = key else {
        return Ok(bytes.to_vec());
    };
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&file_key(key).into());
    let nonce = chacha20poly1305::XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: bytes,
                aad: SEALED_MAGIC,
            },
        )
        .map_err(|_| Error::internal("could not encrypt a file for the data folder"))?;
    let mut file = Vec::with_capacity(SEALED_MAGIC.len() + nonce.len() + sealed.len());
    file.extend_from_slice(SEALED_MAGIC);
    file.extend_from_slice(&nonce);
    file.extend_from_slice(&sealed);
    Ok(file)
}

/// Reads what [`seal`] wrote. Bytes that were not sealed (kept by a plain folder) come back as
/// they are.
pub fn unseal(key: Option<&DatabaseKey>, file: &[u8]) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let Some(rest) = file.strip_prefix(SEALED_MAGIC.as_slice()) else {
        return Ok(file.to_vec());
    };
    let key = key.ok_or_else(key_missing)?;
    if rest.len() < SEAL_NONCE_LENGTH {
        return Err(Error::new(
            ErrorCode::Io,
            "an encrypted file in the data folder is cut short",
        ));
    }
    let (nonce, sealed) = rest.split_at(SEAL_NONCE_LENGTH);
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&file_key(key).into());
    cipher
        .decrypt(
            chacha20poly1305::XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: SEALED_MAGIC,
            },
        )
        .map_err(|_| key_wrong())
}

/// The key for files beside the database: SHA-256 of a label and the database key, so the
/// database key itself encrypts nothing but the database.
fn file_key(key: &DatabaseKey) -> [u8; KEY_LENGTH] {
    let mut hasher = Sha256::new();
    hasher.update(b"omnicrm sealed files v1");
    hasher.update(&key.0[..]);
    hasher.finalize().into()
}

/// What a database file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// No file, or an empty one: a new database.
    Missing,
    /// A plain SQLite database.
    Plain,
    /// Not a plain SQLite database: an encrypted one (or something else, which opening says).
    Encrypted,
}

/// Reads the first bytes of `path` to tell a plain database from an encrypted one.
pub fn file_state(path: &Path) -> Result<FileState> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileState::Missing)
        }
        Err(source) => return Err(Error::io("could not read the database file", &source)),
    };
    let mut header = Vec::with_capacity(PLAIN_HEADER.len());
    file.by_ref()
        .take(PLAIN_HEADER.len() as u64)
        .read_to_end(&mut header)
        .map_err(|source| Error::io("could not read the database file", &source))?;
    Ok(if header.is_empty() {
        FileState::Missing
    } else if header.as_slice() == PLAIN_HEADER.as_slice() {
        FileState::Plain
    } else {
        FileState::Encrypted
    })
}

/// Sets `key` on a connection just opened, as its first statement, and checks it opens the
/// file: a wrong key (or no key for an encrypted file) is a clear error, not "file is not a
/// database" on the first query.
pub fn unlock(connection: &Connection, key: Option<&DatabaseKey>) -> Result<()> {
    quiet_cipher_log(connection)?;
    if let Some(key) = key {
        let statement = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()));
        connection.execute_batch(&statement)?;
    }
    match connection.query_row("SELECT count(*) FROM sqlite_schema", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Err(match key {
                Some(_) => key_wrong(),
                None => key_missing(),
            })
        }
        Err(error) => Err(error.into()),
    }
}

/// SQLCipher writes its own errors (a wrong key's "hmac check failed") to stderr; OmniCRM
/// reports them as its errors instead.
fn quiet_cipher_log(connection: &Connection) -> Result<()> {
    connection.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    Ok(())
}

/// The error for an encrypted database opened with a key that is not its own.
pub fn key_wrong() -> Error {
    Error::new(
        ErrorCode::EncryptionKeyWrong,
        "this key does not open the database (it is damaged, or it was encrypted with another \
         key)",
    )
}

/// The error for an encrypted database opened without its key.
pub fn key_missing() -> Error {
    Error::new(
        ErrorCode::EncryptionKeyMissing,
        "the database is encrypted and its key is not on this computer; restore it with the \
         recovery key you were shown when encryption was turned on",
    )
}

/// What [`encrypt_file_in_place`] checked before it replaced the plain file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionCheck {
    /// Tables whose rows were counted in both files (all of them).
    pub tables: usize,
    /// Rows in those tables, equal in both files.
    pub rows: u64,
}

/// Turns the plain database at `path` into an encrypted one under `key`, in place. The caller
/// makes sure no other connection has it open (the data folder's lock); a plain file in WAL mode
/// is checkpointed first, so nothing is left in a plain WAL.
///
/// Steps: checkpoint the WAL and leave WAL mode; export every table, index and the schema
/// version into `<path>.encrypting` (SQLCipher's `sqlcipher_export`); check the copy (integrity,
/// version, the same rows in every table); flush it to disk; rename it over `path`. Until the
/// rename the plain file is untouched, and a copy a crash left half-written is removed by the
/// next try.
pub fn encrypt_file_in_place(path: &Path, key: &DatabaseKey) -> Result<EncryptionCheck> {
    if file_state(path)? != FileState::Plain {
        return Err(Error::conflict("the database is not a plain SQLite file"));
    }
    let encrypting = sibling(path, ENCRYPTING_SUFFIX);
    remove_file_if_present(&encrypting)?;
    remove_file_if_present(&sibling(&encrypting, "-journal"))?;
    // CREATE lets the ATTACH below make the encrypted copy (the plain file is known to exist).
    let plain = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    quiet_cipher_log(&plain)?;
    leave_wal_mode(&plain)?;
    let version: i64 = plain.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let attach = Zeroizing::new(format!(
        "ATTACH DATABASE ?1 AS encrypted KEY \"x'{}'\";",
        key.to_hex().as_str()
    ));
    plain.execute(&attach, [encrypting.to_string_lossy().as_ref()])?;
    // The copy needs no journal and no flush per statement: a copy cut short is thrown away,
    // and the whole file is flushed once it is checked.
    plain.execute_batch(
        "PRAGMA encrypted.journal_mode = OFF; PRAGMA encrypted.synchronous = OFF; BEGIN;",
    )?;
    plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    plain.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; COMMIT; DETACH DATABASE encrypted;"
    ))?;
    let check = check_copy(&plain, &encrypting, key, version)?;
    plain.close().map_err(|(_, source)| Error::from(source))?;
    sync_file(&encrypting)?;
    std::fs::rename(&encrypting, path)
        .map_err(|source| Error::io("could not put the encrypted database in place", &source))?;
    if let Some(folder) = path.parent() {
        sync_folder(folder);
    }
    Ok(check)
}

/// Encrypts the live database at `path` in place ([`encrypt_file_in_place`]) while holding its
/// open lock exclusively: refused when another OmniCRM window or command has it open, and a
/// process that starts meanwhile waits for the encrypted file instead of opening the plain one.
pub fn encrypt_database_in_place(path: &Path, key: &DatabaseKey) -> Result<EncryptionCheck> {
    let lock = exclusive_open_lock(path)?;
    let check = encrypt_file_in_place(path, key);
    drop(lock);
    check
}

/// Changes the key of the live database at `path`, holding its open lock exclusively (see
/// [`encrypt_database_in_place`]).
pub fn rekey_database(path: &Path, old: &DatabaseKey, new: &DatabaseKey) -> Result<()> {
    let lock = exclusive_open_lock(path)?;
    let changed = rekey_file(path, old, new);
    drop(lock);
    changed
}

fn exclusive_open_lock(path: &Path) -> Result<std::fs::File> {
    let lock_path = crate::store::open_lock_path(path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| Error::io("could not lock the data folder", &source))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::conflict(
            "another OmniCRM window or command has this data folder open; close it and try \
             again",
        )),
        Err(std::fs::TryLockError::Error(source)) => {
            Err(Error::io("could not lock the data folder", &source))
        }
    }
}

/// Changes the key of the encrypted database at `path` from `old` to `new` (SQLCipher's
/// `rekey`, which rewrites every page in one transaction).
pub fn rekey_file(path: &Path, old: &DatabaseKey, new: &DatabaseKey) -> Result<()> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    unlock(&connection, Some(old))?;
    leave_wal_mode(&connection)?;
    let statement = Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", new.to_hex().as_str()));
    connection.execute_batch(&statement)?;
    unlock(&connection, Some(new))?;
    connection
        .close()
        .map_err(|(_, source)| Error::from(source))?;
    Ok(())
}

/// Checks that `key` opens the encrypted file at `path` and that it is an intact OmniCRM
/// database (a backup brought from another computer).
pub fn check_file(path: &Path, key: &DatabaseKey) -> Result<()> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    unlock(&connection, Some(key))?;
    let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if integrity != "ok" {
        return Err(Error::new(
            ErrorCode::Database,
            format!("the backup is damaged (integrity check: {integrity})"),
        ));
    }
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    crate::migrations::ensure_not_newer(version)?;
    if version < 1 {
        return Err(Error::invalid_field("backup", "is not an OmniCRM database"));
    }
    Ok(())
}

/// Checkpoints the WAL into the database and switches to a rollback journal, which SQLite only
/// allows when no other connection has the database open.
fn leave_wal_mode(connection: &Connection) -> Result<()> {
    let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(());
    }
    // A database this process closed a moment ago may still have its checkpoint thread's
    // connection open (it notices within half a second): busy is retried for a while.
    let started = std::time::Instant::now();
    loop {
        let switched = connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .and_then(|()| {
                connection.query_row("PRAGMA journal_mode = DELETE", [], |row| {
                    row.get::<_, String>(0)
                })
            });
        match switched {
            Ok(mode) if mode.eq_ignore_ascii_case("delete") => return Ok(()),
            Ok(_) => {}
            Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {}
            Err(error) => return Err(error.into()),
        }
        if started.elapsed() > LEAVE_WAL_PATIENCE {
            return Err(Error::conflict(
                "another OmniCRM process has the database open; close it and try again",
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// How long [`leave_wal_mode`] waits for other connections to close.
const LEAVE_WAL_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the encrypted copy and checks it holds what the plain database holds.
fn check_copy(
    plain: &Connection,
    copy_path: &Path,
    key: &DatabaseKey,
    version: i64,
) -> Result<EncryptionCheck> {
    let copy = Connection::open_with_flags(
        copy_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    unlock(&copy, Some(key))?;
    let not_equal = |what: String| {
        Error::internal(format!(
            "the encrypted copy of the database differs from it ({what}); the plain database \
             was kept"
        ))
    };
    let integrity: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if integrity != "ok" {
        return Err(not_equal(format!("integrity check: {integrity}")));
    }
    let copied_version: i64 = copy.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if copied_version != version {
        return Err(not_equal(format!(
            "schema version {copied_version} instead of {version}"
        )));
    }
    let tables = ordinary_tables(plain)?;
    if tables != ordinary_tables(&copy)? {
        return Err(not_equal("a different list of tables".to_owned()));
    }
    let mut rows = 0u64;
    for table in &tables {
        let count_sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let plain_rows: i64 = plain.query_row(&count_sql, [], |row| row.get(0))?;
        let copied_rows: i64 = copy.query_row(&count_sql, [], |row| row.get(0))?;
        if plain_rows != copied_rows {
            return Err(not_equal(format!(
                "{table}: {copied_rows} rows instead of {plain_rows}"
            )));
        }
        rows += u64::try_from(plain_rows).unwrap_or(0);
    }
    Ok(EncryptionCheck {
        tables: tables.len(),
        rows,
    })
}

/// Every table that stores rows itself (virtual tables keep theirs in shadow tables, which are
/// ordinary tables and so are counted).
fn ordinary_tables(connection: &Connection) -> Result<Vec<String>> {
    let mut statement = connection.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' \
         ORDER BY name",
    )?;
    let names = statement.query_map([], |row| row.get::<_, String>(0))?;
    Ok(names.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_file_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::io(
            "could not remove an unfinished encrypted copy",
            &source,
        )),
    }
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|source| Error::io("could not write the encrypted database to disk", &source))
}

/// Makes a rename durable; a folder that cannot be synced (some file systems) is not an error.
fn sync_folder(folder: &Path) {
    if let Err(error) = std::fs::File::open(folder).and_then(|handle| handle.sync_all()) {
        tracing::debug!(%error, "could not sync the data folder");
    }
}

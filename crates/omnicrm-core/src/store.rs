//! The local SQLite store: one writer connection and a small pool of readers, in WAL mode.
//!
//! All methods are blocking. Async callers use [`Database::run`], which moves the work onto
//! tokio's blocking pool so the async runtime is never blocked.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::encryption::{self, DatabaseKey};
use crate::error::{Error, Result};
use crate::migrations;

/// The database file name inside the data directory.
pub const DATABASE_FILE_NAME: &str = "omnicrm.sqlite3";

const MAX_IDLE_READERS: usize = 4;

/// A handle to the store. Cheap to clone; clones share the same connections.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The key of an encrypted database, set on every connection as it opens.
    key: Option<DatabaseKey>,
    /// A shared lock on the database's open-lock file, held while the database is open, so
    /// that encrypting it in place waits for no one and no one opens it meanwhile.
    _open_lock: Option<std::fs::File>,
    writer: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
    before_commit: RwLock<Option<BeforeCommit>>,
    checkpointer: Mutex<Option<Checkpointer>>,
}

/// Work run in every write transaction after its own work, just before it commits: what it
/// writes commits (or not) with the transaction. See [`Database::set_before_commit`].
pub type BeforeCommit = Arc<dyn Fn(&Connection) -> Result<()> + Send + Sync>;

impl std::fmt::Debug for Database {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Database")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Database {
    /// Opens (creating if needed) the plain database in `data_dir`.
    pub fn open_in_dir(data_dir: &Path) -> Result<Self> {
        Self::open_in_dir_with_key(data_dir, None)
    }

    /// Opens (creating if needed) the database in `data_dir`, encrypted under `key` when one
    /// is given (see [`Database::open_with_key`]).
    pub fn open_in_dir_with_key(data_dir: &Path, key: Option<DatabaseKey>) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|source| Error::io("could not create the data directory", &source))?;
        Self::open_with_key(&data_dir.join(DATABASE_FILE_NAME), key)
    }

    /// Opens (creating if needed) the plain database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_key(path, None)
    }

    /// Opens (creating if needed) the database at `path` and applies pending migrations. With
    /// a key, the database is a SQLCipher file under that key (a new one is created
    /// encrypted); a wrong or missing key is `encryption_key_wrong` / `encryption_key_missing`.
    ///
    /// A database written by a newer OmniCRM is refused with `schema_too_new` before anything
    /// is written to it, so the file is left exactly as it was.
    pub fn open_with_key(path: &Path, key: Option<DatabaseKey>) -> Result<Self> {
        let open_lock = hold_open_lock(path);
        if encryption::file_state(path)? != encryption::FileState::Missing {
            let probe = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            encryption::unlock(&probe, key.as_ref())?;
            migrations::ensure_not_newer(migrations::read_version(&probe)?)?;
        }
        let mut writer = Connection::open(path)?;
        encryption::unlock(&writer, key.as_ref())?;
        configure(&mut writer, WRITER_CACHE_KIB)?;
        switch_to_wal(&writer)?;
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints run on a thread of their own (below); the writer checkpoints only when
        // the WAL grew past this many pages anyway (that thread not keeping up).
        writer.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        migrations::apply(&mut writer)?;
        let checkpointer = spawn_checkpointer(path.to_path_buf(), key.clone());
        let inner = Arc::new(Inner {
            path: path.to_path_buf(),
            checkpointer: Mutex::new(checkpointer),
            key: key.clone(),
            _open_lock: open_lock,
            writer: Mutex::new(writer),
            idle_readers: Mutex::new(Vec::new()),
            before_commit: RwLock::new(None),
        });
        Ok(Self { inner })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The key of an encrypted database; `None` for a plain one.
    pub fn key(&self) -> Option<&DatabaseKey> {
        self.inner.key.as_ref()
    }

    /// Whether the database is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.inner.key.is_some()
    }

    /// Runs `work` in one IMMEDIATE transaction on the writer connection; commits on `Ok`,
    /// rolls back on `Err`.
    pub fn write<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut writer = self
            .inner
            .writer
            .lock()
            .map_err(|_| Error::internal("the database writer lock is poisoned"))?;
        let transaction = writer.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = work(&transaction)?;
        if let Some(before_commit) = self.before_commit() {
            before_commit(&transaction)?;
        }
        transaction.commit()?;
        Ok(value)
    }

    /// Runs `hook` in every write transaction from now on, after the transaction's own work
    /// and before it commits (replacing any hook set before). Team sync turns the records a
    /// transaction changed into document changes this way, in the same transaction. An error
    /// from the hook rolls the whole write back, so a hook that must not stop writes handles
    /// its own errors.
    pub fn set_before_commit(&self, hook: BeforeCommit) {
        *self
            .inner
            .before_commit
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(hook);
    }

    fn before_commit(&self) -> Option<BeforeCommit> {
        self.inner
            .before_commit
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Runs `work` on the writer connection itself, outside any transaction, holding the writer
    /// for the duration. For whole-database operations (restoring a backup) that cannot be one
    /// transaction; everything else uses [`Database::write`].
    pub fn with_writer<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut writer = self
            .inner
            .writer
            .lock()
            .map_err(|_| Error::internal("the database writer lock is poisoned"))?;
        work(&mut writer)
    }

    /// Runs `work` on a read-only connection. Readers run concurrently with each other and
    /// with the writer (WAL).
    pub fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let connection = self.take_reader()?;
        let value = work(&connection);
        self.return_reader(connection);
        value
    }

    /// Runs blocking store work from async code without blocking the runtime.
    pub async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T> + Send + 'static,
    {
        let database = self.clone();
        tokio::task::spawn_blocking(move || work(&database)).await?
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.read(migrations::read_version)
    }

    /// SQLite's own consistency check; `ok` when healthy.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        self.read(|connection| {
            let mut statement = connection.prepare("PRAGMA integrity_check")?;
            let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn take_reader(&self) -> Result<Connection> {
        let pooled = self
            .inner
            .idle_readers
            .lock()
            .map_err(|_| Error::internal("the database reader pool lock is poisoned"))?
            .pop();
        match pooled {
            Some(connection) => Ok(connection),
            None => {
                let mut connection = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                encryption::unlock(&connection, self.inner.key.as_ref())?;
                configure(&mut connection, READER_CACHE_KIB)?;
                Ok(connection)
            }
        }
    }

    fn return_reader(&self, connection: Connection) {
        if let Ok(mut idle) = self.inner.idle_readers.lock() {
            if idle.len() < MAX_IDLE_READERS {
                idle.push(connection);
            }
        }
    }
}

/// The file whose lock says the database at `path` is open: every open database holds a
/// shared lock on it, and encrypting a database in place takes it exclusively.
pub(crate) fn open_lock_path(path: &Path) -> PathBuf {
    encryption::sibling(path, "-open.lock")
}

/// Takes the shared open lock, waiting while the database is being encrypted in place. A
/// folder where the lock file cannot be made (read-only) opens without it.
fn hold_open_lock(path: &Path) -> Option<std::fs::File> {
    let lock_path = open_lock_path(path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .or_else(|_| std::fs::File::open(&lock_path));
    match file {
        Ok(file) => match file.lock_shared() {
            Ok(()) => Some(file),
            Err(error) => {
                tracing::debug!(%error, "the database's open lock could not be taken");
                None
            }
        },
        Err(error) => {
            tracing::debug!(%error, "the database's open lock could not be made");
            None
        }
    }
}

/// How often the checkpoint thread copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// WAL pages after which the writer checkpoints itself (SQLite's default is 1,000): a safety
/// net for when the checkpoint thread cannot keep up.
const WRITER_CHECKPOINT_PAGES: i64 = 16_000;

/// Copies the WAL into the database file every [`CHECKPOINT_EVERY`] on a connection and thread
/// of its own, until the database is closed. SQLite otherwise checkpoints in the commit that
/// crosses 1,000 WAL pages, with an fsync: about one edit in twenty took 9-10 ms instead of
/// one. A passive checkpoint never blocks a reader or the writer; one that cannot finish
/// (a reader still on old pages) is finished by a later one.
fn spawn_checkpointer(path: PathBuf, key: Option<DatabaseKey>) -> Option<Checkpointer> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let started = std::thread::Builder::new()
        .name("omnicrm-checkpoint".to_owned())
        .spawn(move || {
            let connection = match Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            ) {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::warn!(%error, "no checkpoint thread: the writer checkpoints");
                    return;
                }
            };
            if let Err(error) = encryption::unlock(&connection, key.as_ref()) {
                tracing::warn!(error = %error.message, "no checkpoint thread: the writer checkpoints");
                return;
            }
            // A checkpoint never waits: one that finds the database busy is left to the next.
            if let Err(error) = connection.busy_timeout(Duration::ZERO) {
                tracing::warn!(%error, "no checkpoint thread: the writer checkpoints");
                return;
            }
            let wal_path = wal_path_of(&path);
            // Until the database is closed (the sender is dropped).
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(CHECKPOINT_EVERY)
            {
                if let Err(error) = checkpoint(&connection, &wal_path) {
                    tracing::debug!(%error, "a checkpoint did not run; the next one tries again");
                }
            }
        });
    match started {
        Ok(thread) => Some(Checkpointer { stop, thread }),
        Err(error) => {
            tracing::warn!(%error, "no checkpoint thread: the writer checkpoints");
            None
        }
    }
}

/// The checkpoint thread of an open database: closing the database stops it and waits for it,
/// so its connection is closed before the database is. (A thread still using SQLCipher while
/// the process exits crashed it: the crypto library is torn down at exit.)
struct Checkpointer {
    stop: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let checkpointer = self
            .checkpointer
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(checkpointer) = checkpointer {
            drop(checkpointer.stop);
            if checkpointer.thread.join().is_err() {
                tracing::warn!("the checkpoint thread panicked");
            }
        }
        // The readers close first, so the writer is the last connection: SQLite then copies
        // the WAL into the database and removes it. (A read-only connection closing last
        // cannot, and a WAL of everything written since the last checkpoint stayed beside the
        // database, to be read again by every later open.)
        self.idle_readers
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

/// How long a write waits for another process that holds the database's write lock before
/// it gives up: long enough for any write OmniCRM makes (large ones are committed in short
/// chunks), short enough that a process that hangs while holding the lock does not hang every
/// other one for good.
pub const LONGEST_WAIT_FOR_OTHER_PROCESS: Duration = Duration::from_secs(600);
/// After this long waiting, the waiting process is told (see [`on_waiting_for_other_process`]).
const WAITING_NOTICE_AFTER: Duration = Duration::from_secs(1);
/// Pauses between tries while another process writes: short at first, then every 20 ms (a
/// large write pauses 25 ms between its chunks, so a waiting process gets its turn).
const WAIT_STEPS: [Duration; 5] = [
    Duration::from_millis(1),
    Duration::from_millis(2),
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(15),
];
const WAIT_STEP_AFTER_THOSE: Duration = Duration::from_millis(20);

/// What to do when this process has waited a moment for another one's write (the CLI prints
/// "another OmniCRM process is writing: waiting…"). Called once per wait.
pub type WaitingNotice = Arc<dyn Fn() + Send + Sync>;

static WAITING_NOTICE: RwLock<Option<WaitingNotice>> = RwLock::new(None);

/// Sets what this process does when one of its writes waits for another process's (see
/// [`WaitingNotice`]); it replaces any notice set before.
pub fn on_waiting_for_other_process(notice: WaitingNotice) {
    *WAITING_NOTICE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(notice);
}

/// SQLite's busy handler on every connection: `tries` is how many times SQLite has already
/// called it for this wait. It keeps waiting as long as the other process holds the lock, up
/// to [`LONGEST_WAIT_FOR_OTHER_PROCESS`], instead of failing after a fixed few seconds.
fn wait_for_other_process(tries: i32) -> bool {
    let tries = usize::try_from(tries).unwrap_or(0);
    let waited = waited_before(tries);
    if waited >= LONGEST_WAIT_FOR_OTHER_PROCESS {
        return false;
    }
    let pause = WAIT_STEPS
        .get(tries)
        .copied()
        .unwrap_or(WAIT_STEP_AFTER_THOSE);
    if waited < WAITING_NOTICE_AFTER && waited + pause >= WAITING_NOTICE_AFTER {
        let notice = WAITING_NOTICE
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        match notice {
            Some(notice) => notice(),
            None => tracing::info!("another OmniCRM process is writing: waiting"),
        }
    }
    std::thread::sleep(pause);
    true
}

/// How long the first `tries` pauses of [`wait_for_other_process`] took together.
fn waited_before(tries: usize) -> Duration {
    let stepped: Duration = WAIT_STEPS.iter().take(tries).sum();
    let after = u32::try_from(tries.saturating_sub(WAIT_STEPS.len())).unwrap_or(u32::MAX);
    stepped + WAIT_STEP_AFTER_THOSE.saturating_mul(after)
}

/// Puts the database in WAL mode (kept in the file, so this changes something only for a new
/// database). The switch needs the database to itself, and SQLite refuses it at once, without
/// waiting, when another process is opening the same new database: this waits and tries again.
fn switch_to_wal(writer: &Connection) -> Result<()> {
    let mut tries = 0usize;
    loop {
        match writer.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(error)
                if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && waited_before(tries) < LONGEST_WAIT_FOR_OTHER_PROCESS =>
            {
                std::thread::sleep(
                    WAIT_STEPS
                        .get(tries)
                        .copied()
                        .unwrap_or(WAIT_STEP_AFTER_THOSE),
                );
                tries += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// A WAL file larger than this is cut back to nothing once everything in it is in the
/// database. SQLite otherwise reuses the file from its start but keeps its size, so after a
/// large import a WAL as big as the database stayed beside it.
const TRUNCATE_WAL_ABOVE_BYTES: u64 = 4 * 1024 * 1024;

fn wal_path_of(database_path: &Path) -> PathBuf {
    let mut name = database_path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// One passive checkpoint; when it copied the whole WAL and the file is large, a truncating
/// one (which only needs a moment with no reader or writer, or it is left for the next time).
fn checkpoint(connection: &Connection, wal_path: &Path) -> Result<()> {
    let (busy, log_frames, checkpointed_frames) =
        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
    let whole_wal_copied = busy == 0 && log_frames > 0 && log_frames == checkpointed_frames;
    let wal_bytes = std::fs::metadata(wal_path).map_or(0, |metadata| metadata.len());
    if whole_wal_copied && wal_bytes > TRUNCATE_WAL_ABOVE_BYTES {
        connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

/// Page cache of the writer. It was 256 MiB while a 100k-contact import was one transaction
/// (with 32 MiB its pages spilled to the WAL mid-transaction and were read back). Imports now
/// commit 4,000 records at a time, and a 134k-row import took as long with 32 MiB as with 256
/// MiB, which made the import's peak memory 413 MB instead of 162 MB (issue 20). SQLite
/// allocates it only as it is used.
const WRITER_CACHE_KIB: i64 = 65_536;
/// Page cache of each reader (the default is 2 MiB): lists and searches at 100k contacts.
const READER_CACHE_KIB: i64 = 32_768;

fn configure(connection: &mut Connection, cache_kib: i64) -> Result<()> {
    connection.busy_handler(Some(wait_for_other_process))?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // A negative cache size is in KiB.
    connection.pragma_update(None, "cache_size", -cache_kib)?;
    // Statement journals (every multi-row or trigger-firing statement inside a transaction
    // opens one) and sort scratch space stay in memory instead of temporary files.
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    connection.set_prepared_statement_cache_capacity(64);
    Ok(())
}

/// Rows per statement in [`insert_rows`]: few enough to stay far below SQLite's limit on bound
/// parameters (the widest row, a contact, has 21 columns), many enough that the per-statement
/// cost is shared by a whole chunk.
const ROWS_PER_STATEMENT: usize = 50;

/// Runs `head` (`INSERT INTO t (a, b)`) with `VALUES (?, ?), (?, ?), ...` for many rows at a
/// time, and `tail` (e.g. a `RETURNING` clause) after it. `each_returned` gets every row the
/// statements return. Bulk writes use it: one statement per chunk of rows instead of one per
/// row, with the values bound as parameters (no text to build or parse).
pub(crate) fn insert_rows<const COLUMNS: usize>(
    connection: &Connection,
    head: &str,
    tail: &str,
    rows: &[[&dyn rusqlite::ToSql; COLUMNS]],
    each_returned: &mut dyn FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<()> {
    let placeholders = format!("({})", vec!["?"; COLUMNS].join(", "));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            vec![placeholders.as_str(); chunk.len()].join(", ")
        );
        // Full chunks reuse one cached statement.
        let mut statement = connection.prepare_cached(&sql)?;
        let mut returned = statement.query(rusqlite::params_from_iter(chunk.iter().flatten()))?;
        while let Some(row) = returned.next()? {
            each_returned(row)?;
        }
    }
    Ok(())
}

//! Writes too large to hold the database's write lock for: an import of 100,000 contacts, a
//! large set of demo data. Each is committed in short transactions (chunks) that make one
//! undoable batch, so the app, the CLI, the job runner and the sync, which all write to the
//! same file, each wait a moment at most instead of the whole import.
//!
//! All or nothing still holds:
//! - the batch is listed in `unfinished_batches` from its first chunk until the transaction of
//!   its last one, which removes it;
//! - a chunk that fails rolls back every chunk committed before it (the batch is undone);
//! - a batch a crash cut short is rolled back when the data folder is next opened
//!   ([`roll_back_interrupted`]).
//!
//! Another process's batch that is still being written is told from an interrupted one by a
//! lock: the writing process holds an exclusive lock on `writing/<batch id>.lock` in the data
//! folder for as long as it writes, and the OS releases it when the process dies.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{params, Transaction};

use crate::error::{Error, ErrorCode, Result};
use crate::store::Database;
use crate::time::now_utc;

/// The folder beside the database that holds the lock of each batch being written.
pub const LOCK_DIR_NAME: &str = "writing";

/// A batch being written in chunks; see [`write_in_chunks`].
pub struct Chunks<'a> {
    database: &'a Database,
    batch_id: &'a str,
    finished: std::cell::Cell<bool>,
    last_commit: std::cell::Cell<Option<std::time::Instant>>,
}

/// The pause between two chunks: SQLite does not queue writers, and a process waiting for the
/// lock tries again every 20 ms at most (see `store`), so without a pause the next chunk
/// would take the lock again before any waiting process got its turn.
pub const PAUSE_BETWEEN_CHUNKS: std::time::Duration = std::time::Duration::from_millis(25);

impl Chunks<'_> {
    /// Commits `work` as one chunk of the batch, in a transaction of its own.
    pub fn write<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        if self.finished.get() {
            return Err(Error::internal(
                "a chunk was written after the batch's last one",
            ));
        }
        if let Some(last_commit) = self.last_commit.get() {
            let since = last_commit.elapsed();
            if since < PAUSE_BETWEEN_CHUNKS {
                std::thread::sleep(PAUSE_BETWEEN_CHUNKS - since);
            }
        }
        let value = self.database.write(work)?;
        self.last_commit.set(Some(std::time::Instant::now()));
        Ok(value)
    }

    /// Commits `work` as the batch's last chunk: the batch is complete when this transaction
    /// commits, and not before.
    pub fn write_last<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let value = self.write(|transaction| {
            let value = work(transaction)?;
            forget(transaction, self.batch_id)?;
            Ok(value)
        })?;
        self.finished.set(true);
        Ok(value)
    }
}

/// Runs `work`, which writes the batch `batch_id` in chunks through the [`Chunks`] it is
/// given. When `work` fails, every chunk already committed is undone and the error returned.
/// `kind` names the sort of write (`import`, `demo`) in the list of unfinished batches.
pub fn write_in_chunks<T>(
    database: &Database,
    batch_id: &str,
    kind: &str,
    work: impl FnOnce(&Chunks<'_>) -> Result<T>,
) -> Result<T> {
    let lock_path = lock_path(database, batch_id);
    let lock = hold_lock(&lock_path)?;
    let started = database.write(|transaction| {
        transaction.execute(
            "INSERT INTO unfinished_batches (batch_id, kind, started_at) VALUES (?1, ?2, ?3)",
            params![batch_id, kind, now_utc()],
        )?;
        Ok(())
    });
    if let Err(error) = started {
        release_lock(lock, &lock_path);
        return Err(error);
    }
    let chunks = Chunks {
        database,
        batch_id,
        finished: std::cell::Cell::new(false),
        last_commit: std::cell::Cell::new(None),
    };
    let outcome = work(&chunks).and_then(|value| {
        if !chunks.finished.get() {
            chunks.write_last(|_| Ok(()))?;
        }
        Ok(value)
    });
    // A batch whose last chunk committed is complete, whatever `work` did after it.
    if outcome.is_err() && !chunks.finished.get() {
        if let Err(error) = database.write(|transaction| roll_back(transaction, batch_id)) {
            // Left listed: the next opening of the data folder rolls it back.
            tracing::error!(batch_id, error = %error.message, "could not roll back a failed batch");
        }
    }
    release_lock(lock, &lock_path);
    outcome
}

/// Rolls back every batch a crash cut short (listed as unfinished, and no process holds its
/// lock); returns their ids. Runs when the data folder is opened.
pub fn roll_back_interrupted(database: &Database) -> Result<Vec<String>> {
    let listed: Vec<String> = database.read(|connection| {
        let mut statement =
            connection.prepare("SELECT batch_id FROM unfinished_batches ORDER BY started_at")?;
        let ids = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    })?;
    let mut rolled_back = Vec::new();
    for batch_id in listed {
        let lock_path = lock_path(database, &batch_id);
        let Some(lock) = take_lock_if_free(&lock_path)? else {
            continue;
        };
        // Still listed? Its writer may have finished between the listing and the lock.
        let result = database.write(|transaction| {
            let listed: bool = transaction.query_row(
                "SELECT EXISTS (SELECT 1 FROM unfinished_batches WHERE batch_id = ?1)",
                [&batch_id],
                |row| row.get(0),
            )?;
            if listed {
                roll_back(transaction, &batch_id)?;
            }
            Ok(listed)
        });
        release_lock(lock, &lock_path);
        if result? {
            tracing::warn!(batch_id, "rolled back a batch a crash cut short");
            rolled_back.push(batch_id);
        }
    }
    remove_orphan_locks(database);
    Ok(rolled_back)
}

/// Removes lock files no process holds and no listed batch owns: a process killed between
/// creating its lock and listing its batch leaves one.
fn remove_orphan_locks(database: &Database) {
    let folder = database
        .path()
        .parent()
        .unwrap_or(Path::new("."))
        .join(LOCK_DIR_NAME);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(batch_id) = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .map(str::to_owned)
        else {
            continue;
        };
        let listed = database.read(|connection| {
            Ok(connection.query_row(
                "SELECT EXISTS (SELECT 1 FROM unfinished_batches WHERE batch_id = ?1)",
                [&batch_id],
                |row| row.get::<_, bool>(0),
            )?)
        });
        if !matches!(listed, Ok(false)) {
            continue;
        }
        if let Ok(Some(lock)) = take_lock_if_free(&path) {
            release_lock(lock, &path);
        }
    }
}

/// Undoes what the batch committed and removes it from the list.
fn roll_back(transaction: &Transaction<'_>, batch_id: &str) -> Result<()> {
    match crate::undo::undo_batch_in(transaction, batch_id) {
        Ok(_) => {}
        // Nothing committed yet.
        Err(error) if error.code == ErrorCode::UndoUnavailable => {}
        Err(error) => return Err(error),
    }
    forget(transaction, batch_id)
}

fn forget(transaction: &Transaction<'_>, batch_id: &str) -> Result<()> {
    transaction.execute(
        "DELETE FROM unfinished_batches WHERE batch_id = ?1",
        [batch_id],
    )?;
    Ok(())
}

fn lock_path(database: &Database, batch_id: &str) -> PathBuf {
    let folder = database.path().parent().unwrap_or(Path::new("."));
    folder.join(LOCK_DIR_NAME).join(format!("{batch_id}.lock"))
}

fn could_not_lock(source: &std::io::Error) -> Error {
    Error::io("could not mark a large write as in progress", source)
}

/// Creates and locks the batch's lock file. A batch of this id being written by another
/// process already is a conflict.
fn hold_lock(lock_path: &Path) -> Result<File> {
    if let Some(folder) = lock_path.parent() {
        std::fs::create_dir_all(folder).map_err(|source| could_not_lock(&source))?;
    }
    let file = File::create(lock_path).map_err(|source| could_not_lock(&source))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::conflict(
            "another OmniCRM process is writing this batch already",
        )),
        Err(std::fs::TryLockError::Error(source)) => Err(could_not_lock(&source)),
    }
}

/// The batch's lock when no process holds it (its writer is gone), else `None`.
fn take_lock_if_free(lock_path: &Path) -> Result<Option<File>> {
    let file = match File::open(lock_path) {
        Ok(file) => file,
        // The lock is created before the batch is listed: a listed batch without one was
        // written by a process that has released it, so is not being written.
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            return hold_lock(lock_path).map(Some)
        }
        Err(source) => return Err(could_not_lock(&source)),
    };
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(source)) => Err(could_not_lock(&source)),
    }
}

fn release_lock(lock: File, lock_path: &Path) {
    // Removed while still held, so no other process can take a lock on a file about to go.
    if let Err(error) = std::fs::remove_file(lock_path) {
        tracing::debug!(%error, "could not remove a batch's lock file");
    }
    drop(lock);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::contacts::{BulkContact, BulkOptions, ContactInput};

    fn add_one(transaction: &Transaction<'_>, batch_id: &str, name: &str) -> Result<()> {
        crate::contacts::insert_many_in(
            transaction,
            vec![BulkContact {
                input: ContactInput {
                    display_name: name.to_owned(),
                    ..ContactInput::default()
                },
                created_at: None,
            }],
            &BulkOptions {
                batch_id: Some(batch_id.to_owned()),
            },
            &mut |_| {},
        )
        .map(|_| ())
    }

    fn live_contacts(database: &Database) -> i64 {
        database
            .read(|connection| {
                Ok(connection.query_row(
                    "SELECT COUNT(*) FROM contacts WHERE deleted_at IS NULL",
                    [],
                    |row| row.get(0),
                )?)
            })
            .unwrap()
    }

    #[test]
    fn a_failure_before_the_last_chunk_undoes_the_batch_but_one_after_it_does_not() {
        let directory = tempfile::tempdir().unwrap();
        let database = Database::open_in_dir(directory.path()).unwrap();
        let failed: Result<()> = write_in_chunks(&database, "batch-a", "test", |chunks| {
            chunks.write(|transaction| add_one(transaction, "batch-a", "Ada One"))?;
            Err(Error::internal("the disk filled up"))
        });
        assert!(failed.is_err());
        assert_eq!(live_contacts(&database), 0);

        let late: Result<()> = write_in_chunks(&database, "batch-b", "test", |chunks| {
            chunks.write(|transaction| add_one(transaction, "batch-b", "Bo One"))?;
            chunks.write_last(|transaction| add_one(transaction, "batch-b", "Bo Two"))?;
            Err(Error::internal("a report after the batch failed"))
        });
        assert!(late.is_err());
        assert_eq!(live_contacts(&database), 2, "a complete batch was undone");
        let listed: i64 = database
            .read(|connection| {
                Ok(
                    connection.query_row("SELECT COUNT(*) FROM unfinished_batches", [], |row| {
                        row.get(0)
                    })?,
                )
            })
            .unwrap();
        assert_eq!(listed, 0);
    }
}

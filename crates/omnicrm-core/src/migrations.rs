//! Numbered SQL migrations from `migrations/sqlite/`, applied when a database is opened.
//!
//! The schema version is kept in `PRAGMA user_version`, and each applied migration is also
//! recorded in `schema_migrations` with the time it was applied.

use rusqlite::Connection;

use crate::error::{Error, ErrorCode, Result};
use crate::time::now_utc;

/// One migration: its number, its file name and its SQL.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. A test checks this list against the files on disk.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_contacts.sql",
        sql: include_str!("../../../migrations/sqlite/0001_contacts.sql"),
    },
    Migration {
        version: 2,
        name: "0002_contact_list_speed.sql",
        sql: include_str!("../../../migrations/sqlite/0002_contact_list_speed.sql"),
    },
    Migration {
        version: 3,
        name: "0003_jobs.sql",
        sql: include_str!("../../../migrations/sqlite/0003_jobs.sql"),
    },
    Migration {
        version: 4,
        name: "0004_crm_depth.sql",
        sql: include_str!("../../../migrations/sqlite/0004_crm_depth.sql"),
    },
    Migration {
        version: 5,
        name: "0005_imports.sql",
        sql: include_str!("../../../migrations/sqlite/0005_imports.sql"),
    },
    Migration {
        version: 6,
        name: "0006_duplicate_dismissals.sql",
        sql: include_str!("../../../migrations/sqlite/0006_duplicate_dismissals.sql"),
    },
    Migration {
        version: 7,
        name: "0007_integration_accounts.sql",
        sql: include_str!("../../../migrations/sqlite/0007_integration_accounts.sql"),
    },
    Migration {
        version: 8,
        name: "0008_google_sync.sql",
        sql: include_str!("../../../migrations/sqlite/0008_google_sync.sql"),
    },
    Migration {
        version: 9,
        name: "0009_ai.sql",
        sql: include_str!("../../../migrations/sqlite/0009_ai.sql"),
    },
    Migration {
        version: 10,
        name: "0010_search.sql",
        sql: include_str!("../../../migrations/sqlite/0010_search.sql"),
    },
    Migration {
        version: 11,
        name: "0011_calendar_revisions.sql",
        sql: include_str!("../../../migrations/sqlite/0011_calendar_revisions.sql"),
    },
    Migration {
        version: 12,
        name: "0012_search_by_kind.sql",
        sql: include_str!("../../../migrations/sqlite/0012_search_by_kind.sql"),
    },
    Migration {
        version: 13,
        name: "0013_fewer_contact_indexes.sql",
        sql: include_str!("../../../migrations/sqlite/0013_fewer_contact_indexes.sql"),
    },
    Migration {
        version: 14,
        name: "0014_search_vector_generations.sql",
        sql: include_str!("../../../migrations/sqlite/0014_search_vector_generations.sql"),
    },
    Migration {
        version: 15,
        name: "0015_team_sync.sql",
        sql: include_str!("../../../migrations/sqlite/0015_team_sync.sql"),
    },
    Migration {
        version: 16,
        name: "0016_sync_conflicts.sql",
        sql: include_str!("../../../migrations/sqlite/0016_sync_conflicts.sql"),
    },
    Migration {
        version: 17,
        name: "0017_private_note_search.sql",
        sql: include_str!("../../../migrations/sqlite/0017_private_note_search.sql"),
    },
    Migration {
        version: 18,
        name: "0018_sync_pending_index.sql",
        sql: include_str!("../../../migrations/sqlite/0018_sync_pending_index.sql"),
    },
    Migration {
        version: 19,
        name: "0019_sync_authors.sql",
        sql: include_str!("../../../migrations/sqlite/0019_sync_authors.sql"),
    },
    Migration {
        version: 20,
        name: "0020_sync_tag_aliases.sql",
        sql: include_str!("../../../migrations/sqlite/0020_sync_tag_aliases.sql"),
    },
    Migration {
        version: 21,
        name: "0021_unfinished_batches.sql",
        sql: include_str!("../../../migrations/sqlite/0021_unfinished_batches.sql"),
    },
    Migration {
        version: 22,
        name: "0022_keep_in_touch.sql",
        sql: include_str!("../../../migrations/sqlite/0022_keep_in_touch.sql"),
    },
    Migration {
        version: 23,
        name: "0023_ai_budget_holds.sql",
        sql: include_str!("../../../migrations/sqlite/0023_ai_budget_holds.sql"),
    },
    Migration {
        version: 24,
        name: "0024_access_log.sql",
        sql: include_str!("../../../migrations/sqlite/0024_access_log.sql"),
    },
    Migration {
        version: 25,
        name: "0025_today_page_speed.sql",
        sql: include_str!("../../../migrations/sqlite/0025_today_page_speed.sql"),
    },
];

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

pub(crate) fn read_version(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Refuses a database written by a newer OmniCRM.
pub(crate) fn ensure_not_newer(found: i64) -> Result<()> {
    let supported = latest_version();
    if found > supported {
        return Err(Error::new(
            ErrorCode::SchemaTooNew,
            format!(
                "this database has schema version {found}, but this OmniCRM understands up to \
                 version {supported}; update OmniCRM to open it (the database was not changed)"
            ),
        ));
    }
    Ok(())
}

/// Applies every migration newer than the database, each in its own transaction.
///
/// Each transaction takes the write lock first (`BEGIN IMMEDIATE`) and reads the version
/// again inside it, so when two processes open the same database at once (the app and the
/// CLI, a brand-new data folder or one that needs an upgrade), one applies each migration
/// and the other waits for it and then skips it, instead of running its SQL a second time.
pub(crate) fn apply(connection: &mut Connection) -> Result<i64> {
    ensure_not_newer(read_version(connection)?)?;
    for migration in MIGRATIONS {
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current = read_version(&transaction)?;
        ensure_not_newer(current)?;
        if migration.version <= current {
            continue;
        }
        transaction.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TEXT NOT NULL
             )",
        )?;
        transaction.execute_batch(migration.sql).map_err(|source| {
            Error::new(
                ErrorCode::Database,
                format!(
                    "migration {} failed: {}",
                    migration.name,
                    sqlite_message(&source)
                ),
            )
        })?;
        transaction.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![migration.version, migration.name, now_utc()],
        )?;
        transaction.pragma_update(None, "user_version", migration.version)?;
        transaction.commit()?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
    }
    read_version(connection)
}

/// SQLite's own words for a failed statement, without the statement's SQL (a migration's
/// whole script otherwise ends up in the message).
fn sqlite_message(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use omnicrm_core::migrations::{latest_version, MIGRATIONS};
use omnicrm_core::store::DATABASE_FILE_NAME;
use omnicrm_core::{Core, Database, ErrorCode};

#[test]
fn a_new_database_is_migrated_to_the_latest_version_in_wal_mode() {
    let (directory, core) = common::open_core();
    assert_eq!(core.database.schema_version().unwrap(), latest_version());
    let connection = rusqlite::Connection::open(directory.path().join(DATABASE_FILE_NAME)).unwrap();
    let mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let recorded: i64 = connection
        .query_row("SELECT COUNT(*) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(recorded, MIGRATIONS.len() as i64);
}

#[test]
fn reopening_keeps_data_and_applies_nothing_twice() {
    let (directory, core) = common::open_core();
    core.contacts.create(common::person("Ada Reopen")).unwrap();
    drop(core);
    let core = Core::open(directory.path()).unwrap();
    let page = core.contacts.list(&Default::default()).unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(DATABASE_FILE_NAME);
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Database::open(&path).unwrap_err();
    assert_eq!(error.code, ErrorCode::SchemaTooNew);
    assert!(error.message.contains("999"), "{}", error.message);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file changed");
    assert!(!directory
        .path()
        .join(format!("{DATABASE_FILE_NAME}-wal"))
        .exists());
}

#[test]
fn every_migration_file_is_registered_in_order() {
    let directory =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/sqlite");
    let mut files: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    files.sort();
    let registered: Vec<&str> = MIGRATIONS.iter().map(|migration| migration.name).collect();
    assert_eq!(files, registered);
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        assert_eq!(migration.version, index as i64 + 1);
        assert!(migration
            .name
            .starts_with(&format!("{:04}_", migration.version)));
    }
}

#[test]
fn readers_see_committed_writes_while_running_concurrently() {
    let (_directory, core) = common::open_core();
    core.contacts
        .create(common::person("Concurrent Reader"))
        .unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let contacts = core.contacts.clone();
            std::thread::spawn(move || contacts.list(&Default::default()).unwrap().total)
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_callers_run_store_work_off_the_runtime() {
    let (_directory, core) = common::open_core();
    let created = core
        .run(|core| core.contacts.create(common::person("Async Caller")))
        .await
        .unwrap();
    let fetched = core
        .run(move |core| core.contacts.get(&created.id))
        .await
        .unwrap();
    assert_eq!(fetched.display_name, "Async Caller");
}

#[test]
fn integrity_check_reports_ok_on_a_healthy_database() {
    let (_directory, core) = common::open_core();
    assert_eq!(
        core.database.integrity_check().unwrap(),
        vec!["ok".to_owned()]
    );
}

#[test]
fn a_version_one_database_with_contacts_migrates_and_keeps_an_exact_total() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(DATABASE_FILE_NAME);
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection.execute_batch(MIGRATIONS[0].sql).unwrap();
        connection
            .execute_batch(
                "INSERT INTO contacts (id, display_name, sort_name, stage_rank, client_status,
                                       source, created_at, updated_at, deleted_at)
                 VALUES ('a', 'Ann', 'ann', 7, 'active', 'manual', '2026-01-01T00:00:00.000Z',
                         '2026-01-01T00:00:00.000Z', NULL),
                        ('b', 'Ben', 'ben', 7, 'active', 'manual', '2026-01-01T00:00:00.000Z',
                         '2026-01-01T00:00:00.000Z', NULL),
                        ('c', 'Cat', 'cat', 7, 'active', 'manual', '2026-01-01T00:00:00.000Z',
                         '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
                 PRAGMA user_version = 1;",
            )
            .unwrap();
    }
    let core = Core::open(directory.path()).unwrap();
    assert_eq!(core.database.schema_version().unwrap(), latest_version());
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 2);
    core.contacts.create(common::person("Dee")).unwrap();
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 3);
}

#[test]
fn migration_eleven_reads_the_version_of_each_stored_calendar_event_from_its_payload() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(DATABASE_FILE_NAME);
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        for migration in MIGRATIONS.iter().take(10) {
            connection.execute_batch(migration.sql).unwrap();
        }
        connection
            .execute_batch(
                r#"INSERT INTO raw_events (id, provider, source_id, account_id, batch_id,
                                          payload_json, status, fetched_at)
                   VALUES ('r1', 'google_calendar', 'ev1', 'acct', 'b1',
                           '{"id":"ev1","etag":"\"7\"","updated":"2026-01-02T03:04:05.006Z","status":"confirmed"}',
                           'normalized', '2026-01-03T00:00:00.000Z'),
                          ('r2', 'google_calendar', 'ev2', 'acct', 'b1',
                           '{"id":"ev2","status":"cancelled"}', 'skipped', '2026-01-03T00:00:00.000Z'),
                          ('r3', 'gmail', 'm1', 'acct', 'b1', '{"id":"m1","etag":"ignored"}',
                           'normalized', '2026-01-03T00:00:00.000Z');
                   PRAGMA user_version = 10;"#,
            )
            .unwrap();
    }
    let core = Core::open(directory.path()).unwrap();
    assert_eq!(core.database.schema_version().unwrap(), latest_version());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let read = |id: &str| -> (String, Option<String>, bool, Option<String>) {
        connection
            .query_row(
                "SELECT version, source_updated_at, removed, superseded_by FROM raw_events
                 WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .unwrap()
    };
    assert_eq!(
        read("r1"),
        (
            "\"7\"".to_owned(),
            Some("2026-01-02T03:04:05.006Z".to_owned()),
            false,
            None
        )
    );
    assert_eq!(read("r2"), ("cancelled".to_owned(), None, true, None));
    assert_eq!(
        read("r3"),
        (String::new(), None, false, None),
        "mail has no versions"
    );
    // A second version of a stored event now has room; the same version still does not.
    connection
        .execute(
            "INSERT INTO raw_events (id, provider, source_id, account_id, batch_id, payload_json,
                                     status, fetched_at, version)
             VALUES ('r4', 'google_calendar', 'ev1', 'acct', 'b2', '{}', 'pending',
                     '2026-01-04T00:00:00.000Z', '\"8\"')",
            [],
        )
        .unwrap();
    let again = connection.execute(
        "INSERT INTO raw_events (id, provider, source_id, account_id, batch_id, payload_json,
                                 status, fetched_at, version)
         VALUES ('r5', 'google_calendar', 'ev1', 'acct', 'b2', '{}', 'pending',
                 '2026-01-04T00:00:00.000Z', '\"8\"')",
        [],
    );
    assert!(again.is_err(), "one row per version");
}

/// Issue 20: two processes opening a brand-new data folder at once failed 19 times in 20
/// ("migration 0001_contacts.sql failed: table settings already exists", "database is
/// locked"): the schema version was read outside the migration's write transaction.
#[test]
fn two_processes_opening_a_new_data_folder_at_once_both_get_a_migrated_database() {
    for trial in 0..10 {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join(DATABASE_FILE_NAME);
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    start.wait();
                    Database::open(&path).map(|database| database.schema_version())
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().unwrap();
            match opened {
                Ok(version) => assert_eq!(version.unwrap(), latest_version()),
                Err(error) => panic!("trial {trial}: {error}"),
            }
        }
        let connection = rusqlite::Connection::open(&path).unwrap();
        let recorded: i64 = connection
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(recorded, MIGRATIONS.len() as i64, "trial {trial}");
    }
}

/// Issue 20: writers gave up after 5 s with a bare "database is locked" while another process
/// wrote. A write now waits as long as the other one holds the lock, and says it is waiting.
#[test]
fn a_write_waits_for_another_process_that_holds_the_lock_longer_than_five_seconds() {
    let (directory, core) = common::open_core();
    let notices = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = notices.clone();
    omnicrm_core::store::on_waiting_for_other_process(std::sync::Arc::new(move || {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    let other_process =
        rusqlite::Connection::open(directory.path().join(DATABASE_FILE_NAME)).unwrap();
    other_process.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (locked, holding) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        locked.send(()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(6_500));
        other_process.execute_batch("COMMIT").unwrap();
    });
    holding.recv().unwrap();
    let started = std::time::Instant::now();
    core.contacts.create(common::person("Ada Waiting")).unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(6));
    assert_eq!(notices.load(std::sync::atomic::Ordering::SeqCst), 1);
    holder.join().unwrap();
}

/// Issue 20: after a large import the WAL stayed as big as the database (29 MB beside 28 MB).
#[test]
fn the_wal_is_cut_back_after_a_large_write() {
    let (directory, core) = common::open_core();
    core.database
        .write(|transaction| {
            transaction.execute_batch(
                "CREATE TABLE scratch (body BLOB);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
                 INSERT INTO scratch SELECT randomblob(10000) FROM n;",
            )?;
            Ok(())
        })
        .unwrap();
    let wal = directory.path().join(format!("{DATABASE_FILE_NAME}-wal"));
    let large = std::fs::metadata(&wal).unwrap().len();
    assert!(large > 16_000_000, "the WAL held {large} bytes");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::metadata(&wal).unwrap().len() > 4 * 1024 * 1024 {
        assert!(
            std::time::Instant::now() < deadline,
            "the WAL still holds {} bytes",
            std::fs::metadata(&wal).unwrap().len()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The threads of this process named `name` (Linux: /proc/self/task/*/comm, cut to 15 bytes).
#[cfg(target_os = "linux")]
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim() == name)
        .count()
}

/// Regression: the checkpoint thread outlived its database by up to half a second, and a
/// process exiting meanwhile (every CLI command) crashed with a segmentation fault 4 times in
/// 40 runs on an encrypted folder: the thread closed its SQLCipher connection while the crypto
/// library was being torn down. Closing the database now stops the thread and waits for it.
#[cfg(target_os = "linux")]
#[test]
fn closing_a_database_stops_its_checkpoint_thread_before_returning() {
    let directory = tempfile::tempdir().unwrap();
    // Other tests of this binary run in their own processes under nextest; under cargo test
    // they may share this one, so count before and after.
    let before = threads_named("omnicrm-checkpo");
    let key = omnicrm_core::encryption::DatabaseKey::generate();
    let database = Database::open_in_dir_with_key(directory.path(), Some(key)).unwrap();
    // The thread names itself once it runs.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while threads_named("omnicrm-checkpo") < before + 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(threads_named("omnicrm-checkpo"), before + 1);
    drop(database);
    assert_eq!(threads_named("omnicrm-checkpo"), before);
}

/// Regression: closing a database left its WAL beside it (the last connection to close was a
/// read-only reader, which cannot checkpoint), so every later open read the whole WAL again:
/// 14.5 ms instead of 5 ms to open a 2,000-contact folder, and a copy of the database file
/// alone missed everything written since the last checkpoint.
#[test]
fn closing_a_database_moves_its_wal_into_the_file_and_removes_it() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    core.contacts
        .create(omnicrm_core::contacts::ContactInput {
            display_name: "Ada Closed".to_owned(),
            ..Default::default()
        })
        .unwrap();
    // A pooled reader, open until the database closes.
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 1);
    drop(core);
    let wal = directory.path().join(format!("{DATABASE_FILE_NAME}-wal"));
    assert!(
        !wal.exists(),
        "the WAL stayed: {} bytes",
        wal.metadata().unwrap().len()
    );
    // The database file alone holds the contact.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(
        directory.path().join(DATABASE_FILE_NAME),
        copy.path().join(DATABASE_FILE_NAME),
    )
    .unwrap();
    let reopened = Core::open(copy.path()).unwrap();
    assert_eq!(
        reopened.contacts.list(&Default::default()).unwrap().total,
        1
    );
}

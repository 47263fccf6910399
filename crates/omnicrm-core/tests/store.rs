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

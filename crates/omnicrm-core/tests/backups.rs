#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{open_core, person};
use omnicrm_core::backups::{BackupInfo, BackupReason, DEFAULT_INTERVAL, DEFAULT_KEEP};
use omnicrm_core::migrations::{latest_version, MIGRATIONS};
use omnicrm_core::{Core, ErrorCode};

fn contact_total(core: &Core) -> u32 {
    core.contacts.list(&Default::default()).unwrap().total
}

fn contact_names(core: &Core) -> Vec<String> {
    core.contacts
        .list(&Default::default())
        .unwrap()
        .items
        .into_iter()
        .map(|item| item.display_name)
        .collect()
}

fn backup_path(core: &Core, file_name: &str) -> PathBuf {
    core.backups.backup_dir().join(file_name)
}

fn integrity(path: &Path) -> Vec<String> {
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut statement = connection.prepare("PRAGMA integrity_check").unwrap();
    let rows = statement
        .query_map([], |row| row.get::<_, String>(0))
        .unwrap();
    rows.collect::<rusqlite::Result<Vec<_>>>().unwrap()
}

fn folder_entries(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A copy of `backup` under another valid backup name, for tests that damage or alter it.
fn copy_as(core: &Core, backup: &BackupInfo, file_name: &str) -> PathBuf {
    let copy = backup_path(core, file_name);
    std::fs::copy(backup_path(core, &backup.file_name), &copy).unwrap();
    copy
}

fn reasons(backups: &[BackupInfo]) -> Vec<BackupReason> {
    backups.iter().map(|backup| backup.reason).collect()
}

#[test]
fn create_and_list_report_the_metadata_newest_first() {
    let (_directory, core) = open_core();
    assert!(core.backups.list().unwrap().is_empty());
    for name in ["Ada Backup", "Grace Backup", "Linus Backup"] {
        core.contacts.create(person(name)).unwrap();
    }
    let mut reports = Vec::new();
    let manual = core
        .backups
        .create_with_progress(BackupReason::Manual, &mut |done, total| {
            reports.push((done, total))
        })
        .unwrap();
    assert!(manual.file_name.starts_with("omnicrm-"), "{manual:?}");
    assert!(
        manual.file_name.ends_with("-manual.sqlite3"),
        "{}",
        manual.file_name
    );
    assert!(manual.created_at.ends_with('Z'), "{}", manual.created_at);
    assert!(chrono::DateTime::parse_from_rfc3339(&manual.created_at).is_ok());
    assert_eq!(manual.reason, BackupReason::Manual);
    assert_eq!(manual.schema_version, Some(latest_version() as i32));
    assert_eq!(manual.contact_count, Some(3));
    assert!(manual.size_bytes > 0.0);
    assert_eq!(manual.error, None);
    let (done, total) = *reports.last().unwrap();
    assert!(total > 0);
    assert_eq!(done, total);

    core.contacts.create(person("Margaret Backup")).unwrap();
    let scheduled = core.backups.create(BackupReason::Scheduled).unwrap();
    assert_eq!(scheduled.contact_count, Some(4));

    let listed = core.backups.list().unwrap();
    assert_eq!(listed, vec![scheduled.clone(), manual.clone()]);
    assert_eq!(
        folder_entries(core.backups.backup_dir()),
        vec![manual.file_name.clone(), scheduled.file_name.clone()],
        "only whole single-file backups: no .partial, -wal or -shm"
    );
    assert_eq!(
        integrity(&backup_path(&core, &manual.file_name)),
        vec!["ok".to_owned()]
    );
}

#[test]
fn an_unreadable_file_is_listed_with_its_error() {
    let (_directory, core) = open_core();
    let good = core.backups.create(BackupReason::Manual).unwrap();
    let junk = "omnicrm-20200101T000000000Z-manual.sqlite3";
    std::fs::write(backup_path(&core, junk), b"this is not a database at all").unwrap();
    std::fs::write(backup_path(&core, "notes.txt"), b"not a backup").unwrap();
    let listed = core.backups.list().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0], good);
    assert_eq!(listed[1].file_name, junk);
    assert_eq!(listed[1].created_at, "2020-01-01T00:00:00.000Z");
    assert!(listed[1].error.is_some());
    assert_eq!(listed[1].schema_version, None);
    assert_eq!(listed[1].contact_count, None);
}

#[test]
fn a_backup_taken_during_writes_is_a_consistent_snapshot() {
    let (_directory, core) = open_core();
    core.demo
        .load(400, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let core = core.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut written = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                core.contacts
                    .create(person(&format!("Writer {written}")))
                    .unwrap();
                written += 1;
            }
            written
        })
    };
    while contact_total(&core) < 420 {
        std::thread::yield_now();
    }
    let before = contact_total(&core);
    let mut steps = 0;
    let backup = core
        .backups
        .create_with_progress(BackupReason::Manual, &mut |_, _| {
            steps += 1;
            // Give the writer room between steps, and write from here too, so the database
            // certainly changes while the copy is under way.
            core.contacts.create(person("Mid Backup")).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(2));
        })
        .unwrap();
    let after = contact_total(&core);
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();

    assert!(
        steps > 1,
        "the copy ran in one step; the test proves nothing"
    );
    assert!(written > 0);
    assert_eq!(
        integrity(&backup_path(&core, &backup.file_name)),
        vec!["ok".to_owned()]
    );
    let count = u32::try_from(backup.contact_count.unwrap()).unwrap();
    assert!(
        before <= count && count <= after,
        "backup has {count} contacts; before {before}, after {after}"
    );
    assert!(after > before, "nothing was written during the backup");
}

#[test]
fn restore_brings_back_deleted_data_and_keeps_the_previous_database() {
    let (_directory, core) = open_core();
    let ada = core.contacts.create(person("Ada Restore")).unwrap();
    core.contacts.create(person("Grace Restore")).unwrap();
    let backup = core.backups.create(BackupReason::Manual).unwrap();
    core.contacts.delete(&ada.id).unwrap();
    core.contacts.create(person("Linus Later")).unwrap();
    assert_eq!(contact_names(&core), vec!["Grace Restore", "Linus Later"]);

    let outcome = core.backups.restore(&backup.file_name).unwrap();
    assert_eq!(outcome.restored_from, backup.file_name);

    // The same handle, not a reopened one, sees the restored data.
    assert_eq!(contact_names(&core), vec!["Ada Restore", "Grace Restore"]);
    assert_eq!(
        core.contacts.get(&ada.id).unwrap().display_name,
        "Ada Restore"
    );
    assert_eq!(core.contacts.search("linus", 10).unwrap().len(), 0);
    assert_eq!(core.database.integrity_check().unwrap(), vec!["ok"]);

    let listed = core.backups.list().unwrap();
    let previous = listed
        .iter()
        .find(|item| item.file_name == outcome.previous_saved_as)
        .unwrap();
    assert_eq!(previous.reason, BackupReason::BeforeRestore);
    assert_eq!(previous.contact_count, Some(2));
    assert!(backup_path(&core, &backup.file_name).exists());

    // The store keeps working, and the previous database can be restored in turn.
    core.contacts.create(person("Margaret After")).unwrap();
    assert_eq!(contact_total(&core), 3);
    core.backups.restore(&outcome.previous_saved_as).unwrap();
    assert_eq!(contact_names(&core), vec!["Grace Restore", "Linus Later"]);
}

#[test]
fn restore_upgrades_a_backup_from_an_older_schema() {
    let (_directory, core) = open_core();
    // A backup written by an OmniCRM whose schema stopped at version 2.
    core.backups.create(BackupReason::Manual).unwrap();
    let old_name = "omnicrm-20200101T000000000Z-manual.sqlite3";
    let old = backup_path(&core, old_name);
    {
        let connection = rusqlite::Connection::open(&old).unwrap();
        for migration in MIGRATIONS.iter().take(2) {
            connection.execute_batch(migration.sql).unwrap();
        }
        connection
            .execute_batch(
                "INSERT INTO contacts (id, display_name, sort_name, stage_rank, client_status,
                                       source, created_at, updated_at)
                 VALUES ('a', 'Ada Old Schema', 'ada old schema', 7, 'active', 'manual',
                         '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z');
                 PRAGMA user_version = 2;",
            )
            .unwrap();
    }
    core.contacts.create(person("Grace Later")).unwrap();

    core.backups.restore(old_name).unwrap();
    assert_eq!(core.database.schema_version().unwrap(), latest_version());
    assert_eq!(contact_names(&core), vec!["Ada Old Schema"]);
    let queue =
        core.database
            .read(|connection| {
                Ok(connection
                    .query_row("SELECT COUNT(*) FROM jobs", [], |row| row.get::<_, i64>(0))?)
            })
            .unwrap();
    assert_eq!(queue, 0);
}

#[test]
fn restore_refuses_a_damaged_backup_and_changes_nothing() {
    let (_directory, core) = open_core();
    core.demo
        .load(100, omnicrm_core::demo::DEFAULT_SEED, &mut |_| {})
        .unwrap();
    let backup = core.backups.create(BackupReason::Manual).unwrap();
    core.contacts.create(person("Only Live")).unwrap();
    let damaged_name = "omnicrm-20200101T000000000Z-manual.sqlite3";
    let damaged = copy_as(&core, &backup, damaged_name);
    let mut bytes = std::fs::read(&damaged).unwrap();
    let start = bytes.len() / 3;
    let end = (start + 16_384).min(bytes.len());
    for (index, byte) in bytes[start..end].iter_mut().enumerate() {
        *byte = (index % 251) as u8 ^ 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let before_names = contact_names(&core);
    let before_backups = core.backups.list().unwrap().len();

    let error = core.backups.restore(damaged_name).unwrap_err();
    assert_eq!(error.code, ErrorCode::Database, "{error:?}");
    assert!(error.message.contains("damaged"), "{}", error.message);
    assert_eq!(contact_names(&core), before_names);
    assert_eq!(core.backups.list().unwrap().len(), before_backups);
}

#[test]
fn restore_refuses_a_backup_from_a_newer_schema_and_changes_nothing() {
    let (_directory, core) = open_core();
    core.contacts.create(person("Ada Present")).unwrap();
    let backup = core.backups.create(BackupReason::Manual).unwrap();
    core.contacts.create(person("Grace Present")).unwrap();
    let future_name = "omnicrm-20200101T000000000Z-manual.sqlite3";
    let future = copy_as(&core, &backup, future_name);
    {
        let connection = rusqlite::Connection::open(&future).unwrap();
        connection
            .execute_batch("PRAGMA user_version = 999;")
            .unwrap();
    }
    let before_names = contact_names(&core);
    let before_backups = core.backups.list().unwrap().len();

    let error = core.backups.restore(future_name).unwrap_err();
    assert_eq!(error.code, ErrorCode::SchemaTooNew);
    assert!(error.message.contains("999"), "{}", error.message);
    assert_eq!(contact_names(&core), before_names);
    assert_eq!(core.backups.list().unwrap().len(), before_backups);
    assert_eq!(core.database.schema_version().unwrap(), latest_version());
}

#[test]
fn restore_accepts_only_listed_backup_names() {
    let (directory, core) = open_core();
    core.backups.create(BackupReason::Manual).unwrap();
    for name in [
        "../omnicrm.sqlite3",
        "..",
        "omnicrm-20200101T000000000Z-manual.sqlite3/..",
        "sub/omnicrm-20200101T000000000Z-manual.sqlite3",
        "..\\omnicrm.sqlite3",
        "/etc/passwd",
        "",
    ] {
        let error = core.backups.restore(name).unwrap_err();
        assert_eq!(error.code, ErrorCode::ValidationFailed, "{name}: {error:?}");
        assert_eq!(error.field_errors()[0].field, "file_name", "{name}");
    }
    let error = core
        .backups
        .restore("omnicrm-20200101T000000000Z-manual.sqlite3")
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    // The live database is in the data directory, not a backup.
    let error = core
        .backups
        .restore(omnicrm_core::store::DATABASE_FILE_NAME)
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(directory
        .path()
        .join(omnicrm_core::store::DATABASE_FILE_NAME)
        .exists());
}

#[test]
fn prune_removes_only_the_oldest_scheduled_backups() {
    let (_directory, core) = open_core();
    let manual = core.backups.create(BackupReason::Manual).unwrap();
    let first = core.backups.create(BackupReason::Scheduled).unwrap();
    let second = core.backups.create(BackupReason::Scheduled).unwrap();
    let before_restore = core.backups.create(BackupReason::BeforeRestore).unwrap();
    let third = core.backups.create(BackupReason::Scheduled).unwrap();

    let removed = core.backups.prune(1).unwrap();
    assert_eq!(removed, vec![second.file_name, first.file_name]);
    let listed = core.backups.list().unwrap();
    assert_eq!(listed, vec![third, before_restore, manual.clone()]);

    let removed = core.backups.prune(0).unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(
        reasons(&core.backups.list().unwrap()),
        vec![BackupReason::BeforeRestore, BackupReason::Manual]
    );
}

#[test]
fn create_if_due_respects_the_interval_and_prunes() {
    let (_directory, core) = open_core();
    core.backups.create(BackupReason::Manual).unwrap();
    let first = core
        .backups
        .create_if_due(DEFAULT_INTERVAL, DEFAULT_KEEP)
        .unwrap()
        .expect("a manual backup does not count as a scheduled one");
    assert_eq!(first.reason, BackupReason::Scheduled);
    assert_eq!(
        core.backups
            .create_if_due(DEFAULT_INTERVAL, DEFAULT_KEEP)
            .unwrap(),
        None
    );
    assert_eq!(core.backups.list().unwrap().len(), 2);

    let second = core
        .backups
        .create_if_due(chrono::Duration::zero(), 1)
        .unwrap()
        .expect("due at once with a zero interval");
    assert_eq!(
        reasons(&core.backups.list().unwrap()),
        vec![BackupReason::Scheduled, BackupReason::Manual]
    );
    assert_eq!(core.backups.list().unwrap()[0], second);

    // A scheduled backup from long ago makes the next one due.
    let old_name = "omnicrm-20200101T000000000Z-scheduled.sqlite3";
    copy_as(&core, &second, old_name);
    std::fs::remove_file(backup_path(&core, &second.file_name)).unwrap();
    let third = core
        .backups
        .create_if_due(DEFAULT_INTERVAL, DEFAULT_KEEP)
        .unwrap();
    assert!(third.is_some());
}

/// Issue 20: killed backups left `….partial` and `….partial-journal` files about the
/// database's size that no later backup removed.
#[test]
fn unfinished_backups_a_crash_left_are_removed_by_the_next_backup_and_at_start() {
    let (directory, core) = open_core();
    core.contacts.create(person("Ada Partial")).unwrap();
    let folder = core.backups.backup_dir().to_path_buf();
    std::fs::create_dir_all(&folder).unwrap();
    let left = |stamp: &str| {
        let partial = folder.join(format!("omnicrm-{stamp}-manual.sqlite3.partial"));
        std::fs::write(&partial, vec![7u8; 100_000]).unwrap();
        std::fs::write(
            folder.join(format!("omnicrm-{stamp}-manual.sqlite3.partial-journal")),
            vec![7u8; 1_000],
        )
        .unwrap();
        partial
    };
    let first = left("20261201T100000000Z");
    for side_file in ["-wal", "-shm"] {
        let mut name = first.as_os_str().to_owned();
        name.push(side_file);
        std::fs::write(name, b"a copy's WAL").unwrap();
    }
    std::fs::write(
        folder.join("omnicrm-20261201T110000000Z-scheduled.sqlite3.partial-journal"),
        b"journal without its file",
    )
    .unwrap();
    assert_eq!(
        omnicrm_core::backups::unfinished_backups(&folder)
            .unwrap()
            .len(),
        2
    );
    core.backups.create(BackupReason::Manual).unwrap();
    let entries = folder_entries(&folder);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(!entries[0].contains("partial"), "{entries:?}");

    left("20261202T100000000Z");
    drop(core);
    let core = Core::open(directory.path()).unwrap();
    assert_eq!(
        folder_entries(&folder).len(),
        1,
        "{:?}",
        folder_entries(&folder)
    );

    // One another process is still writing (it holds the file's lock) stays.
    let writing = left("20261203T100000000Z");
    let held = std::fs::File::open(&writing).unwrap();
    held.lock().unwrap();
    assert_eq!(core.backups.remove_unfinished().unwrap(), 0);
    assert!(writing.exists());
    drop(held);
    assert_eq!(core.backups.remove_unfinished().unwrap(), 1);
    assert!(!writing.exists());
}

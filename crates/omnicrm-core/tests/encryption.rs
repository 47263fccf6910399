//! Encryption at rest: no file of an encrypted data folder, its WAL or its backups holds a
//! client's name or email; a plain folder is encrypted in place without losing a row; wrong
//! and missing keys are clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use omnicrm_core::backups::BackupReason;
use omnicrm_core::contacts::{ContactInput, EmailEntry};
use omnicrm_core::encryption::{self, DatabaseKey, FileState};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::store::DATABASE_FILE_NAME;
use omnicrm_core::{Core, ErrorCode};

const CLIENT_NAME: &str = "Zephyrine Quillfeather";
const CLIENT_EMAIL: &str = "zephyrine.quillfeather@example.test";
const NOTE_TEXT: &str = "Discussed the recurring nightmares about the lighthouse";

fn add_known_client(core: &Core) {
    let contact = core
        .contacts
        .create(ContactInput {
            display_name: CLIENT_NAME.to_owned(),
            emails: vec![EmailEntry {
                address: CLIENT_EMAIL.to_owned(),
                label: None,
                is_primary: true,
            }],
            ..ContactInput::default()
        })
        .unwrap();
    core.notes
        .create(&contact.id, NoteInput::plain(NOTE_TEXT))
        .unwrap();
}

/// Every file under `folder` (the database, its WAL and shared memory, backups, locks, logs)
/// whose bytes contain one of `needles`.
fn files_containing(folder: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            // The WAL and shared-memory files go away as the last connection closes.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            for needle in needles {
                if bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
                {
                    found.push(format!("{} holds {needle:?}", path.display()));
                }
            }
        }
    }
    found
}

fn file_count(folder: &Path) -> usize {
    walk_files(folder).len()
}

fn walk_files(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn encrypted_folder_holds_no_readable_client_data_in_any_file_wal_or_backup() {
    let directory = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let core = Core::open_with_key(directory.path(), Some(key.clone())).unwrap();
    add_known_client(&core);
    core.backups.create(BackupReason::Manual).unwrap();
    // The WAL holds the latest pages while the database is open: it must be encrypted too.
    assert!(file_count(directory.path()) >= 3);
    let needles = [CLIENT_NAME, CLIENT_EMAIL, NOTE_TEXT, "Quillfeather"];
    assert_eq!(
        files_containing(directory.path(), &needles),
        Vec::<String>::new()
    );
    drop(core);
    assert_eq!(
        files_containing(directory.path(), &needles),
        Vec::<String>::new()
    );

    // The same data in a plain folder is readable, so the search above can find it.
    let plain = tempfile::tempdir().unwrap();
    let plain_core = Core::open(plain.path()).unwrap();
    add_known_client(&plain_core);
    plain_core.backups.create(BackupReason::Manual).unwrap();
    assert!(!files_containing(plain.path(), &needles).is_empty());
}

#[test]
fn encrypted_database_without_its_key_is_a_clear_error_not_file_is_not_a_database() {
    let directory = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let core = Core::open_with_key(directory.path(), Some(key.clone())).unwrap();
    add_known_client(&core);
    drop(core);
    let path = directory.path().join(DATABASE_FILE_NAME);
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Encrypted);

    let missing = Core::open(directory.path()).unwrap_err();
    assert_eq!(missing.code, ErrorCode::EncryptionKeyMissing, "{missing:?}");
    let wrong = Core::open_with_key(directory.path(), Some(DatabaseKey::generate())).unwrap_err();
    assert_eq!(wrong.code, ErrorCode::EncryptionKeyWrong, "{wrong:?}");

    let reopened = Core::open_with_key(directory.path(), Some(key)).unwrap();
    let contacts = reopened.contacts.list(&Default::default()).unwrap();
    assert_eq!(contacts.total, 1);
}

#[test]
fn plain_folder_is_encrypted_in_place_with_every_row_and_its_backups() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    add_known_client(&core);
    core.demo.load(300, 7, &mut |_| {}).unwrap();
    core.backups.create(BackupReason::Manual).unwrap();
    let before = core.contacts.list(&Default::default()).unwrap().total;
    drop(core);

    let key = DatabaseKey::generate();
    let path = directory.path().join(DATABASE_FILE_NAME);
    let check = encryption::encrypt_database_in_place(&path, &key).unwrap();
    assert!(check.tables > 10 && check.rows > 300, "{check:?}");
    let core = Core::open_with_key(directory.path(), Some(key)).unwrap();
    assert_eq!(core.backups.encrypt_plain_backups().unwrap(), 1);
    assert_eq!(
        core.contacts.list(&Default::default()).unwrap().total,
        before
    );
    assert_eq!(
        core.database.integrity_check().unwrap(),
        vec!["ok".to_owned()]
    );
    let backups = core.backups.list().unwrap();
    assert_eq!(backups.len(), 1);
    assert_eq!(
        backups[0].contact_count,
        Some(i32::try_from(before).unwrap())
    );
    let needles = [CLIENT_NAME, CLIENT_EMAIL, NOTE_TEXT];
    assert_eq!(
        files_containing(directory.path(), &needles),
        Vec::<String>::new()
    );
}

#[test]
fn encrypting_in_place_is_refused_while_another_process_has_the_folder_open() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    add_known_client(&core);
    let path = directory.path().join(DATABASE_FILE_NAME);
    let refused =
        encryption::encrypt_database_in_place(&path, &DatabaseKey::generate()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert_eq!(encryption::file_state(&path).unwrap(), FileState::Plain);
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 1);
}

#[test]
fn encryption_cut_short_leaves_the_plain_database_usable_and_the_next_try_finishes() {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    add_known_client(&core);
    drop(core);
    let path = directory.path().join(DATABASE_FILE_NAME);
    // What a kill during the export leaves: a half-written encrypted copy beside the database.
    let mut copy = path.clone().into_os_string();
    copy.push(".encrypting");
    std::fs::write(&copy, vec![0x5a; 10_000]).unwrap();

    let plain = Core::open(directory.path()).unwrap();
    assert_eq!(plain.contacts.list(&Default::default()).unwrap().total, 1);
    drop(plain);
    let key = DatabaseKey::generate();
    encryption::encrypt_database_in_place(&path, &key).unwrap();
    assert!(!Path::new(&copy).exists());
    let core = Core::open_with_key(directory.path(), Some(key)).unwrap();
    assert_eq!(core.contacts.list(&Default::default()).unwrap().total, 1);
}

#[test]
fn rotating_the_key_rekeys_the_database_and_every_backup() {
    let directory = tempfile::tempdir().unwrap();
    let old = DatabaseKey::generate();
    let core = Core::open_with_key(directory.path(), Some(old.clone())).unwrap();
    add_known_client(&core);
    core.backups.create(BackupReason::Manual).unwrap();
    drop(core);

    let new = DatabaseKey::generate();
    let path = directory.path().join(DATABASE_FILE_NAME);
    encryption::rekey_database(&path, &old, &new).unwrap();
    let core = Core::open_with_key(directory.path(), Some(new.clone())).unwrap();
    assert_eq!(core.backups.rekey_backups(&old, &new).unwrap(), 1);
    let backups = core.backups.list().unwrap();
    assert_eq!(backups[0].contact_count, Some(1), "{backups:?}");
    let restored = core.backups.restore(&backups[0].file_name).unwrap();
    assert_eq!(restored.restored_from, backups[0].file_name);
    drop(core);
    let wrong = Core::open_with_key(directory.path(), Some(old)).unwrap_err();
    assert_eq!(wrong.code, ErrorCode::EncryptionKeyWrong);
}

#[test]
fn recovery_key_reads_back_and_catches_a_mistyped_digit() {
    let key = DatabaseKey::generate();
    let recovery = key.recovery_key();
    assert_eq!(recovery.split('-').count(), 17, "{}", recovery.as_str());
    assert_eq!(DatabaseKey::from_recovery_key(&recovery).unwrap(), key);
    assert_eq!(
        DatabaseKey::from_recovery_key(&recovery.to_uppercase().replace('-', " ")).unwrap(),
        key
    );
    let first = recovery.chars().next().unwrap();
    let swapped = if first == '0' { '1' } else { '0' };
    let mistyped = format!("{swapped}{}", &recovery[1..]);
    let error = DatabaseKey::from_recovery_key(&mistyped).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "recovery_key");
    assert!(format!("{key:?}").contains("hidden"));
}

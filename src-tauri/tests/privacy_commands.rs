//! Settings → Privacy on a real encrypted data folder: the status names where the key is kept,
//! the recovery key saved to a file opens the folder on a computer without its key, and a saved
//! key never replaces a file that already exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_app::encryption_at_rest;
use omnicrm_core::ErrorCode;
use omnicrm_desktop::commands::privacy;

#[test]
fn the_saved_recovery_key_opens_the_folder_without_its_key_and_never_replaces_a_file() {
    let keys = tempfile::tempdir().unwrap();
    // Key files in a folder of the test's own instead of the keyring.
    std::env::set_var(omnicrm_secrets::KEY_DIR_ENV, keys.path());
    let data = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();

    let core = encryption_at_rest::open_core(data.path()).unwrap();
    let status = encryption_at_rest::status(&core).unwrap();
    assert!(status.encrypted);
    assert!(
        status.summary.starts_with("Encrypted."),
        "{}",
        status.summary
    );
    assert_eq!(status.plain_backups, 0);

    let target = outside.path().join("recovery-key.txt");
    let written = privacy::write_recovery_key(&core, target.to_str().unwrap()).unwrap();
    assert_eq!(written, target.display().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let saved = std::fs::read_to_string(&target).unwrap();
    assert_eq!(
        saved.trim(),
        encryption_at_rest::recovery_key(data.path()).unwrap()
    );

    // A second save to the same file is refused, next to the path field, and keeps the first.
    std::fs::write(&target, "kept").unwrap();
    let error = privacy::write_recovery_key(&core, target.to_str().unwrap()).unwrap_err();
    let fields = error.details.as_ref().map(|details| details.fields.clone());
    assert_eq!(fields.unwrap()[0].field, "path");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept");

    // A relative path is refused before anything is written.
    let error = privacy::write_recovery_key(&core, "recovery-key.txt").unwrap_err();
    assert_eq!(error.code, ErrorCode::ValidationFailed);
    drop(core);

    // On a computer without the key the folder does not open, and the saved key opens it.
    let other_computer = tempfile::tempdir().unwrap();
    std::env::set_var(omnicrm_secrets::KEY_DIR_ENV, other_computer.path());
    let error = encryption_at_rest::open_core(data.path()).err().unwrap();
    assert_eq!(error.code, ErrorCode::EncryptionKeyMissing);
    encryption_at_rest::adopt_recovery_key(data.path(), &saved).unwrap();
    assert!(encryption_at_rest::open_core(data.path()).is_ok());
}

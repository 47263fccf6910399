//! The encrypted-file fallback on a real temporary data directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_secrets::{
    EncryptedFileStore, ExposeSecret, SecretBackend, SecretLookup, SecretStore, SecretString,
};

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn found(lookup: SecretLookup) -> String {
    match lookup {
        SecretLookup::Found(secret) => secret.expose_secret().to_owned(),
        other => panic!("expected a secret, got {other:?}"),
    }
}

fn unreadable_reason(lookup: SecretLookup) -> String {
    match lookup {
        SecretLookup::Unreadable { reason } => reason,
        other => panic!("expected an unreadable secret, got {other:?}"),
    }
}

#[test]
fn a_secret_round_trips_and_is_not_stored_in_plain_text() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = SecretStore::with_backend(SecretBackend::EncryptedFile, data_dir.path());
    let files = EncryptedFileStore::new(data_dir.path());

    assert!(matches!(
        store.load("google:one").unwrap(),
        SecretLookup::Missing
    ));
    store
        .store("google:one", &secret("ya29.refresh-me-please"))
        .unwrap();
    store.store("google:two", &secret("second")).unwrap();
    assert_eq!(
        found(store.load("google:one").unwrap()),
        "ya29.refresh-me-please"
    );
    assert_eq!(found(store.load("google:two").unwrap()), "second");

    // Replacing keeps one file per account and the new value wins.
    store.store("google:one", &secret("replaced")).unwrap();
    assert_eq!(found(store.load("google:one").unwrap()), "replaced");

    let on_disk = std::fs::read(files.secret_path("google:one")).unwrap();
    assert!(!String::from_utf8_lossy(&on_disk).contains("replaced"));
    let names: Vec<String> = std::fs::read_dir(files.directory())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "key file and two secrets, no leftovers: {names:?}"
    );
    assert!(
        names.iter().all(|name| !name.contains("google")),
        "{names:?}"
    );

    store.remove("google:one").unwrap();
    assert!(matches!(
        store.load("google:one").unwrap(),
        SecretLookup::Missing
    ));
    store.remove("google:one").unwrap();
    assert_eq!(found(store.load("google:two").unwrap()), "second");
}

#[cfg(unix)]
#[test]
fn the_folder_key_and_secrets_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("value")).unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(files.directory()), 0o700);
    assert_eq!(mode(&files.key_path()), 0o600);
    assert_eq!(mode(&files.secret_path("google:one")), 0o600);
}

#[test]
fn a_different_key_is_a_clear_error_not_a_wrong_secret() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("value")).unwrap();
    std::fs::write(files.key_path(), [7u8; 32]).unwrap();

    let reason = unreadable_reason(files.load("google:one").unwrap());
    assert!(reason.contains("could not be decrypted"), "{reason}");
    assert!(reason.contains("secrets.key"), "{reason}");
}

#[test]
fn a_missing_key_file_is_a_clear_error() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("value")).unwrap();
    std::fs::remove_file(files.key_path()).unwrap();

    let reason = unreadable_reason(files.load("google:one").unwrap());
    assert!(reason.contains("key file"), "{reason}");
    assert!(reason.contains("missing"), "{reason}");
}

#[test]
fn a_damaged_secret_file_is_a_clear_error() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("value")).unwrap();
    let path = files.secret_path("google:one");

    // One flipped bit in the ciphertext fails authentication.
    let mut contents = std::fs::read(&path).unwrap();
    let last = contents.len() - 1;
    contents[last] ^= 0x01;
    std::fs::write(&path, &contents).unwrap();
    let reason = unreadable_reason(files.load("google:one").unwrap());
    assert!(reason.contains("could not be decrypted"), "{reason}");

    // A file that is not ours at all.
    std::fs::write(&path, b"{\"access_token\":\"plain\"}").unwrap();
    let reason = unreadable_reason(files.load("google:one").unwrap());
    assert!(reason.contains("damaged"), "{reason}");

    // Truncated right after the header.
    std::fs::write(&path, b"OMNISEC1short").unwrap();
    let reason = unreadable_reason(files.load("google:one").unwrap());
    assert!(reason.contains("damaged"), "{reason}");
}

#[test]
fn a_damaged_key_file_is_a_clear_error() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("value")).unwrap();
    std::fs::write(files.key_path(), b"short").unwrap();
    let error = files.load("google:one").unwrap_err();
    assert!(error.message.contains("damaged"), "{}", error.message);
    // Storing refuses too, rather than replacing the key other secrets need.
    assert!(files.store("google:two", &secret("value")).is_err());
}

#[test]
fn a_secret_moved_to_another_account_does_not_decrypt() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files.store("google:one", &secret("one's token")).unwrap();
    std::fs::copy(
        files.secret_path("google:one"),
        files.secret_path("google:two"),
    )
    .unwrap();
    let reason = unreadable_reason(files.load("google:two").unwrap());
    assert!(reason.contains("could not be decrypted"), "{reason}");
}

#[test]
fn debug_output_never_shows_a_secret() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    files
        .store("google:one", &secret("super-secret-token"))
        .unwrap();
    let lookup = files.load("google:one").unwrap();
    let printed = format!("{lookup:?} {:?}", secret("super-secret-token"));
    assert!(!printed.contains("super-secret-token"), "{printed}");
    assert!(printed.contains("REDACTED"), "{printed}");
}

#[test]
fn an_empty_account_name_is_refused_naming_the_field() {
    let data_dir = tempfile::tempdir().unwrap();
    let files = EncryptedFileStore::new(data_dir.path());
    let error = files.store("", &secret("value")).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "account");
}

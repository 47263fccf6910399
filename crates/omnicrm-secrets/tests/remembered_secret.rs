//! A secret whose owner remembers its backend: stored, read back from where it went, removed,
//! and a blank one refused by field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_core::ErrorCode;
use omnicrm_secrets::{ExposeSecret, RememberedSecret, SecretBackend, SecretString, STORAGE_ENV};

#[test]
fn a_remembered_secret_is_read_and_removed_where_it_was_stored() {
    // No keyring on CI machines: the encrypted file is the backend under test.
    std::env::set_var(STORAGE_ENV, "encrypted_file");
    let directory = tempfile::tempdir().unwrap();
    let secret = RememberedSecret {
        account: "test.api_key",
        data_dir: directory.path(),
    };
    assert!(
        secret.load(None).unwrap().is_none(),
        "nothing remembered, nothing read"
    );

    let backend = secret
        .store(&SecretString::from("sk-test".to_owned()), "api_key")
        .unwrap();
    assert_eq!(backend, SecretBackend::EncryptedFile);
    let loaded = secret.load(Some(backend)).unwrap().unwrap();
    assert_eq!(loaded.expose_secret(), "sk-test");
    // Another account in the same store is apart.
    let other = RememberedSecret {
        account: "other.api_key",
        ..secret
    };
    assert!(other.load(Some(backend)).unwrap().is_none());

    secret.remove(Some(backend)).unwrap();
    assert!(secret.load(Some(backend)).unwrap().is_none());
    secret.remove(None).unwrap();

    let blank = secret
        .store(&SecretString::from("  ".to_owned()), "api_key")
        .unwrap_err();
    assert_eq!(blank.code, ErrorCode::ValidationFailed);
    assert_eq!(blank.details.unwrap().fields[0].field, "api_key");
}

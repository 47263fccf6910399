//! Which backend holds new secrets, and what the user is told about it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_secrets::{
    probe, KeyringStatus, SecretBackend, SecretStore, StoragePreference, ENCRYPTED_FILE_NOTICE,
};

#[test]
fn without_a_keyring_the_encrypted_file_is_chosen_and_reported() {
    let data_dir = tempfile::tempdir().unwrap();
    let unavailable = KeyringStatus::Unavailable {
        reason: "no Secret Service on the session bus".into(),
    };
    let store = SecretStore::choose(
        StoragePreference::Automatic,
        Some(unavailable.clone()),
        data_dir.path(),
    );
    assert_eq!(store.backend(), SecretBackend::EncryptedFile);
    assert_eq!(
        store.status().notice.as_deref(),
        Some(ENCRYPTED_FILE_NOTICE)
    );
    assert_eq!(store.status().keyring, Some(unavailable));
}

#[test]
fn with_a_keyring_the_keyring_is_chosen_without_a_notice() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = SecretStore::choose(
        StoragePreference::Automatic,
        Some(KeyringStatus::Available),
        data_dir.path(),
    );
    assert_eq!(store.backend(), SecretBackend::Keyring);
    assert_eq!(store.status().notice, None);
}

#[test]
fn a_forced_backend_wins_over_the_probe() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = SecretStore::choose(
        StoragePreference::Only(SecretBackend::EncryptedFile),
        Some(KeyringStatus::Available),
        data_dir.path(),
    );
    assert_eq!(store.backend(), SecretBackend::EncryptedFile);
}

/// On this machine, whatever it offers: the automatic choice follows the real probe, and the
/// chosen backend really stores and reads a secret.
#[test]
fn the_automatic_choice_on_this_machine_follows_the_probe_and_works() {
    use omnicrm_secrets::{ExposeSecret, SecretLookup, SecretString};
    let data_dir = tempfile::tempdir().unwrap();
    let keyring = probe();
    let store = SecretStore::choose(
        StoragePreference::Automatic,
        Some(keyring.clone()),
        data_dir.path(),
    );
    let expected = match keyring {
        KeyringStatus::Available => SecretBackend::Keyring,
        KeyringStatus::Unavailable { .. } => SecretBackend::EncryptedFile,
    };
    assert_eq!(store.backend(), expected);

    let account = format!("omnicrm-test-choice-{}", std::process::id());
    store
        .store(&account, &SecretString::from("round trip".to_owned()))
        .unwrap();
    match store.load(&account).unwrap() {
        SecretLookup::Found(secret) => assert_eq!(secret.expose_secret(), "round trip"),
        other => panic!("expected the secret back, got {other:?}"),
    }
    store.remove(&account).unwrap();
    assert!(matches!(
        store.load(&account).unwrap(),
        SecretLookup::Missing
    ));
}

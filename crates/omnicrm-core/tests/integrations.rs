//! Connected accounts: device-local state, never in the change log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::open_core;
use omnicrm_core::integrations::{
    AccountConnection, AccountStatus, IntegrationProvider, TokenStorage,
};
use omnicrm_core::ErrorCode;

fn google(email: &str) -> AccountConnection {
    AccountConnection {
        provider: IntegrationProvider::Google,
        email: email.to_owned(),
        scopes: vec![
            "openid".into(),
            "email".into(),
            "https://www.googleapis.com/auth/gmail.readonly".into(),
        ],
        token_storage: TokenStorage::EncryptedFile,
    }
}

fn change_log_rows(core: &omnicrm_core::Core) -> i64 {
    core.database
        .read(|connection| {
            Ok(connection.query_row("SELECT COUNT(*) FROM change_log", [], |row| row.get(0))?)
        })
        .unwrap()
}

#[test]
fn connecting_creates_a_connected_account_with_a_uuidv7_id() {
    let (_directory, core) = open_core();
    let account = core
        .integrations
        .connect(&google(" maya@example.com "))
        .unwrap();

    assert_eq!(
        uuid::Uuid::parse_str(&account.id)
            .unwrap()
            .get_version_num(),
        7
    );
    assert_eq!(account.provider, IntegrationProvider::Google);
    assert_eq!(account.email, "maya@example.com");
    assert_eq!(account.status, AccountStatus::Connected);
    assert_eq!(account.status_reason, None);
    assert_eq!(account.token_storage, TokenStorage::EncryptedFile);
    assert_eq!(account.scopes.len(), 3);
    assert!(account.connected_at.ends_with('Z'));
    assert_eq!(core.integrations.get(&account.id).unwrap(), account);
    assert_eq!(core.integrations.list().unwrap(), vec![account]);
}

#[test]
fn connecting_again_reuses_the_account_and_clears_the_disconnect() {
    let (_directory, core) = open_core();
    let first = core
        .integrations
        .connect(&google("maya@example.com"))
        .unwrap();
    core.integrations
        .record_sync(&first.id, "12 emails, 3 events")
        .unwrap();
    core.integrations
        .record_error(&first.id, "Gmail answered 500")
        .unwrap();
    let disconnected = core
        .integrations
        .mark_disconnected(&first.id, "Google refused the saved sign-in")
        .unwrap();
    assert_eq!(disconnected.status, AccountStatus::Disconnected);
    assert_eq!(
        disconnected.status_reason.as_deref(),
        Some("Google refused the saved sign-in")
    );
    assert!(disconnected.disconnected_at.is_some());

    let mut again = google("MAYA@example.com");
    again.token_storage = TokenStorage::Keyring;
    let reconnected = core.integrations.connect(&again).unwrap();
    assert_eq!(reconnected.id, first.id);
    assert_eq!(reconnected.status, AccountStatus::Connected);
    assert_eq!(reconnected.status_reason, None);
    assert_eq!(reconnected.disconnected_at, None);
    assert_eq!(reconnected.last_error, None);
    assert_eq!(reconnected.token_storage, TokenStorage::Keyring);
    assert_eq!(
        reconnected.last_sync_summary.as_deref(),
        Some("12 emails, 3 events"),
        "sync history survives a reconnect"
    );
    assert_eq!(core.integrations.list().unwrap().len(), 1);
}

#[test]
fn a_sync_clears_the_last_error_and_an_error_keeps_the_last_sync() {
    let (_directory, core) = open_core();
    let account = core
        .integrations
        .connect(&google("maya@example.com"))
        .unwrap();
    let synced = core
        .integrations
        .record_sync(&account.id, "4 emails")
        .unwrap();
    assert!(synced.last_sync_at.is_some());

    let failed = core
        .integrations
        .record_error(&account.id, "network down")
        .unwrap();
    assert_eq!(failed.last_error.as_deref(), Some("network down"));
    assert!(failed.last_error_at.is_some());
    assert_eq!(failed.last_sync_summary.as_deref(), Some("4 emails"));
    assert_eq!(failed.last_sync_at, synced.last_sync_at);

    let recovered = core
        .integrations
        .record_sync(&account.id, "1 email")
        .unwrap();
    assert_eq!(recovered.last_error, None);
    assert_eq!(recovered.last_error_at, None);
    assert_eq!(recovered.last_sync_summary.as_deref(), Some("1 email"));
}

#[test]
fn account_state_is_device_local_and_stays_out_of_the_change_log() {
    let (_directory, core) = open_core();
    let before = change_log_rows(&core);
    let account = core
        .integrations
        .connect(&google("maya@example.com"))
        .unwrap();
    core.integrations.record_sync(&account.id, "done").unwrap();
    core.integrations
        .record_error(&account.id, "failed")
        .unwrap();
    core.integrations
        .mark_disconnected(&account.id, "Signed out")
        .unwrap();
    assert_eq!(change_log_rows(&core), before);
}

#[test]
fn connected_accounts_are_listed_first() {
    let (_directory, core) = open_core();
    let zed = core
        .integrations
        .connect(&google("zed@example.com"))
        .unwrap();
    let amy = core
        .integrations
        .connect(&google("amy@example.com"))
        .unwrap();
    core.integrations
        .mark_disconnected(&amy.id, "Signed out")
        .unwrap();
    let emails: Vec<String> = core
        .integrations
        .list()
        .unwrap()
        .into_iter()
        .map(|account| account.email)
        .collect();
    assert_eq!(emails, vec![zed.email, amy.email]);
    let found = core
        .integrations
        .find(IntegrationProvider::Google, "ZED@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(found.id, zed.id);
    assert_eq!(
        core.integrations
            .find(IntegrationProvider::Google, "nobody@example.com")
            .unwrap(),
        None
    );
}

#[test]
fn bad_input_names_the_field_and_unknown_ids_are_not_found() {
    let (_directory, core) = open_core();
    let error = core
        .integrations
        .connect(&google("not an address"))
        .unwrap_err();
    assert_eq!(error.field_errors()[0].field, "email");

    let mut spaced = google("maya@example.com");
    spaced.scopes = vec!["openid".into(), "two words".into()];
    let error = core.integrations.connect(&spaced).unwrap_err();
    assert_eq!(error.field_errors()[0].field, "scopes[1]");

    let account = core
        .integrations
        .connect(&google("maya@example.com"))
        .unwrap();
    let error = core
        .integrations
        .mark_disconnected(&account.id, "  ")
        .unwrap_err();
    assert_eq!(error.field_errors()[0].field, "reason");

    let missing = core
        .integrations
        .get("0190f0f0-0000-7000-8000-000000000000");
    assert_eq!(missing.unwrap_err().code, ErrorCode::NotFound);
    let missing = core
        .integrations
        .record_sync("0190f0f0-0000-7000-8000-000000000000", "x");
    assert_eq!(missing.unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn deleting_all_data_forgets_the_connected_accounts() {
    let (_directory, core) = open_core();
    core.integrations
        .connect(&google("maya@example.com"))
        .unwrap();
    core.export
        .delete_all_data(omnicrm_core::export::DELETE_ALL_CONFIRMATION)
        .unwrap();
    assert!(core.integrations.list().unwrap().is_empty());
}

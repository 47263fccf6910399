//! The committed TypeScript bindings must match the Rust commands and types.
//! Regenerate with: `OMNICRM_UPDATE_BINDINGS=1 cargo test -p omnicrm-desktop --test bindings`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn bindings_are_fresh() {
    let committed_path = omnicrm_desktop::bindings_path();
    if std::env::var_os("OMNICRM_UPDATE_BINDINGS").is_some() {
        omnicrm_desktop::export_bindings(&committed_path).unwrap();
    }
    let directory = tempfile::tempdir().unwrap();
    let fresh_path = directory.path().join("bindings.ts");
    omnicrm_desktop::export_bindings(&fresh_path).unwrap();
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        fresh == committed,
        "ui/src/bindings.ts is stale; regenerate it with \
         OMNICRM_UPDATE_BINDINGS=1 cargo test -p omnicrm-desktop --test bindings"
    );
    for command in [
        "contactsCreate",
        "contactsList",
        "changesUndo",
        "demoGenerate",
    ] {
        assert!(
            fresh.contains(command),
            "{command} is missing from the bindings"
        );
    }
    assert!(
        fresh.contains("contactsChanged"),
        "the contacts-changed event is missing"
    );
    assert!(fresh.contains("AppError"), "the error type is missing");
}

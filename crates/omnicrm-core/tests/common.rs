#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_core::contacts::{ContactInput, EmailEntry, PhoneEntry};
use omnicrm_core::Core;

/// A core over a real SQLite file in a fresh temporary directory.
pub fn open_core() -> (tempfile::TempDir, Core) {
    let directory = tempfile::tempdir().expect("temporary directory");
    let core = Core::open(directory.path()).expect("open core");
    (directory, core)
}

pub fn person(name: &str) -> ContactInput {
    ContactInput {
        display_name: name.to_owned(),
        ..ContactInput::default()
    }
}

pub fn email(address: &str) -> EmailEntry {
    EmailEntry {
        address: address.to_owned(),
        label: None,
        is_primary: false,
    }
}

pub fn phone(number: &str) -> PhoneEntry {
    PhoneEntry {
        number: number.to_owned(),
        label: None,
        is_primary: false,
    }
}

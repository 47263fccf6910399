//! Devices for the team sync tests: each a data folder with a real SQLite file.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use omnicrm_core::contacts::{ContactInput, EmailEntry};
use omnicrm_core::Core;
use omnicrm_sync_client::TeamSync;
use omnicrm_sync_server::test_support::TestServer;

pub struct Device {
    _directory: tempfile::TempDir,
    pub core: Core,
    pub sync: TeamSync,
}

/// A new device with an empty data folder.
pub fn device() -> Device {
    let directory = tempfile::tempdir().unwrap();
    let core = Core::open(directory.path()).unwrap();
    let sync = TeamSync::new(core.clone());
    Device {
        _directory: directory,
        core,
        sync,
    }
}

/// Connects each device to `server`'s workspace of `token`.
pub async fn connect_all(devices: &[&Device], server: &TestServer, token: &str) {
    for device in devices {
        device
            .sync
            .connect(&server.http_url(""), token)
            .await
            .unwrap();
    }
}

/// Syncs a device that stays connected once it heard of a teammate's change over its open
/// connection: the server pushes it a moment after the teammate's sync ends, so a sync right
/// away may come before it (the next sync, or the push waking the app, brings it).
pub async fn sync_after_hearing(device: &Device) {
    device
        .sync
        .wait_for_team_changes(Duration::from_secs(5))
        .await;
    device.sync.sync_now().await.unwrap();
}

pub fn person(name: &str, email: &str) -> ContactInput {
    ContactInput {
        display_name: name.to_owned(),
        emails: vec![EmailEntry {
            address: email.to_owned(),
            label: None,
            is_primary: true,
        }],
        ..ContactInput::default()
    }
}

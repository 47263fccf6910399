//! Randomized sessions: three devices make random contact edits, creations and deletions,
//! sync at random (a device that does not sync is offline), and the server restarts now and
//! then. After everyone syncs, every device and the server's projection hold the same records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use omnicrm_core::contacts::{input_of, ContactInput, ContactListQuery};
use omnicrm_core::Core;
use omnicrm_sync_client::TeamSync;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Device {
    _directory: tempfile::TempDir,
    core: Core,
    sync: TeamSync,
}

/// Every live contact's name and organisation, by id.
fn contents(core: &Core) -> BTreeMap<String, (String, Option<String>)> {
    let page = core
        .contacts
        .list(&ContactListQuery {
            limit: 500,
            ..ContactListQuery::default()
        })
        .unwrap();
    page.items
        .into_iter()
        .map(|summary| {
            let contact = core.contacts.get(&summary.id).unwrap();
            (contact.id, (contact.display_name, contact.organization))
        })
        .collect()
}

async fn session(seed: u64) {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let mut server = TestServer::start(config(&url)).await;
    let mut devices = Vec::new();
    for _ in 0..3 {
        let directory = tempfile::tempdir().unwrap();
        let core = Core::open(directory.path()).unwrap();
        let sync = TeamSync::new(core.clone());
        sync.connect(&server.http_url(""), &team.token)
            .await
            .unwrap();
        devices.push(Device {
            _directory: directory,
            core,
            sync,
        });
    }
    for step in 0..45 {
        let device = &devices[random.random_range(0..devices.len())];
        let live: Vec<String> = contents(&device.core).into_keys().collect();
        match random.random_range(0..10) {
            0..=2 => {
                device
                    .core
                    .contacts
                    .create(ContactInput {
                        display_name: format!("Client {seed}-{step}"),
                        ..ContactInput::default()
                    })
                    .unwrap();
            }
            3..=4 if !live.is_empty() => {
                let id = &live[random.random_range(0..live.len())];
                let mut input = input_of(device.core.contacts.get(id).unwrap());
                input.organization = Some(format!("Org {step}"));
                device.core.contacts.update(id, input).unwrap();
            }
            5 if !live.is_empty() => {
                let id = &live[random.random_range(0..live.len())];
                device.core.contacts.delete(id).unwrap();
            }
            6 => {
                // The server restarts (at a new address); devices reconnect to it.
                server.stop().await;
                server = TestServer::start(config(&url)).await;
                for device in &devices {
                    device
                        .sync
                        .connect(&server.http_url(""), &team.token)
                        .await
                        .unwrap();
                }
            }
            _ => {
                device.sync.sync_now().await.unwrap();
            }
        }
    }
    // Everyone comes online: two rounds bring every change everywhere.
    for _ in 0..2 {
        for device in &devices {
            device.sync.sync_now().await.unwrap();
        }
    }
    let expected = contents(&devices[0].core);
    for (index, device) in devices.iter().enumerate().skip(1) {
        assert_eq!(
            contents(&device.core),
            expected,
            "seed {seed}: device {index} differs"
        );
    }
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let projected: BTreeMap<String, (String, Option<String>)> = client
        .query(
            "SELECT record_id::text, display_name, company FROM projected_contacts
             WHERE deleted_at IS NULL",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), (row.get(1), row.get(2))))
        .collect();
    assert_eq!(
        projected, expected,
        "seed {seed}: the server's projection differs"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_with_random_edits_disconnects_and_server_restarts_converge() {
    for seed in [1, 2, 3] {
        session(seed).await;
    }
}

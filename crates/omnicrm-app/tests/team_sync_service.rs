//! The team sync service as the app runs it, against a real sync server on a real Postgres:
//! a change made on another device shows here without anyone pressing "Sync now", well before
//! the periodic sync would have fetched it (the server pushes it over the open connection).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use omnicrm_app::team_sync_service::TeamSyncService;
use omnicrm_app::Application;
use omnicrm_core::contacts::{input_of, ContactInput};
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};

fn application() -> (tempfile::TempDir, Application) {
    let directory = tempfile::tempdir().unwrap();
    let application = Application::open(directory.path()).unwrap();
    (directory, application)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_on_another_device_arrives_without_waiting_for_the_periodic_sync() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");
    let (_a_folder, a) = application();
    let (_b_folder, b) = application();
    let ada = a
        .core
        .contacts
        .create(ContactInput {
            display_name: "Ada Lovelace".to_owned(),
            ..ContactInput::default()
        })
        .unwrap();
    a.team_sync().connect(&address, &team.token).await.unwrap();
    a.team_sync().sync_now().await.unwrap();
    b.team_sync().connect(&address, &team.token).await.unwrap();

    let service = TeamSyncService::start(&b).unwrap();
    let mut state = service.subscribe();
    // The service's first sync brings Ada.
    tokio::time::timeout(Duration::from_secs(10), async {
        while b.core.contacts.get(&ada.id).is_err() {
            state.changed().await.unwrap();
        }
    })
    .await
    .expect("the first sync brings the team's records");

    let mut edited = input_of(ada.clone());
    edited.organization = Some("Analytical Engines Ltd".to_owned());
    a.core.contacts.update(&ada.id, edited).unwrap();
    a.team_sync().sync_now().await.unwrap();
    // Well inside the 20 s periodic sync: only the server's push can have brought it.
    let arrived = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            let organization = b.core.contacts.get(&ada.id).unwrap().organization;
            if organization.as_deref() == Some("Analytical Engines Ltd") {
                return;
            }
            state.changed().await.unwrap();
        }
    })
    .await;
    assert!(
        arrived.is_ok(),
        "A's edit did not reach B without a periodic sync"
    );
    assert!(
        omnicrm_app::team_sync_service::PERIODIC > Duration::from_secs(8),
        "the test proves a push only while the periodic sync is slower than its wait"
    );
    service.stop();
    server.stop().await;
}

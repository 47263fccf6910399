//! A Postgres restart (not a server restart) in the middle of a session: the server keeps
//! running, clients that lose their connection reconnect with backoff, and no edit is lost.
//! The test runs its own Postgres cluster, since it stops it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use omnicrm_sync::client::{ClientError, SyncClient, TokenPlacement};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::{
    config, fresh_database_on, workspace, Cluster, TestServer,
};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

/// Reconnects with exponential backoff, as a real client would; returns the attempts made.
async fn reconnect(client: &mut SyncClient, url: &str, token: &str) -> u32 {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=60 {
        if client
            .connect(url, token, TokenPlacement::Header)
            .await
            .is_ok()
        {
            return attempt;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
    panic!("could not reconnect");
}

fn lines(client: &SyncClient, id: &DocumentId) -> usize {
    client
        .document(id)
        .and_then(|document| RecordDocument::read::<Note>(document).ok())
        .map(|note| note.body.lines().count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_mid_session_loses_no_edit() {
    let cluster = Arc::new(Cluster::start().expect("own Postgres cluster"));
    let url = fresh_database_on(&cluster.admin_url()).await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let sync_url = server.sync_url();

    let mut writer = SyncClient::new();
    writer
        .connect(&sync_url, &team.token, TokenPlacement::Header)
        .await
        .unwrap();
    // A second client only listens, to show live updates resume after the restart.
    let mut listener = SyncClient::new();
    listener
        .connect(&sync_url, &team.token, TokenPlacement::Header)
        .await
        .unwrap();
    let id = DocumentId::random();
    let mut note = Note {
        id: Uuid::now_v7(),
        body: String::new(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    writer.insert(id, RecordDocument::create(&note).unwrap());
    writer.sync(QUIET, LIMIT).await.unwrap();
    listener.request(id).await.unwrap();
    listener.sync(QUIET, LIMIT).await.unwrap();

    // Edit continuously. At round 10 Postgres stops; it starts again 1.5 s later. A writer
    // cut off reconnects with backoff (failing while Postgres is down) and carries on.
    let mut cut_off = 0;
    let mut most_attempts = 0;
    let mut restart = None;
    for round in 0..30 {
        note.body.push_str(&format!("line {round}\n"));
        RecordDocument::update(writer.document_mut(&id).unwrap(), &note).unwrap();
        if !writer.is_connected() {
            most_attempts = most_attempts.max(reconnect(&mut writer, &sync_url, &team.token).await);
        }
        let pushed = match writer.push().await {
            Ok(()) => {
                writer
                    .pump_until(Duration::from_millis(100), |_| false)
                    .await
            }
            Err(error) => Err(error),
        };
        match pushed {
            Ok(()) | Err(ClientError::Timeout) => {}
            Err(_) => {
                cut_off += 1;
                writer.disconnect();
            }
        }
        if round == 10 {
            cluster.stop().expect("stop Postgres");
            let cluster = cluster.clone();
            restart = Some(tokio::task::spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(1500));
                cluster.start_again()
            }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    restart
        .expect("Postgres was restarted")
        .await
        .unwrap()
        .expect("start Postgres again");
    assert!(
        cut_off >= 1,
        "the server should have closed the writer's connection"
    );
    assert!(
        most_attempts > 1,
        "reconnecting should have failed while Postgres was down"
    );
    if !writer.is_connected() {
        reconnect(&mut writer, &sync_url, &team.token).await;
    }
    writer.sync(QUIET, LIMIT).await.unwrap();

    // Every edit is stored: a new client reads all 30 lines from the server.
    let mut reader = SyncClient::new();
    reader
        .connect(&sync_url, &team.token, TokenPlacement::Header)
        .await
        .unwrap();
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        reader.document(&id).unwrap().get_heads(),
        writer.document(&id).unwrap().get_heads()
    );
    assert_eq!(lines(&reader, &id), 30);

    // The listener reconnects too (its connection may have been closed) and catches up.
    if !listener.is_connected() {
        reconnect(&mut listener, &sync_url, &team.token).await;
    }
    listener.request(id).await.unwrap();
    listener.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(lines(&listener, &id), 30);
    server.stop().await;
}

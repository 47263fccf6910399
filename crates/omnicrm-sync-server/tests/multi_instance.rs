//! Two instances on one Postgres: live updates cross instances, and rate limits are shared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use omnicrm_sync::client::ClientError;
use omnicrm_sync::protocol::{ErrorMessage, Message};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::{
    config, fresh_database, start_of_a_whole_window, workspace, TestServer, COUNTING_WINDOW_SECONDS,
};
use omnicrm_sync_server::Config;
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_on_one_instance_reach_clients_of_another_live() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let first = TestServer::start(config(&url)).await;
    let second = TestServer::start(config(&url)).await;
    let mut alice = common::client(&first, &team.token).await;
    let mut bob = common::client(&second, &team.token).await;

    let id = DocumentId::random();
    let mut note = Note {
        id: Uuid::now_v7(),
        body: "v1".into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    alice.insert(id, RecordDocument::create(&note).unwrap());
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(id).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        RecordDocument::read::<Note>(bob.document(&id).unwrap())
            .unwrap()
            .body,
        "v1"
    );

    // Bob only listens: the change must be pushed to him by his instance.
    for version in ["v2", "v3"] {
        note.body = version.into();
        RecordDocument::update(alice.document_mut(&id).unwrap(), &note).unwrap();
        alice.push().await.unwrap();
        let expected = version.to_owned();
        bob.pump_until(LIMIT, |client| {
            client
                .document(&id)
                .and_then(|doc| RecordDocument::read::<Note>(doc).ok())
                .map(|note| note.body)
                == Some(expected.clone())
        })
        .await
        .unwrap();
        alice.sync(QUIET, LIMIT).await.unwrap();
    }
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_rate_limit_holds_across_instances() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    // 12 requests per token per minute, counted in Postgres. Each connection costs 2 (the
    // upgrade and the join); every further message costs 1.
    let limited = |url: &str| Config {
        rate_limit_per_token: 12,
        rate_limit_per_ip: 1000,
        rate_limit_window_seconds: COUNTING_WINDOW_SECONDS,
        ..config(url)
    };
    start_of_a_whole_window(COUNTING_WINDOW_SECONDS).await;
    let first = TestServer::start(limited(&url)).await;
    let second = TestServer::start(limited(&url)).await;
    let mut alice = common::client(&first, &team.token).await;
    let mut bob = common::client(&second, &team.token).await;
    let noise = Message::Error(ErrorMessage {
        message: "counted but ignored".into(),
    });
    for _ in 0..5 {
        alice.send_message(&noise).await.unwrap();
    }
    alice.sync(QUIET, LIMIT).await.unwrap();
    for _ in 0..3 {
        bob.send_message(&noise).await.unwrap();
    }
    bob.sync(QUIET, LIMIT).await.unwrap();
    assert!(
        alice.errors().is_empty() && bob.errors().is_empty(),
        "12 requests are within the limit"
    );

    // Neither instance saw more than 7 requests, but together they spent the budget.
    bob.send_message(&noise).await.unwrap();
    match bob.pump_until(LIMIT, |_| false).await {
        Err(ClientError::Closed(reason)) => {
            assert!(reason.contains("rate limit exceeded"), "{reason}")
        }
        other => panic!("expected a rate-limit close, got {other:?}"),
    }
    alice.send_message(&noise).await.unwrap();
    match alice.pump_until(LIMIT, |_| false).await {
        Err(ClientError::Closed(reason)) => assert!(reason.contains("per token"), "{reason}"),
        other => panic!("expected a rate-limit close, got {other:?}"),
    }
    let metrics = reqwest::get(first.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("omnicrm_sync_rate_limit_hits_total{scope=\"token\"} 1"),
        "{metrics}"
    );
    first.stop().await;
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_documents_are_evicted_and_reload_intact() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(Config {
        idle_eviction_seconds: 1,
        ..config(&url)
    })
    .await;
    let mut client = common::client(&server, &team.token).await;
    let id = DocumentId::random();
    client.insert(
        id,
        RecordDocument::create(&Note {
            id: Uuid::now_v7(),
            body: "kept".into(),
            body_html: None,
            source_type: None,
            contact_id: None,
            private: false,
        })
        .unwrap(),
    );
    client.sync(QUIET, LIMIT).await.unwrap();
    let loaded = |metrics: &str| {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("omnicrm_sync_documents_loaded "))
            .map(str::to_owned)
    };
    let metrics = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(loaded(&metrics).as_deref(), Some("1"), "{metrics}");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let metrics = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(loaded(&metrics).as_deref(), Some("0"), "{metrics}");

    let mut reader = common::client(&server, &team.token).await;
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        reader.document(&id).unwrap().get_heads(),
        client.document(&id).unwrap().get_heads()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_reaches_clients_of_another_instance() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let first = TestServer::start(config(&url)).await;
    let second = TestServer::start(config(&url)).await;
    let mut alice = common::client(&first, &team.token).await;
    let mut bob = common::client(&second, &team.token).await;
    let id = DocumentId::random();
    let note = Note {
        id: Uuid::now_v7(),
        body: "shared".into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    alice.insert(id, RecordDocument::create(&note).unwrap());
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(id).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();

    alice
        .send_ephemeral(id, b"alice is typing".to_vec())
        .await
        .unwrap();
    bob.pump_until(LIMIT, |client| !client.ephemeral_messages().is_empty())
        .await
        .unwrap();
    let received: Vec<&[u8]> = bob
        .ephemeral_messages()
        .iter()
        .map(|message| message.data.as_slice())
        .collect();
    assert_eq!(received, vec![b"alice is typing".as_slice()]);
    // The sender does not hear its own presence back through the other instance.
    alice.sync(QUIET, LIMIT).await.unwrap();
    assert!(alice.ephemeral_messages().is_empty());
    first.stop().await;
    second.stop().await;
}

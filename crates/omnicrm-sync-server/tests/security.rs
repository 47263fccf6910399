//! Workspace isolation, bad tokens, and revocation of live connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use omnicrm_sync::client::{ClientError, SyncClient, TokenPlacement};
use omnicrm_sync::protocol::{DocumentMessage, Message};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::admin;
use omnicrm_sync_server::database::pool;
use omnicrm_sync_server::storage;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

fn note(body: &str) -> Note {
    Note {
        id: Uuid::now_v7(),
        body: body.into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_workspace_cannot_read_or_write_a_document_whose_id_it_knows() {
    let url = fresh_database().await;
    let ours = workspace(&url, "Ours").await;
    let theirs = workspace(&url, "Theirs").await;
    let server = TestServer::start(config(&url)).await;

    let mut owner = common::client(&server, &ours.token).await;
    let id = DocumentId::random();
    owner.insert(id, RecordDocument::create(&note("confidential")).unwrap());
    owner.sync(QUIET, LIMIT).await.unwrap();
    let database = pool(&url, 2).unwrap();
    let stored_heads = storage::load(&database, id)
        .await
        .unwrap()
        .unwrap()
        .document
        .get_heads();
    assert!(!stored_heads.is_empty());

    let mut intruder = common::client(&server, &theirs.token).await;
    // Reading: a request for the known id is answered doc-unavailable, with no content.
    intruder.request(id).await.unwrap();
    intruder
        .pump_until(LIMIT, |client| client.is_unavailable(&id))
        .await
        .unwrap();
    assert!(intruder.document(&id).unwrap().get_heads().is_empty());
    // The other workspace's root document is just as unavailable.
    intruder.request(ours.root_document_id).await.unwrap();
    intruder
        .pump_until(LIMIT, |client| {
            client.is_unavailable(&ours.root_document_id)
        })
        .await
        .unwrap();

    // Writing: pushing changes under the known id is refused and stores nothing.
    let mut forged = SyncClient::new();
    forged
        .connect(&server.sync_url(), &theirs.token, TokenPlacement::Query)
        .await
        .unwrap();
    forged.insert(id, RecordDocument::create(&note("overwritten")).unwrap());
    forged.push().await.unwrap();
    forged
        .pump_until(LIMIT, |client| client.is_unavailable(&id))
        .await
        .unwrap();
    let after = storage::load(&database, id).await.unwrap().unwrap();
    assert_eq!(after.workspace_id, ours.id);
    assert_eq!(after.document.get_heads(), stored_heads);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tokens_are_rejected_with_a_json_error() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;

    let response = reqwest::Client::new()
        .get(server.http_url("/v1/workspace"))
        .bearer_auth("ocs_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "auth_required");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("unknown or revoked"));

    let response = reqwest::get(server.http_url("/v1/workspace"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let mut client = SyncClient::new();
    let error = client
        .connect(&server.sync_url(), "ocs_wrong", TokenPlacement::Query)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("401"), "{error}");

    let response = reqwest::Client::new()
        .get(server.http_url("/v1/workspace"))
        .bearer_auth(&team.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["id"], team.id.to_string());
    assert_eq!(body["root_document_id"], team.root_document_id.to_string());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_cut_off_on_its_live_connection() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    // A long re-check period: the cut-off must come from the NOTIFY, not the safety net.
    let server = TestServer::start(omnicrm_sync_server::Config {
        token_recheck_seconds: 3600,
        ..config(&url)
    })
    .await;
    let mut client = common::client(&server, &team.token).await;
    let id = DocumentId::random();
    client.insert(id, RecordDocument::create(&note("before")).unwrap());
    client.sync(QUIET, LIMIT).await.unwrap();

    admin::revoke_token(&pool(&url, 2).unwrap(), &team.token)
        .await
        .unwrap();
    let outcome = client.pump_until(Duration::from_secs(5), |_| false).await;
    match outcome {
        Err(ClientError::Closed(reason)) => assert_eq!(reason, "token revoked"),
        other => panic!("expected the connection to be closed, got {other:?}"),
    }
    let error = client
        .connect(&server.sync_url(), &team.token, TokenPlacement::Header)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("401"), "{error}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncing_before_join_is_refused() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(config(&url)).await;
    let request = format!("{}?token={}", server.sync_url(), team.token);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    use futures_util::{SinkExt, StreamExt};
    let sync = Message::Sync(DocumentMessage {
        sender_id: "x".into(),
        target_id: "y".into(),
        document_id: DocumentId::random().to_string(),
        data: serde_bytes::ByteBuf::from(
            automerge::sync::Message::decode(&[0x42, 0, 0, 0, 0, 0])
                .map(|m| m.encode())
                .unwrap_or_default(),
        ),
    });
    socket
        .send(tokio_tungstenite::tungstenite::Message::Binary(
            sync.encode().into(),
        ))
        .await
        .unwrap();
    let mut saw_error = false;
    while let Some(Ok(frame)) = socket.next().await {
        if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = frame {
            if let Ok(Message::Error(error)) = Message::decode(&bytes, usize::MAX) {
                saw_error |= error.message.contains("join");
            }
        }
    }
    assert!(saw_error);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_is_relayed_within_a_workspace_only() {
    let url = fresh_database().await;
    let ours = workspace(&url, "Ours").await;
    let theirs = workspace(&url, "Theirs").await;
    let server = TestServer::start(config(&url)).await;
    let mut alice = common::client(&server, &ours.token).await;
    let mut bob = common::client(&server, &ours.token).await;
    let mut eve = common::client(&server, &theirs.token).await;
    let id = DocumentId::random();
    alice.insert(id, RecordDocument::create(&note("shared")).unwrap());
    alice.sync(QUIET, LIMIT).await.unwrap();
    bob.request(id).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();

    // Eve knows the id: her presence is refused and she hears nothing.
    eve.send_ephemeral(id, b"eve is here".to_vec())
        .await
        .unwrap();
    eve.pump_until(LIMIT, |client| client.is_unavailable(&id))
        .await
        .unwrap();
    alice
        .send_ephemeral(id, b"alice is typing".to_vec())
        .await
        .unwrap();
    bob.pump_until(LIMIT, |client| !client.ephemeral_messages().is_empty())
        .await
        .unwrap();
    eve.sync(QUIET, LIMIT).await.unwrap();
    bob.sync(QUIET, LIMIT).await.unwrap();
    let received: Vec<&[u8]> = bob
        .ephemeral_messages()
        .iter()
        .map(|message| message.data.as_slice())
        .collect();
    assert_eq!(received, vec![b"alice is typing".as_slice()]);
    assert!(eve.ephemeral_messages().is_empty());
    server.stop().await;
}

//! Malformed input and size limits: clear error messages, no panic, no poisoned document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use omnicrm_sync::protocol::{DocumentMessage, Message};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};
use omnicrm_sync_server::Config;
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

async fn setup(config_for: impl FnOnce(&str) -> Config) -> (TestServer, String) {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    (TestServer::start(config_for(&url)).await, team.token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_cbor_gets_an_error_and_the_connection_keeps_working() {
    let (server, token) = setup(config).await;
    let mut client = common::client(&server, &token).await;
    for garbage in [
        vec![0xff, 0x00, 0x13],
        vec![0x01],
        vec![0xa1, 0x61, 0x78, 0x01],
        vec![0x81; 5000],
    ] {
        client.send_raw(garbage).await.unwrap();
    }
    client
        .pump_until(LIMIT, |client| client.errors().len() >= 4)
        .await
        .unwrap();
    let errors = client.errors().join("\n");
    assert!(errors.contains("not valid CBOR"), "{errors}");
    assert!(errors.contains("not a CBOR map"), "{errors}");
    assert!(errors.contains("no `type`"), "{errors}");

    let id = DocumentId::random();
    client.insert(id, RecordDocument::create(&note("still works")).unwrap());
    client.sync(QUIET, LIMIT).await.unwrap();
    let mut reader = common::client(&server, &token).await;
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        RecordDocument::read::<Note>(reader.document(&id).unwrap())
            .unwrap()
            .body,
        "still works"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_automerge_bytes_are_refused_without_poisoning_the_document() {
    let (server, token) = setup(config).await;
    let mut client = common::client(&server, &token).await;
    let id = DocumentId::random();
    client.insert(id, RecordDocument::create(&note("good")).unwrap());
    client.sync(QUIET, LIMIT).await.unwrap();
    let good_heads = client.document(&id).unwrap().get_heads();

    // Not a sync message at all, and a sync message whose change bytes are corrupted.
    let mut corrupted = automerge::sync::Message::decode(&{
        let mut other = automerge::Automerge::new();
        let mut state = automerge::sync::State::new();
        use automerge::sync::SyncDoc;
        other
            .merge(&mut client.document(&id).unwrap().clone())
            .unwrap();
        let evil = Note {
            body: "evil".into(),
            ..RecordDocument::read::<Note>(&other).unwrap()
        };
        RecordDocument::update(&mut other, &evil).unwrap();
        other.generate_sync_message(&mut state).unwrap().encode()
    })
    .unwrap()
    .encode();
    let length = corrupted.len();
    for byte in corrupted.iter_mut().skip(length.saturating_sub(40)) {
        *byte ^= 0x5a;
    }
    for data in [vec![0x42, 0xde, 0xad], corrupted] {
        let message = Message::Sync(DocumentMessage {
            sender_id: "attacker".into(),
            target_id: "server".into(),
            document_id: id.to_string(),
            data: serde_bytes::ByteBuf::from(data),
        });
        client.send_message(&message).await.unwrap();
    }
    client
        .pump_until(LIMIT, |client| client.errors().len() >= 2)
        .await
        .unwrap();
    let errors = client.errors().join("\n");
    assert!(errors.contains(&format!("document {id}")), "{errors}");

    let mut reader = common::client(&server, &token).await;
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(reader.document(&id).unwrap().get_heads(), good_heads);
    assert_eq!(
        RecordDocument::read::<Note>(reader.document(&id).unwrap())
            .unwrap()
            .body,
        "good"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_messages_and_documents_get_clear_errors() {
    let (server, token) = setup(|url| Config {
        max_message_bytes: 2000,
        max_document_bytes: 3000,
        ..config(url)
    })
    .await;
    let mut client = common::client(&server, &token).await;
    client.send_raw(vec![0; 2500]).await.unwrap();
    client
        .pump_until(LIMIT, |client| !client.errors().is_empty())
        .await
        .unwrap();
    assert!(
        client.errors()[0].contains("exceeds the limit of 2000 bytes"),
        "{:?}",
        client.errors()
    );

    // A document grown past its limit in steps small enough for the message limit.
    let id = DocumentId::random();
    let mut record = note("start");
    client.insert(id, RecordDocument::create(&record).unwrap());
    client.sync(QUIET, LIMIT).await.unwrap();
    for round in 0..8 {
        record
            .body
            .push_str(&format!(" {round}:{}", "x".repeat(500)));
        RecordDocument::update(client.document_mut(&id).unwrap(), &record).unwrap();
        client.sync(QUIET, LIMIT).await.unwrap();
    }
    let errors = client.errors().join("\n");
    assert!(
        errors.contains("would exceed the size limit of 3000 bytes"),
        "{errors}"
    );
    server.stop().await;
}

/// Found by `scripts/fuzz.sh` (target `apply_sync_message`): a sync message whose "have"
/// bloom filter has no bits makes automerge 0.12 divide by zero while it answers a peer that
/// did not announce v2 messages, which panicked the connection's task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_an_empty_bloom_filter_that_panics_automerge_is_refused_and_the_server_keeps_serving(
) {
    const EMPTY_BLOOM_SYNC_MESSAGE: [u8; 11] = [
        0x42, 0x00, 0x00, 0x01, 0x00, 0x04, 0x04, 0x00, 0x00, 0x01, 0x00,
    ];
    let (server, token) = setup(config).await;
    let mut writer = common::client(&server, &token).await;
    let id = DocumentId::random();
    writer.insert(id, RecordDocument::create(&note("good")).unwrap());
    writer.sync(QUIET, LIMIT).await.unwrap();

    let mut attacker = common::client(&server, &token).await;
    let message = Message::Sync(DocumentMessage {
        sender_id: "attacker".into(),
        target_id: "server".into(),
        document_id: id.to_string(),
        data: serde_bytes::ByteBuf::from(EMPTY_BLOOM_SYNC_MESSAGE.to_vec()),
    });
    attacker.send_message(&message).await.unwrap();
    attacker
        .pump_until(LIMIT, |client| !client.errors().is_empty())
        .await
        .unwrap();
    let errors = attacker.errors().join("\n");
    assert!(
        errors.contains(&format!("document {id}: invalid automerge sync message")),
        "{errors}"
    );
    // Its connection lives on: a proper request for the same document is answered.
    attacker.request(id).await.unwrap();
    attacker.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        RecordDocument::read::<Note>(attacker.document(&id).unwrap())
            .unwrap()
            .body,
        "good"
    );

    // The writer still syncs, and the document is intact for everyone.
    let mut changed = RecordDocument::read::<Note>(writer.document(&id).unwrap()).unwrap();
    changed.body = "better".into();
    RecordDocument::update(writer.document_mut(&id).unwrap(), &changed).unwrap();
    writer.sync(QUIET, LIMIT).await.unwrap();
    let mut reader = common::client(&server, &token).await;
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        RecordDocument::read::<Note>(reader.document(&id).unwrap())
            .unwrap()
            .body,
        "better"
    );
    server.stop().await;
}

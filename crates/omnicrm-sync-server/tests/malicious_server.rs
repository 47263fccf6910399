//! The Rust sync client against a server that sends bytes automerge panics on: the client
//! records an error and stays usable; the app using it must not crash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use omnicrm_sync::client::{SyncClient, TokenPlacement};
use omnicrm_sync::protocol::{DocumentMessage, Message, Peer, PeerMetadata, PROTOCOL_VERSION};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use tokio_tungstenite::tungstenite::protocol::Message as Frame;
use uuid::Uuid;

/// A sync message whose "have" bloom filter has entries but no bits (see
/// `limits::regression_an_empty_bloom_filter_that_panics_automerge_is_refused_and_the_server_keeps_serving`).
const EMPTY_BLOOM_SYNC_MESSAGE: [u8; 11] = [
    0x42, 0x00, 0x00, 0x01, 0x00, 0x04, 0x04, 0x00, 0x00, 0x01, 0x00,
];

/// Answers `join` with `peer`, then sends the bad sync message for `document`, then keeps the
/// connection open until the client leaves.
async fn malicious_server(document: DocumentId) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
        let Some(Ok(Frame::Binary(join))) = socket.next().await else {
            return;
        };
        let Ok(Message::Join(join)) = Message::decode(&join, usize::MAX) else {
            return;
        };
        let peer = Message::Peer(Peer {
            sender_id: "evil-server".into(),
            target_id: join.sender_id.clone(),
            peer_metadata: PeerMetadata::default(),
            selected_protocol_version: PROTOCOL_VERSION.into(),
        });
        socket
            .send(Frame::Binary(peer.encode().into()))
            .await
            .unwrap();
        let evil = Message::Sync(DocumentMessage {
            sender_id: "evil-server".into(),
            target_id: join.sender_id,
            document_id: document.to_string(),
            data: serde_bytes::ByteBuf::from(EMPTY_BLOOM_SYNC_MESSAGE.to_vec()),
        });
        socket
            .send(Frame::Binary(evil.encode().into()))
            .await
            .unwrap();
        while let Some(Ok(_)) = socket.next().await {}
    });
    format!("ws://{address}/sync")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_server_message_that_panics_automerge_is_an_error_not_a_crash() {
    let id = DocumentId::random();
    let url = malicious_server(id).await;
    let mut client = SyncClient::new();
    let note = Note {
        id: Uuid::now_v7(),
        body: "kept".into(),
        body_html: None,
        source_type: None,
        contact_id: None,
        private: false,
    };
    client.insert(id, RecordDocument::create(&note).unwrap());
    client
        .connect(&url, "no-token", TokenPlacement::Header)
        .await
        .unwrap();
    client
        .pump_until(std::time::Duration::from_secs(10), |client| {
            !client.errors().is_empty()
        })
        .await
        .unwrap();
    let errors = client.errors().join("\n");
    assert!(
        errors.contains(&format!(
            "document {id}: the server's sync message could not be processed"
        )),
        "{errors}"
    );
    assert!(client.is_connected());
    assert_eq!(
        RecordDocument::read::<Note>(client.document(&id).unwrap())
            .unwrap()
            .body,
        "kept"
    );
}

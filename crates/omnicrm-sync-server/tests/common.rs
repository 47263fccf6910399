#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use omnicrm_sync::client::{SyncClient, TokenPlacement};
use omnicrm_sync_server::test_support::TestServer;

/// A client connected to `server` with `token` in the `Authorization` header.
pub async fn client(server: &TestServer, token: &str) -> SyncClient {
    let mut client = SyncClient::new();
    client
        .connect(&server.sync_url(), token, TokenPlacement::Header)
        .await
        .expect("connect");
    client
}

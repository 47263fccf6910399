//! The operations contract, through the real binary: migrate, workspace create, member add,
//! token issue/revoke, serve; a server killed mid-sync and restarted loses no edit; SIGTERM
//! closes connections cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use omnicrm_sync::client::{ClientError, SyncClient, TokenPlacement};
use omnicrm_sync::{DocumentId, Note, RecordDocument};
use omnicrm_sync_server::test_support::fresh_database;
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);
const BINARY: &str = env!("CARGO_BIN_EXE_omnicrm-sync");

fn admin(url: &str, args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

fn serve(url: &str, port: u16) -> Child {
    Command::new(BINARY)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", url)
        .env("OMNICRM_SYNC_COMPACT_AFTER_CHUNKS", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(port: u16) {
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await {
            if response.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server on port {port} never became ready");
}

/// Reconnects with backoff, as a real client would.
async fn reconnect(client: &mut SyncClient, url: &str, token: &str) {
    let mut delay = Duration::from_millis(50);
    for _ in 0..30 {
        if client
            .connect(url, token, TokenPlacement::Header)
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
    panic!("could not reconnect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_serve_and_a_restart_mid_sync_loses_nothing() {
    let url = fresh_database().await;
    assert!(admin(&url, &["migrate"]).contains("up to date"));
    let workspace = json(&admin(&url, &["workspace", "create", "Practice", "--json"]));
    let workspace_id = workspace["id"].as_str().unwrap().to_owned();
    let member = json(&admin(
        &url,
        &[
            "member",
            "add",
            "--workspace",
            &workspace_id,
            "Alice",
            "--json",
        ],
    ));
    let token = json(&admin(
        &url,
        &[
            "token",
            "issue",
            "--workspace",
            &workspace_id,
            "--member",
            member["id"].as_str().unwrap(),
            "--json",
        ],
    ))["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let port = StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sync_url = format!("ws://127.0.0.1:{port}/sync");
    let mut server = serve(&url, port);
    wait_ready(port).await;
    let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let mut writer = SyncClient::new();
    writer
        .connect(&sync_url, &token, TokenPlacement::Header)
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
    // Edit and push continuously; kill the server (SIGKILL) in the middle.
    for round in 0..30 {
        note.body.push_str(&format!("line {round}\n"));
        RecordDocument::update(writer.document_mut(&id).unwrap(), &note).unwrap();
        if writer.is_connected() && writer.push().await.is_err() {
            writer.disconnect();
        }
        if round == 12 {
            server.kill().unwrap();
            server.wait().unwrap();
        }
        if round == 20 {
            server = serve(&url, port);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_ready(port).await;
    reconnect(&mut writer, &sync_url, &token).await;
    writer.sync(QUIET, LIMIT).await.unwrap();

    let mut reader = SyncClient::new();
    reader
        .connect(&sync_url, &token, TokenPlacement::Query)
        .await
        .unwrap();
    reader.request(id).await.unwrap();
    reader.sync(QUIET, LIMIT).await.unwrap();
    assert_eq!(
        reader.document(&id).unwrap().get_heads(),
        writer.document(&id).unwrap().get_heads()
    );
    let stored = RecordDocument::read::<Note>(reader.document(&id).unwrap()).unwrap();
    assert_eq!(stored.body.lines().count(), 30, "{}", stored.body);

    // The audit log names the member who changed the document.
    let audit = admin_query(&url, "SELECT count(*) FROM audit_log a JOIN members m ON m.id = a.member_id WHERE m.name = 'Alice'").await;
    assert!(audit > 0);

    // Revoking through the CLI cuts the live reader off.
    assert!(admin(&url, &["token", "revoke", &token]).contains("revoked"));
    match reader.pump_until(Duration::from_secs(5), |_| false).await {
        Err(ClientError::Closed(reason)) => assert_eq!(reason, "token revoked"),
        other => panic!("expected the reader to be cut off, got {other:?}"),
    }

    // SIGTERM: connections are closed with a reason and the process exits cleanly.
    let token = json(&admin(
        &url,
        &["token", "issue", "--workspace", &workspace_id, "--json"],
    ))["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut client = SyncClient::new();
    client
        .connect(&sync_url, &token, TokenPlacement::Header)
        .await
        .unwrap();
    assert!(Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap()
        .success());
    match client.pump_until(Duration::from_secs(5), |_| false).await {
        Err(ClientError::Closed(reason)) => assert_eq!(reason, "server shutting down"),
        other => panic!("expected a shutdown close, got {other:?}"),
    }
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

async fn admin_query(url: &str, sql: &str) -> i64 {
    let pool = omnicrm_sync_server::database::pool(url, 1).unwrap();
    let client = pool.get().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_name_the_setting() {
    let output = Command::new(BINARY)
        .args(["migrate"])
        .env_remove("DATABASE_URL")
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("postgres://"),
        "{stderr}"
    );
    let output = Command::new(BINARY)
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://localhost/x")
        .env("OMNICRM_SYNC_MAX_MESSAGE_BYTES", "lots")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("OMNICRM_SYNC_MAX_MESSAGE_BYTES"));
}

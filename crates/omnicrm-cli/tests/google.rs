//! `omnicrm google connect|status|disconnect` against a real OAuth 2 server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../omnicrm-google/tests/support/oauth_server.rs"]
mod oauth_server;

use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use oauth_server::{browse, OAuthServer};
use omnicrm_google::Url;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

fn environment(server: &OAuthServer) -> Vec<(&'static str, String)> {
    let endpoints = server.endpoints();
    vec![
        ("OMNICRM_GOOGLE_CLIENT_ID", "cli-test-client".to_owned()),
        ("OMNICRM_GOOGLE_CLIENT_SECRET", "cli-test-secret".to_owned()),
        ("OMNICRM_GOOGLE_AUTHORIZE_URL", endpoints.authorize_url),
        ("OMNICRM_GOOGLE_TOKEN_URL", endpoints.token_url),
        ("OMNICRM_GOOGLE_USERINFO_URL", endpoints.userinfo_url),
        ("OMNICRM_GOOGLE_REVOKE_URL", endpoints.revoke_url),
        ("OMNICRM_SECRET_STORAGE", "encrypted_file".to_owned()),
    ]
}

fn omnicrm(data_dir: &std::path::Path, environment: &[(&str, String)]) -> Command {
    let mut command = Command::cargo_bin("omnicrm").unwrap();
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("OMNICRM_DATA_DIR")
        .env_remove("OMNICRM_GOOGLE_CLIENT_ID");
    for (name, value) in environment {
        command.env(name, value);
    }
    command
}

fn json_output(command: &mut Command) -> Value {
    let output = command.arg("--json").output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn connect_status_and_disconnect_through_the_cli() {
    let server = OAuthServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let environment = environment(&server);

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_omnicrm"))
        .arg("--data-dir")
        .arg(data_dir.path())
        .args([
            "--json",
            "google",
            "connect",
            "--no-browser",
            "--timeout",
            "60",
        ])
        .env_remove("OMNICRM_DATA_DIR")
        .envs(
            environment
                .iter()
                .map(|(name, value)| (*name, value.as_str())),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if let Some(address) = line.trim().strip_prefix("http") {
                return format!("http{address}");
            }
        }
        panic!("the CLI printed no sign-in address");
    })
    .await
    .expect("the sign-in address within a minute");
    let visit = browse(Url::parse(&address).unwrap()).await;
    assert!(
        visit.page.contains("You can close this tab"),
        "{}",
        visit.page
    );

    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{stdout}");
    let connected: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(connected["account"]["email"], "practitioner@example.com");
    assert_eq!(connected["account"]["status"], "connected");
    assert_eq!(connected["account"]["token_storage"], "encrypted_file");
    assert_eq!(connected["token_storage"]["backend"], "encrypted_file");
    let account_id = connected["account"]["id"].as_str().unwrap().to_owned();
    assert!(!stdout.contains("access_token"), "{stdout}");

    let listed = json_output(omnicrm(data_dir.path(), &environment).args(["google", "status"]));
    assert_eq!(listed["accounts"][0]["id"], account_id.as_str());
    assert_eq!(
        listed["token_storage"]["notice"],
        "Tokens are stored in an encrypted file because no system keyring is available"
    );
    let text = omnicrm(data_dir.path(), &environment)
        .args(["google", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("practitioner@example.com"), "{text}");
    assert!(
        text.contains("encrypted file because no system keyring"),
        "{text}"
    );

    let disconnected = json_output(omnicrm(data_dir.path(), &environment).args([
        "google",
        "disconnect",
        "practitioner@example.com",
    ]));
    assert_eq!(disconnected["revoked"], true);
    assert_eq!(disconnected["account"]["status"], "disconnected");
    assert_eq!(
        server.requests().await["revoke"].as_array().unwrap().len(),
        1
    );

    // Nothing is connected now, so naming no account is a validation error on `account`.
    let output = omnicrm(data_dir.path(), &environment)
        .args(["--json", "google", "disconnect"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "account");
}

#[test]
fn connecting_without_a_client_id_says_which_variable_to_set() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = omnicrm(
        data_dir.path(),
        &[("OMNICRM_SECRET_STORAGE", "encrypted_file".to_owned())],
    )
    .args(["--json", "google", "connect", "--no-browser"])
    .output()
    .unwrap();
    assert!(!output.status.success());
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(error["code"], "validation_failed");
    assert_eq!(error["details"]["fields"][0]["field"], "client_id");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("OMNICRM_GOOGLE_CLIENT_ID"));
}

#[test]
fn status_on_a_new_data_directory_lists_no_accounts() {
    let data_dir = tempfile::tempdir().unwrap();
    let status = json_output(
        omnicrm(
            data_dir.path(),
            &[("OMNICRM_SECRET_STORAGE", "encrypted_file".to_owned())],
        )
        .args(["google", "status"]),
    );
    assert_eq!(status["accounts"], Value::Array(Vec::new()));
    assert_eq!(status["token_storage"]["backend"], "encrypted_file");

    let output = omnicrm(
        data_dir.path(),
        &[("OMNICRM_SECRET_STORAGE", "somewhere".to_owned())],
    )
    .args(["--json", "google", "status"])
    .output()
    .unwrap();
    let error: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        error["details"]["fields"][0]["field"],
        "OMNICRM_SECRET_STORAGE"
    );
}

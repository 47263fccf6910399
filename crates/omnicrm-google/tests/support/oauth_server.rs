//! A real OAuth 2 server on loopback (`tests/oauth-server/server.mjs`, oauth2-mock-server under
//! node) and a "browser" that follows its redirect back to our loopback listener.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use omnicrm_google::{GoogleEndpoints, Url};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct OAuthServer {
    /// Killed when dropped; its stdin closing stops it too.
    _child: Child,
    pub base_url: String,
    http: reqwest::Client,
}

/// Found from either crate that includes this file (omnicrm-google, omnicrm-cli).
fn server_dir() -> PathBuf {
    let directory =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../omnicrm-google/tests/oauth-server");
    directory.canonicalize().unwrap_or(directory)
}

impl OAuthServer {
    pub async fn start() -> Self {
        let directory = server_dir();
        let module = directory.join("node_modules/oauth2-mock-server/package.json");
        assert!(
            module.exists(),
            "the test OAuth server is not installed ({} is missing): run scripts/setup.sh, which \
             runs `npm ci` in {}",
            module.display(),
            directory.display()
        );
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&directory)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("could not start node (Node.js 20.19+ is needed; see scripts/setup.sh): {error}")
            });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the test OAuth server did not start within 30 s")
            .expect("reading the test OAuth server's output")
            .expect("the test OAuth server exited before it was listening");
        let port = serde_json::from_str::<Value>(&first).expect("a JSON start line")["port"]
            .as_u64()
            .expect("a port");
        Self {
            _child: child,
            base_url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    pub fn endpoints(&self) -> GoogleEndpoints {
        GoogleEndpoints {
            authorize_url: format!("{}/authorize", self.base_url),
            token_url: format!("{}/token", self.base_url),
            userinfo_url: format!("{}/userinfo", self.base_url),
            revoke_url: format!("{}/revoke", self.base_url),
            gmail_api_base: format!("{}/gmail/v1", self.base_url),
            calendar_api_base: format!("{}/calendar/v3", self.base_url),
        }
    }

    /// Changes how the server behaves from now on (see server.mjs).
    pub async fn configure(&self, settings: Value) {
        let response = self
            .http
            .post(format!("{}/__test/settings", self.base_url))
            .json(&settings)
            .send()
            .await
            .expect("configure the test OAuth server");
        assert!(response.status().is_success());
    }

    /// What the server received so far.
    pub async fn requests(&self) -> Value {
        self.http
            .get(format!("{}/__test/requests", self.base_url))
            .send()
            .await
            .expect("ask the test OAuth server")
            .json()
            .await
            .expect("JSON")
    }
}

/// What the "browser" saw at the end of the redirects.
#[derive(Debug)]
pub struct BrowserVisit {
    pub final_url: String,
    pub status: u16,
    pub page: String,
}

/// Opens `url` like a browser: follows the authorization server's redirect to our loopback
/// listener and reads the page it answers with.
pub async fn browse(url: Url) -> BrowserVisit {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a browser");
    let response = client.get(url).send().await.expect("browse");
    BrowserVisit {
        final_url: response.url().to_string(),
        status: response.status().as_u16(),
        page: response.text().await.expect("page text"),
    }
}

/// An `open_browser` callback that browses in the background; the returned receiver gives the
/// visit once it is done.
pub fn browser() -> (
    impl FnOnce(&Url),
    tokio::sync::oneshot::Receiver<tokio::task::JoinHandle<BrowserVisit>>,
) {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let open = move |url: &Url| {
        let handle = tokio::spawn(browse(url.clone()));
        sender.send(handle).expect("the test waits for the browser");
    };
    (open, receiver)
}

pub async fn visit(
    receiver: tokio::sync::oneshot::Receiver<tokio::task::JoinHandle<BrowserVisit>>,
) -> BrowserVisit {
    receiver
        .await
        .expect("the browser was opened")
        .await
        .expect("the browser finished")
}

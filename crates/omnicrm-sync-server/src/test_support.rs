//! Test support: a throwaway Postgres 15 per test binary, one database per test, and
//! in-process servers.
//!
//! `OMNICRM_TEST_DATABASE_URL` (an admin URL) reuses an existing server instead. Otherwise the
//! binaries in `/usr/lib/postgresql/15/bin` (or `OMNICRM_PG_BIN`) start a cluster on a free
//! port; postgres refuses to run as root, so as root it runs as the `postgres` user. A
//! watchdog process stops the cluster and deletes its directory when the test binary exits,
//! since Rust never drops statics.
// Test scaffolding: a failure to set up is the test failing, so it may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::database::pool;
use crate::{admin, migrations, Config};

static ADMIN_URL: OnceLock<Result<String, String>> = OnceLock::new();

/// The admin URL of this test binary's Postgres, starting it on first use.
pub fn admin_url() -> Result<String, String> {
    ADMIN_URL.get_or_init(start_postgres).clone()
}

fn free_port() -> Result<u16, String> {
    let listener = StdListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    Ok(listener
        .local_addr()
        .map_err(|error| error.to_string())?
        .port())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(program: &Path, args: &[&str], as_postgres: bool) -> Result<(), String> {
    let output = if as_postgres {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args)
            .output()
    } else {
        Command::new(program).args(args).output()
    }
    .map_err(|error| format!("{}: {error}", program.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

fn start_postgres() -> Result<String, String> {
    if let Ok(url) = std::env::var("OMNICRM_TEST_DATABASE_URL") {
        return Ok(url);
    }
    // The cluster lives as long as the test process (its watchdog stops it).
    Ok(Cluster::start()?.admin_url())
}

/// A throwaway Postgres cluster of its own (not the test binary's shared one), which a test
/// may stop and start again (a Postgres restart under a running server). A watchdog stops it
/// and deletes its directory when the test process exits.
pub struct Cluster {
    bin: PathBuf,
    data: String,
    dir: String,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    pub fn start() -> Result<Self, String> {
        let bin = PathBuf::from(
            std::env::var("OMNICRM_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()),
        );
        if !bin.join("initdb").exists() {
            return Err(format!("no Postgres binaries in {} (apt-get install postgresql, or set OMNICRM_TEST_DATABASE_URL)", bin.display()));
        }
        let root = is_root();
        if root
            && Command::new("id")
                .arg("postgres")
                .output()
                .map(|out| !out.status.success())
                .unwrap_or(true)
        {
            run(
                Path::new("useradd"),
                &[
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    "postgres",
                ],
                false,
            )?;
        }
        let directory = tempfile::Builder::new()
            .prefix("omnicrm-sync-pg.")
            .tempdir()
            .map_err(|error| error.to_string())?
            .keep();
        let dir = directory.display().to_string();
        if root {
            run(Path::new("chown"), &["postgres:", &dir], false)?;
        }
        let data = format!("{dir}/data");
        run(
            &bin.join("initdb"),
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            root,
        )?;
        let cluster = Self {
            port: free_port()?,
            bin,
            data,
            dir,
            as_postgres: root,
        };
        cluster.start_again()?;
        // Stop the cluster when this process exits.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {prefix}{pg_ctl} -D {data} -m immediate -w stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            prefix = if root { "runuser -u postgres -- " } else { "" },
            pg_ctl = cluster.bin.join("pg_ctl").display(),
            data = cluster.data,
            dir = cluster.dir,
        );
        Command::new("sh")
            .args(["-c", &stop])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|error| format!("watchdog: {error}"))?;
        Ok(cluster)
    }

    /// The URL of the `postgres` database, for creating test databases.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the (stopped) cluster on its port, waiting until it accepts connections.
    pub fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c max_connections=300",
            self.port, self.dir
        );
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data,
                "-l",
                &format!("{}/log", self.dir),
                "-w",
                "-t",
                "30",
                "-o",
                &options,
                "start",
            ],
            self.as_postgres,
        )
    }

    /// Stops the cluster the way a restart does (`-m fast`: open connections are cut).
    pub fn stop(&self) -> Result<(), String> {
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data, "-m", "fast", "-w", "-t", "30", "stop"],
            self.as_postgres,
        )
    }
}

/// A fresh, migrated database; returns its URL.
pub async fn fresh_database() -> String {
    let admin = admin_url().unwrap_or_else(|error| panic!("test Postgres: {error}"));
    fresh_database_on(&admin).await
}

/// A fresh, migrated database on the server of `admin` (an admin URL); returns its URL.
pub async fn fresh_database_on(admin: &str) -> String {
    let name = format!("t_{}", Uuid::now_v7().simple());
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .expect("connect to test Postgres");
    let driver = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    drop(client);
    driver.await.ok();
    let (base, _) = admin.rsplit_once('/').expect("admin URL has a database");
    let url = format!("{base}/{name}");
    let pool = pool(&url, 2).expect("pool");
    migrations::migrate(&pool).await.expect("migrate");
    url
}

/// A workspace with one token.
pub struct TestWorkspace {
    pub id: Uuid,
    pub root_document_id: omnicrm_sync::DocumentId,
    pub token: String,
    pub token_id: Uuid,
}

pub async fn workspace(url: &str, name: &str) -> TestWorkspace {
    let pool = pool(url, 2).expect("pool");
    let (id, root_document_id) = admin::create_workspace(&pool, name)
        .await
        .expect("workspace");
    let (token_id, token) = admin::issue_token(&pool, id, None).await.expect("token");
    TestWorkspace {
        id,
        root_document_id,
        token,
        token_id,
    }
}

/// A token of workspace `workspace_id` for a new member named `name`.
pub async fn member_token(url: &str, workspace_id: Uuid, name: &str) -> String {
    let pool = pool(url, 2).expect("pool");
    let member = admin::add_member(&pool, workspace_id, name)
        .await
        .expect("member");
    let (_, token) = admin::issue_token(&pool, workspace_id, Some(member))
        .await
        .expect("token");
    token
}

/// A server running in this process.
pub struct TestServer {
    pub address: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<()>,
}

impl TestServer {
    pub async fn start(config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        let task = tokio::spawn(async move {
            if let Err(error) = crate::serve(config, listener, stop).await {
                eprintln!("test server failed: {error}");
            }
        });
        Self {
            address,
            shutdown,
            task,
        }
    }

    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.address)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.ok();
    }
}

/// A test configuration for `url`, with fast re-checks.
pub fn config(url: &str) -> Config {
    Config {
        database_url: url.to_owned(),
        database_pool_size: 8,
        token_recheck_seconds: 1,
        shutdown_grace_seconds: 2,
        ..Config::default()
    }
}

/// The rate-limit window of tests that count requests: one day, so a test's few seconds of
/// requests fall in one fixed window (with 60 s windows, about one run in 40 straddled two and
/// saw the budget reset halfway).
pub const COUNTING_WINDOW_SECONDS: u64 = 86_400;

/// Waits, if the current window of `window_seconds` (fixed windows from the Unix epoch, as in
/// Postgres) ends within a minute, until the next one has begun.
pub async fn start_of_a_whole_window(window_seconds: u64) {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let window = std::time::Duration::from_secs(window_seconds.max(1));
    let into_window = since_epoch.as_nanos() % window.as_nanos();
    let left = window.saturating_sub(std::time::Duration::from_nanos(
        u64::try_from(into_window).unwrap_or(u64::MAX),
    ));
    if left < std::time::Duration::from_secs(60) {
        tokio::time::sleep(left + std::time::Duration::from_secs(1)).await;
    }
}

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::contacts::{ContactInput, EmailEntry};
use omnicrm_core::ingest::SyncProvider;
use omnicrm_core::Core;
use omnicrm_google::{
    FixedAccessToken, GoogleAccount, GoogleEndpoints, GoogleSync, NoProgress, ProviderRunReport,
    RetryPolicy, SameTokenForEveryAccount, SyncSettings,
};
use omnicrm_google_fake_server::{FakeConfig, FakeGoogle, FakeGoogleServer};
use omnicrm_jobs::JobQueue;

pub const TOKEN: &str = "test-access-token";
pub const OWNER: &str = "me@practice.example";

/// A real store in a temporary directory, a fake Google on loopback, and the sync between.
pub struct Harness {
    pub directory: tempfile::TempDir,
    pub core: Core,
    pub server: FakeGoogleServer,
    pub sync: GoogleSync,
    pub queue: JobQueue,
    pub account: GoogleAccount,
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(3),
    }
}

pub async fn harness() -> Harness {
    harness_with_token(TOKEN).await
}

pub async fn harness_with_token(token: &str) -> Harness {
    let directory = tempfile::tempdir().expect("temporary directory");
    let core = Core::open(directory.path()).expect("open core");
    let server = FakeGoogleServer::start(FakeConfig::new(TOKEN, OWNER))
        .await
        .expect("fake google");
    let sync = sync_for(&core, &server, token);
    let queue = JobQueue::new(core.database.clone());
    Harness {
        directory,
        core,
        server,
        sync,
        queue,
        account: GoogleAccount {
            account_id: "account-1".to_owned(),
            email: OWNER.to_owned(),
        },
    }
}

pub fn sync_for(core: &Core, server: &FakeGoogleServer, token: &str) -> GoogleSync {
    let endpoints = GoogleEndpoints {
        gmail_api_base: server.gmail_api_base(),
        calendar_api_base: server.calendar_api_base(),
        ..GoogleEndpoints::default()
    };
    let tokens = SameTokenForEveryAccount(Arc::new(FixedAccessToken(token.to_owned())));
    GoogleSync::new(core.clone(), endpoints, Arc::new(tokens)).with_retry(fast_retry())
}

impl Harness {
    pub fn google(&self) -> &FakeGoogle {
        self.server.control()
    }

    /// Approves a sync and runs each provider's part in this task (what the jobs do).
    pub async fn sync_now(&self, settings: &SyncSettings) -> (String, Vec<ProviderRunReport>) {
        let approved = self
            .sync
            .approve(&self.queue, &self.account, settings)
            .await
            .expect("approve");
        let mut reports = Vec::new();
        for provider in approved.batch.providers.clone() {
            reports.push(
                self.sync
                    .run(&approved.batch.id, provider, &NoProgress)
                    .await
                    .expect("run"),
            );
        }
        (approved.batch.id, reports)
    }

    pub fn contact(&self, name: &str, email: &str) -> String {
        self.core
            .contacts
            .create(ContactInput {
                display_name: name.to_owned(),
                emails: vec![EmailEntry {
                    address: email.to_owned(),
                    label: None,
                    is_primary: true,
                }],
                ..ContactInput::default()
            })
            .expect("contact")
            .id
    }

    pub fn count(&self, sql: &str) -> i64 {
        let connection = rusqlite::Connection::open(self.core.database.path()).expect("open");
        connection
            .query_row(sql, [], |row| row.get(0))
            .expect("count")
    }

    pub fn text(&self, sql: &str) -> String {
        let connection = rusqlite::Connection::open(self.core.database.path()).expect("open");
        connection
            .query_row(sql, [], |row| row.get(0))
            .expect("text")
    }

    pub fn live_interactions(&self) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM interactions WHERE deleted_at IS NULL \
             AND source IN ('gmail', 'google_calendar')",
        )
    }

    pub fn raw_events(&self, provider: SyncProvider) -> i64 {
        self.count(&format!(
            "SELECT COUNT(*) FROM raw_events WHERE provider = '{}'",
            provider.as_str()
        ))
    }
}

pub fn report(reports: &[ProviderRunReport], provider: SyncProvider) -> &ProviderRunReport {
    reports
        .iter()
        .find(|report| report.provider == provider)
        .expect("a report for the provider")
}

//! Ingest and normalize 10,000 Gmail messages from the fake server on loopback.
//!
//! `cargo run --release -p omnicrm-google --example bench_google_sync [-- MESSAGES RUNS]`
//!
//! Two figures, each the median over the runs, each run into a fresh store:
//! - end to end: approve, list, fetch every message over HTTP (8 at a time), parse, store the
//!   raw events and normalize them into interactions and suggestions;
//! - without the server: the same messages already fetched once, then parse + store +
//!   normalize only (what the sync costs beyond waiting for Google).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use omnicrm_core::contacts::{ContactInput, EmailEntry};
use omnicrm_core::ingest::{NewSyncBatch, SyncProvider};
use omnicrm_core::{Core, Result};
use omnicrm_google::gmail::GmailClient;
use omnicrm_google::http_retry::GoogleHttp;
use omnicrm_google::normalize::gmail_raw_event;
use omnicrm_google::{
    FixedAccessToken, GmailSyncSettings, GoogleAccount, GoogleEndpoints, GoogleSync, NoProgress,
    RetryPolicy, SameTokenForEveryAccount, SyncSettings,
};
use omnicrm_google_fake_server::{correspondent, FakeConfig, FakeGoogleServer};
use omnicrm_jobs::JobQueue;

const TOKEN: &str = "bench-token";
const OWNER: &str = "me@practice.example";
const CORRESPONDENTS: usize = 200;
/// Correspondents who are contacts already; the rest become suggestions.
const KNOWN: usize = 150;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn fresh_core() -> Result<(tempfile::TempDir, Core)> {
    let directory =
        tempfile::tempdir().map_err(|error| omnicrm_core::Error::io("tempdir", &error))?;
    let core = Core::open(directory.path())?;
    for number in 0..KNOWN {
        core.contacts.create(ContactInput {
            display_name: format!("Client {number}"),
            emails: vec![EmailEntry {
                address: correspondent(number),
                label: None,
                is_primary: true,
            }],
            ..ContactInput::default()
        })?;
    }
    Ok((directory, core))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let mut arguments = std::env::args().skip(1);
    let messages: usize = arguments
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = arguments
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(3);
    let server = FakeGoogleServer::start(FakeConfig::new(TOKEN, OWNER))
        .await
        .map_err(|error| omnicrm_core::Error::io("fake server", &error))?;
    let ids = server.control().seed_messages(messages, CORRESPONDENTS);
    let endpoints = GoogleEndpoints {
        gmail_api_base: server.gmail_api_base(),
        calendar_api_base: server.calendar_api_base(),
        ..GoogleEndpoints::default()
    };
    let token = Arc::new(FixedAccessToken(TOKEN.to_owned()));
    let account = GoogleAccount {
        account_id: "bench".to_owned(),
        email: OWNER.to_owned(),
    };
    let settings = SyncSettings {
        gmail: Some(GmailSyncSettings {
            max_messages: 100_000,
            page_size: 500,
            ..GmailSyncSettings::default()
        }),
        calendar: None,
    };
    println!(
        "{messages} messages ({} promotions left out), {runs} runs",
        messages / 20
    );

    let mut end_to_end = Vec::new();
    let mut fetch = Vec::new();
    let mut store = Vec::new();
    for run in 1..=runs {
        let (_directory, core) = fresh_core()?;
        let sync = GoogleSync::new(
            core.clone(),
            endpoints.clone(),
            Arc::new(SameTokenForEveryAccount(token.clone())),
        )
        .with_fetch_concurrency(8);
        let queue = JobQueue::new(core.database.clone());
        let started = Instant::now();
        let approved = sync.approve(&queue, &account, &settings).await?;
        let report = sync
            .run(&approved.batch.id, SyncProvider::Gmail, &NoProgress)
            .await?;
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "run {run}: {elapsed:.2} s end to end (waiting for the server {:.2} s, storing and \
             normalizing {:.2} s); {} stored, {} interactions, {} unlinked, {} suggested",
            report.fetch_seconds,
            report.store_seconds,
            report.stored.inserted,
            report.normalize.normalized,
            report.normalize.unlinked,
            report.normalize.suggested,
        );
        end_to_end.push(elapsed);
        fetch.push(report.fetch_seconds);
        store.push(report.store_seconds);
    }

    // The same messages fetched once, then only parse + store + normalize is timed.
    let http = GoogleHttp::new(token.clone(), RetryPolicy::default())?;
    let client = GmailClient::new(http, &endpoints.gmail_api_base);
    let mut payloads = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(body) = client.get_message(id).await? {
            payloads.push((id.clone(), body));
        }
    }
    let mut offline = Vec::new();
    for run in 1..=runs {
        let (_directory, core) = fresh_core()?;
        let batch = core.ingest.approve(NewSyncBatch {
            account_id: "bench".to_owned(),
            account_email: OWNER.to_owned(),
            providers: vec![SyncProvider::Gmail],
            settings: serde_json::Value::Null,
        })?;
        core.ingest.start_batch(&batch.id)?;
        let payloads = payloads.clone();
        let started = Instant::now();
        let core_for_work = core.clone();
        let batch_id = batch.id.clone();
        let normalized = tokio::task::spawn_blocking(move || -> Result<u32> {
            let mut normalized = 0;
            for page in payloads.chunks(500) {
                let items: Vec<_> = page
                    .iter()
                    .map(|(id, body)| gmail_raw_event(id, body.clone(), OWNER))
                    .collect();
                core_for_work.ingest.store_page(&batch_id, &items, None)?;
                normalized += core_for_work
                    .ingest
                    .normalize_pending(&batch_id, 1_000)?
                    .normalized;
            }
            Ok(normalized)
        })
        .await??;
        let elapsed = started.elapsed().as_secs_f64();
        println!("run {run}: {elapsed:.2} s parse + store + normalize, no server ({normalized} interactions)");
        offline.push(elapsed);
    }
    println!(
        "median end to end: {:.2} s (waiting for the server {:.2} s, storing and normalizing {:.2} s)",
        median(&mut end_to_end),
        median(&mut fetch),
        median(&mut store)
    );
    println!("median without the server: {:.2} s", median(&mut offline));
    server.stop().await;
    Ok(())
}

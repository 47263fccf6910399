//! Team sync client figures (release build: `scripts/bench.sh sync-client [CONTACTS]`):
//!
//! - first sync of a device that holds CONTACTS demo contacts (with their notes) into an empty
//!   workspace, and of a new, empty device from that workspace;
//! - one contact edit on device A made visible on device B: A syncs after the edit (as the app
//!   does), B hears of it over its open connection and syncs, repeated;
//! - the local cost of turning one contact edit into its document change, at CONTACTS.
//!
//! `scripts/bench.sh sync-client CONTACTS --recording-only` measures only the last (A's
//! documents are made, nothing is sent): the way to measure it at 100,000 contacts.
//!
//! The server runs in this process on a throwaway Postgres (as the tests do).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use omnicrm_core::contacts::input_of;
use omnicrm_core::Core;
use omnicrm_sync_client::TeamSync;
use omnicrm_sync_server::test_support::{config, fresh_database, workspace, TestServer};

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

/// How many times the local-cost measurements edit each of the 30 contacts.
const LOCAL_PASSES: usize = 3;

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// The contacts the edit rounds change, one per round.
fn contacts_to_edit(a: &Core) -> Vec<String> {
    a.contacts
        .list(&Default::default())
        .expect("list")
        .items
        .into_iter()
        .take(30)
        .map(|contact| contact.id)
        .collect()
}

/// Edits contact `id` on A (its organization names the round); the edit's transaction records
/// its document change: when the edit began, and how long it took, recording included.
fn edit_and_record(a: &Core, a_sync: &TeamSync, id: &str, round: usize) -> (Instant, Duration) {
    let mut input = input_of(a.contacts.get(id).expect("get"));
    input.organization = Some(format!("Edited {round}"));
    let started = Instant::now();
    // The edit's own transaction records its document change before it commits.
    a.contacts.update(id, input).expect("edit");
    let edit = started.elapsed();
    assert_eq!(
        a_sync.record_local_changes().expect("record"),
        0,
        "the edit was recorded in its own transaction"
    );
    (started, edit)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `RUST_LOG=omnicrm_sync_client=debug` shows where a sync spends its time.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let contacts: u32 = std::env::args()
        .nth(1)
        .and_then(|text| text.parse().ok())
        .unwrap_or(10_000);
    let url = fresh_database().await;
    let team = workspace(&url, "Bench").await;
    let server = TestServer::start(config(&url)).await;
    let address = server.http_url("");

    let a_dir = tempfile::tempdir().expect("temp dir");
    let a = Core::open(a_dir.path()).expect("open A");
    let summary = a.demo.load(contacts, 7, &mut |_| {}).expect("demo data");
    println!(
        "device A: {} contacts, {} notes",
        summary.contacts, summary.notes
    );
    // The same edits before A joins (nothing is recorded): what an edit costs by itself.
    let mut unconnected = Vec::new();
    for pass in 0..LOCAL_PASSES {
        for (round, id) in contacts_to_edit(&a).iter().enumerate() {
            let mut input = input_of(a.contacts.get(id).expect("get"));
            input.organization = Some(format!("Before joining {pass}.{round}"));
            let started = Instant::now();
            a.contacts.update(id, input).expect("edit");
            unconnected.push(started.elapsed());
        }
    }
    println!(
        "one contact edit before joining (nothing recorded), at {contacts} contacts, {} edits: p50 {}, p95 {}",
        unconnected.len(),
        ms(percentile(&mut unconnected, 0.5)),
        ms(percentile(&mut unconnected, 0.95))
    );
    let a_sync = TeamSync::new(a.clone());
    a_sync
        .connect(&address, &team.token)
        .await
        .expect("connect A");
    let started = Instant::now();
    let recorded = a_sync.record_local_changes().expect("record");
    let recording = started.elapsed();
    if std::env::args().any(|argument| argument == "--recording-only") {
        println!("A's documents: {recorded} made in {}", ms(recording));
        let mut local_costs = Vec::new();
        for pass in 0..LOCAL_PASSES {
            for (round, id) in contacts_to_edit(&a).iter().enumerate() {
                local_costs.push(edit_and_record(&a, &a_sync, id, pass * 100 + round).1);
            }
        }
        println!(
            "one contact edit, recording its document change in the same transaction, at {contacts} contacts, {} edits: p50 {}, p95 {}",
            local_costs.len(),
            ms(percentile(&mut local_costs, 0.5)),
            ms(percentile(&mut local_costs, 0.95))
        );
        server.stop().await;
        return;
    }
    let report = a_sync.sync_now().await.expect("first sync of A");
    let first_a = started.elapsed();
    println!(
        "A's first sync (joining with data): {recorded} documents made in {}, {} sent, total {:.2} s",
        ms(recording),
        report.sent,
        first_a.as_secs_f64()
    );

    // Three new devices join in turn (the figure is their median); the last one, B, stays.
    let mut first_syncs = Vec::new();
    let mut devices = Vec::new();
    for _ in 0..3 {
        let directory = tempfile::tempdir().expect("temp dir");
        let core = Core::open(directory.path()).expect("open B");
        let sync = TeamSync::new(core.clone());
        sync.connect(&address, &team.token)
            .await
            .expect("connect B");
        let started = Instant::now();
        let report = sync.sync_now().await.expect("first sync of B");
        let first = started.elapsed();
        assert_eq!(
            report.received, recorded,
            "every record reached the new device"
        );
        // Then, in the background (the records are usable already), the downloaded documents
        // are synced over the connection, so the server pushes their changes.
        let started = Instant::now();
        sync.wait_for_team_changes(Duration::ZERO).await;
        println!(
            "a new device's first sync: {} records in {:.2} s; its downloaded documents synced over its connection after, in the background: {:.2} s",
            report.received,
            first.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        first_syncs.push(first);
        devices.push((directory, core, sync));
    }
    println!(
        "B's first sync (new device), median of {}: {:.2} s",
        first_syncs.len(),
        percentile(&mut first_syncs, 0.5).as_secs_f64()
    );
    let Some((_b_dir, b, b_sync)) = devices.pop() else {
        return;
    };
    for (_, _, sync) in &devices {
        sync.close_session().await;
    }

    // One edit on A, visible on B.
    let ids = contacts_to_edit(&a);
    let mut round_trips = Vec::new();
    let mut local_costs = Vec::new();
    for (round, id) in ids.iter().enumerate() {
        // B waits on its open connection, as the app's background service does.
        let waiting = {
            let b_sync = b_sync.clone();
            tokio::spawn(async move {
                let pushed = b_sync.wait_for_team_changes(Duration::from_secs(30)).await;
                assert_eq!(pushed, Some(true), "the server pushes A's edit");
                b_sync.sync_now().await.expect("B sync");
                Instant::now()
            })
        };
        let (started, recording) = edit_and_record(&a, &a_sync, id, round);
        local_costs.push(recording);
        a_sync.sync_now().await.expect("A sync");
        let seen_at = waiting.await.expect("B's wait");
        let seen = b.contacts.get(id).expect("on B").organization;
        assert_eq!(seen.as_deref(), Some(format!("Edited {round}").as_str()));
        round_trips.push(seen_at.duration_since(started));
    }
    println!(
        "edit on A visible on B (A syncs after the edit; B hears of it over its open connection and syncs), {} rounds: p50 {}, p95 {}",
        round_trips.len(),
        ms(percentile(&mut round_trips, 0.5)),
        ms(percentile(&mut round_trips, 0.95))
    );
    println!(
        "one contact edit, recording its document change in the same transaction, at {contacts} contacts: p50 {}, p95 {}",
        ms(percentile(&mut local_costs, 0.5)),
        ms(percentile(&mut local_costs, 0.95))
    );
    // The connection drops (network change, server restart): the next sync opens a new one
    // and brings every document in step again.
    b_sync.close_session().await;
    let started = Instant::now();
    let report = b_sync
        .sync_now()
        .await
        .expect("B's sync over a new connection");
    println!(
        "B's sync over a new connection, nothing changed: {} received in {:.2} s",
        report.received,
        started.elapsed().as_secs_f64()
    );
    server.stop().await;
}

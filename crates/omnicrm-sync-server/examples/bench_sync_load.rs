//! Editing load for `scripts/bench-sync.sh`: N concurrent editors on M documents, through any
//! automerge-repo sync server (the OmniCRM server or the reference Node server), with the
//! `omnicrm_sync::client` Rust client.
//!
//! Why a Rust load generator: 50 automerge-repo JS clients in one Node process on this 2-core
//! machine could not even offer the load (the generator, not the server, set the pace), so
//! the editing figures come from this much cheaper client; the JS generator
//! (`bench/load.mjs`) still seeds and measures the initial sync.
//!
//! One client creates `--docs` documents and syncs them to the server. Then each editor i
//! requests document (i mod docs) on its own connection and changes it `--rate` times a second
//! for `--seconds`, writing `bench_edits.<i> = {seq, at}` (`at` in microseconds since the
//! start, one clock for all editors). After every message it receives, an editor looks for
//! newer seqs of the other editors: now - at is one round-trip sample (A changed, the server
//! merged and forwarded, B has it). Throughput is every change made, divided by the time
//! until each editor had its peers' last change. Delivered throughput counts what arrived
//! instead: seqs are consecutive, so an editor that saw seq n of a peer has that peer's first n
//! changes; the sum over editors and peers, divided by the peers per editor, is the changes
//! every peer had, over the time of the last delivery. It is the same figure for a run that
//! converges, and still a figure when the server drops its clients (the editors then stop and
//! report what they saw; the run is marked failed). Prints one JSON line.
//!
//! cargo run --release -p omnicrm-sync-server --example bench_sync_load -- \
//!     --url ws://127.0.0.1:3030/sync --token ocs_… --clients 50 --docs 10 --seconds 15 --rate 2
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::error::Error;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use clap::Parser;
use omnicrm_sync::client::{ClientError, SyncClient, TokenPlacement};
use omnicrm_sync::DocumentId;

type BoxError = Box<dyn Error + Send + Sync>;

#[derive(Parser, Clone)]
struct Arguments {
    /// WebSocket URL of the server's sync endpoint.
    #[arg(long)]
    url: String,
    /// Bearer token, sent as `?token=` (the reference server ignores it).
    #[arg(long, default_value = "none")]
    token: String,
    #[arg(long, default_value_t = 50)]
    clients: usize,
    #[arg(long, default_value_t = 10)]
    docs: usize,
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Changes per second per editor.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Seconds to wait for every editor to converge after the last change.
    #[arg(long, default_value_t = 60.0)]
    converge_limit: f64,
    /// Instead of editing: a new client syncs this workspace root and every record it lists
    /// (the initial sync of a new desktop client), and the time it took is printed.
    #[arg(long)]
    initial_root: Option<DocumentId>,
}

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(30);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let arguments = Arguments::parse();
    if let Some(root) = arguments.initial_root {
        return initial_sync(&arguments, root).await;
    }
    let documents = create_documents(&arguments).await?;

    let base = Instant::now();
    // Each editor's last seq once it stopped editing (0 while it is still editing).
    let finals: Arc<Vec<AtomicU64>> =
        Arc::new((0..arguments.clients).map(|_| AtomicU64::new(0)).collect());
    // Editors that have every peer's last change; the others may still need this one's.
    let done = Arc::new(AtomicUsize::new(0));
    let mut editors = Vec::with_capacity(arguments.clients);
    for index in 0..arguments.clients {
        let document = *documents
            .get(index % documents.len())
            .ok_or("no documents")?;
        let mut client = SyncClient::new();
        client
            .connect(&arguments.url, &arguments.token, TokenPlacement::Query)
            .await?;
        client.request(document).await?;
        client
            .pump_until(LIMIT, |client| edits_map(client, &document).is_some())
            .await?;
        editors.push((index, document, client));
    }
    eprintln!("[bench_sync_load] {} editors joined", editors.len());

    let started = base.elapsed();
    let tasks: Vec<_> = editors
        .into_iter()
        .map(|(index, document, client)| {
            let arguments = arguments.clone();
            let finals = finals.clone();
            let done = done.clone();
            tokio::spawn(edit(arguments, index, document, client, base, finals, done))
        })
        .collect();
    let mut samples = Vec::new();
    let mut changes = 0;
    let mut converged_at = started;
    let mut converged = true;
    let mut deliveries = 0;
    let mut last_delivery = started;
    let mut failure = None;
    for task in tasks {
        let report = task.await?;
        samples.extend(report.samples);
        changes += report.changes;
        converged_at = converged_at.max(report.converged_at);
        converged &= report.converged;
        deliveries += report.deliveries;
        last_delivery = last_delivery.max(report.last_delivery);
        if failure.is_none() {
            failure = report.failure;
        }
    }
    samples.sort_by(f64::total_cmp);
    let seconds = (converged_at - started).as_secs_f64();
    let peers_per_editor = (arguments.clients / arguments.docs.max(1))
        .saturating_sub(1)
        .max(1);
    let delivered_changes = deliveries as f64 / peers_per_editor as f64;
    let delivery_seconds = (last_delivery - started).as_secs_f64();
    let report = serde_json::json!({
        "mode": "edit",
        "generator": "rust",
        "clients": arguments.clients,
        "docs": arguments.docs,
        "rate_per_editor": arguments.rate,
        "changes": changes,
        "converged": converged,
        "seconds_to_converge": round(seconds),
        "changes_per_second": (changes as f64 / seconds).round(),
        "delivered_changes_per_second": if delivery_seconds > 0.0 {
            (delivered_changes / delivery_seconds).round()
        } else {
            0.0
        },
        "failed": failure.is_some(),
        "failure": failure,
        "samples": samples.len(),
        "p50_ms": percentile(&samples, 50.0).map(round),
        "p95_ms": percentile(&samples, 95.0).map(round),
        "max_ms": samples.last().copied().map(round),
    });
    println!("{report}");
    if let Some(failure) = failure {
        eprintln!("[bench_sync_load] an editor failed: {failure}");
    }
    Ok(())
}

/// How many record requests a new client keeps in flight during the initial sync.
const INITIAL_IN_FLIGHT: usize = 500;

/// A new client gets the workspace root, then every record it lists, with at most
/// [`INITIAL_IN_FLIGHT`] requests outstanding. Prints one JSON line.
async fn initial_sync(arguments: &Arguments, root: DocumentId) -> Result<(), BoxError> {
    let limit = Duration::from_secs_f64(arguments.converge_limit);
    let started = Instant::now();
    let mut client = SyncClient::new();
    client
        .connect(&arguments.url, &arguments.token, TokenPlacement::Query)
        .await?;
    client.request(root).await?;
    client
        .pump_until(limit, |client| client.awaiting() == 0)
        .await?;
    let root_seconds = started.elapsed().as_secs_f64();
    let listed = omnicrm_sync::WorkspaceRoot::entries(
        client
            .document(&root)
            .ok_or("the workspace root is unavailable")?,
    )?;
    for batch in listed.chunks(INITIAL_IN_FLIGHT / 2) {
        for entry in batch {
            client.request(entry.document_id).await?;
        }
        client
            .pump_until(limit, |client| client.awaiting() <= INITIAL_IN_FLIGHT / 2)
            .await?;
    }
    client
        .pump_until(limit, |client| client.awaiting() == 0)
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let unavailable = listed
        .iter()
        .filter(|entry| client.is_unavailable(&entry.document_id))
        .count();
    client.disconnect();
    let report = serde_json::json!({
        "mode": "initial",
        "generator": "rust",
        "documents": listed.len(),
        "unavailable": unavailable,
        "root_seconds": round(root_seconds * 1000.0) / 1000.0,
        "seconds": round(seconds * 1000.0) / 1000.0,
    });
    println!("{report}");
    Ok(())
}

/// Creates the documents on one connection and waits until the server has them.
async fn create_documents(arguments: &Arguments) -> Result<Vec<DocumentId>, BoxError> {
    let mut creator = SyncClient::new();
    creator
        .connect(&arguments.url, &arguments.token, TokenPlacement::Query)
        .await?;
    let mut ids = Vec::with_capacity(arguments.docs);
    for _ in 0..arguments.docs {
        let mut document = Automerge::new();
        let mut transaction = document.transaction();
        transaction.put(ROOT, "schema_version", 1_u64)?;
        transaction.put(ROOT, "kind", "note")?;
        transaction.put(ROOT, "id", uuid::Uuid::now_v7().to_string())?;
        transaction.put(ROOT, "deleted_at", ScalarValue::Null)?;
        let body = transaction.put_object(ROOT, "body", ObjType::Text)?;
        transaction.splice_text(&body, 0, 0, "benchmark note")?;
        transaction.put(ROOT, "contact_id", ScalarValue::Null)?;
        transaction.put_object(ROOT, "bench_edits", ObjType::Map)?;
        transaction.commit();
        // A UUIDv4, which automerge-repo 1.x (the reference server) insists on.
        let id = DocumentId::random();
        creator.insert(id, document);
        ids.push(id);
    }
    creator.sync(QUIET, LIMIT).await?;
    if !creator.errors().is_empty() {
        return Err(format!("server errors: {:?}", creator.errors()).into());
    }
    creator.disconnect();
    eprintln!("[bench_sync_load] {} documents stored", ids.len());
    Ok(ids)
}

struct EditorReport {
    samples: Vec<f64>,
    changes: u64,
    converged_at: Duration,
    converged: bool,
    /// The sum over this editor's peers of the newest seq it saw (the changes delivered to it).
    deliveries: u64,
    /// When it last saw a newer seq.
    last_delivery: Duration,
    /// Why it stopped early (the server dropped the connection, …).
    failure: Option<String>,
}

/// What one editor has seen: the newest seq per other editor, and the latency samples.
#[derive(Default)]
struct Seen {
    newest: HashMap<usize, u64>,
    samples: Vec<f64>,
    last_delivery_us: u64,
}

impl Seen {
    /// Records every seq newer than what this editor saw before.
    fn scan(&mut self, client: &SyncClient, document: &DocumentId, me: usize, now_us: u64) {
        let Some((doc, edits)) = edits_map(client, document) else {
            return;
        };
        for key in doc.keys(&edits) {
            let Ok(from) = key.parse::<usize>() else {
                continue;
            };
            if from == me {
                continue;
            }
            let Ok(Some((Value::Object(ObjType::Map), entry))) = doc.get(&edits, key.as_str())
            else {
                continue;
            };
            let (Some(seq), Some(at)) = (read_u64(doc, &entry, "seq"), read_u64(doc, &entry, "at"))
            else {
                continue;
            };
            let newest = self.newest.entry(from).or_insert(0);
            if seq > *newest {
                *newest = seq;
                self.samples.push(now_us.saturating_sub(at) as f64 / 1000.0);
                self.last_delivery_us = now_us;
            }
        }
    }
}

/// One editor: edits for the run's seconds, then waits until it has every peer's last change.
/// A failure (the server dropped the connection, …) ends it early, reported with what it saw.
async fn edit(
    arguments: Arguments,
    me: usize,
    document: DocumentId,
    mut client: SyncClient,
    base: Instant,
    finals: Arc<Vec<AtomicU64>>,
    done: Arc<AtomicUsize>,
) -> EditorReport {
    let seen = Mutex::new(Seen::default());
    let mut seq = 0_u64;
    let mut converged = false;
    let mut editing = Editing {
        arguments: &arguments,
        me,
        document,
        client: &mut client,
        base,
        finals: &finals,
        done: &done,
        seen: &seen,
    };
    let outcome = editing.run(&mut seq, &mut converged).await;
    let converged_at = match &outcome {
        Ok(converged_at) => *converged_at,
        Err(_) => base.elapsed(),
    };
    if outcome.is_err() {
        // Stopped early: peers stop waiting for changes that will not come.
        if let Some(last) = finals.get(me) {
            last.store(seq.max(1), Ordering::SeqCst);
        }
        done.fetch_add(1, Ordering::SeqCst);
    }
    client.disconnect();
    let seen = seen
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    EditorReport {
        deliveries: seen.newest.values().sum(),
        last_delivery: Duration::from_micros(seen.last_delivery_us),
        samples: seen.samples,
        changes: seq,
        converged_at,
        converged: converged && outcome.is_ok(),
        failure: outcome.err().map(|error| error.to_string()),
    }
}

struct Editing<'a> {
    arguments: &'a Arguments,
    me: usize,
    document: DocumentId,
    client: &'a mut SyncClient,
    base: Instant,
    finals: &'a [AtomicU64],
    done: &'a AtomicUsize,
    seen: &'a Mutex<Seen>,
}

impl Editing<'_> {
    /// Returns when this editor had every peer's last change (or gave up waiting).
    async fn run(&mut self, seq: &mut u64, converged: &mut bool) -> Result<Duration, BoxError> {
        let Editing {
            arguments,
            me,
            document,
            base,
            finals,
            done,
            seen,
            ..
        } = *self;
        let client = &mut *self.client;
        let interval = Duration::from_secs_f64(1.0 / arguments.rate);
        let peers: Vec<usize> = (0..arguments.clients)
            .filter(|other| *other != me && other % arguments.docs == me % arguments.docs)
            .collect();
        let now_us = || base.elapsed().as_micros() as u64;
        // Spread the editors' first changes over one interval.
        tokio::time::sleep(interval.mul_f64(me as f64 / arguments.clients as f64)).await;
        let stop = Instant::now() + Duration::from_secs_f64(arguments.seconds);
        let mut next = Instant::now();
        let mut entry = None;
        while Instant::now() < stop {
            *seq += 1;
            let doc = client
                .document_mut(&document)
                .ok_or("the editor lost its document")?;
            let mut transaction = doc.transaction();
            let entry_id = match &entry {
                Some(entry_id) => Clone::clone(entry_id),
                None => {
                    let edits = match transaction.get(ROOT, "bench_edits")? {
                        Some((Value::Object(ObjType::Map), edits)) => edits,
                        _ => return Err("the document has no bench_edits map".into()),
                    };
                    let created = transaction.put_object(&edits, me.to_string(), ObjType::Map)?;
                    entry = Some(created.clone());
                    created
                }
            };
            transaction.put(&entry_id, "seq", *seq)?;
            transaction.put(&entry_id, "at", now_us())?;
            transaction.commit();
            client.push().await?;
            next += interval;
            let wait = next.saturating_duration_since(Instant::now());
            pump_for(client, wait, |client| {
                lock(seen).scan(client, &document, me, now_us());
                false
            })
            .await?;
        }
        finals
            .get(me)
            .ok_or("editor index out of range")?
            .store(*seq, Ordering::SeqCst);

        // Converged when this editor has every peer's last change.
        let limit = Instant::now() + Duration::from_secs_f64(arguments.converge_limit);
        let has_all = |seen: &Seen| {
            peers.iter().all(|peer| {
                let last = finals
                    .get(*peer)
                    .map_or(0, |last| last.load(Ordering::SeqCst));
                last > 0 && seen.newest.get(peer).copied().unwrap_or(0) >= last
            })
        };
        *converged = has_all(&lock(seen));
        while !*converged && Instant::now() < limit {
            pump_for(client, Duration::from_millis(5), |client| {
                lock(seen).scan(client, &document, me, now_us());
                false
            })
            .await?;
            *converged = has_all(&lock(seen));
        }
        let converged_at = base.elapsed();
        done.fetch_add(1, Ordering::SeqCst);
        // Keep answering the server until every editor is done: this editor's own last change
        // may still wait for the server's reply to the previous one (one message in flight).
        while done.load(Ordering::SeqCst) < arguments.clients && Instant::now() < limit {
            pump_for(client, Duration::from_millis(5), |_| false).await?;
        }
        Ok(converged_at)
    }
}

/// Handles incoming messages for `duration`, calling `after_each` after every one.
async fn pump_for(
    client: &mut SyncClient,
    duration: Duration,
    after_each: impl Fn(&SyncClient) -> bool,
) -> Result<(), ClientError> {
    match client.pump_until(duration, after_each).await {
        Ok(()) | Err(ClientError::Timeout) => Ok(()),
        Err(error) => Err(error),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn edits_map<'a>(
    client: &'a SyncClient,
    document: &DocumentId,
) -> Option<(&'a Automerge, automerge::ObjId)> {
    let doc = client.document(document)?;
    match doc.get(ROOT, "bench_edits") {
        Ok(Some((Value::Object(ObjType::Map), edits))) => Some((doc, edits)),
        _ => None,
    }
}

fn read_u64(doc: &Automerge, object: &automerge::ObjId, key: &str) -> Option<u64> {
    match doc.get(object, key) {
        Ok(Some((Value::Scalar(value), _))) => match value.as_ref() {
            ScalarValue::Uint(value) => Some(*value),
            ScalarValue::Int(value) => u64::try_from(*value).ok(),
            _ => None,
        },
        _ => None,
    }
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len() - 1))
        .copied()
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

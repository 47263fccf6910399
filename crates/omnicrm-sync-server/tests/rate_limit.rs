//! Rate limits are leased from Postgres in blocks: a busy connection does not cost a Postgres
//! round trip per message, and instances leasing concurrently never exceed the combined limit
//! (the exact small-limit case across two servers is `multi_instance.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use omnicrm_sync::protocol::{ErrorMessage, Message};
use omnicrm_sync_server::database::pool;
use omnicrm_sync_server::rate_limit::RateLimiter;
use omnicrm_sync_server::test_support::{
    config, fresh_database, start_of_a_whole_window, workspace, TestServer, COUNTING_WINDOW_SECONDS,
};
use omnicrm_sync_server::Config;
use uuid::Uuid;

const QUIET: Duration = Duration::from_millis(300);
const LIMIT: Duration = Duration::from_secs(10);

fn metric(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_connection_claims_quota_in_blocks_not_per_message() {
    let url = fresh_database().await;
    let team = workspace(&url, "Team").await;
    let server = TestServer::start(Config {
        rate_limit_per_token: 1600,
        rate_limit_per_ip: 3200,
        rate_limit_window_seconds: COUNTING_WINDOW_SECONDS,
        ..config(&url)
    })
    .await;
    start_of_a_whole_window(COUNTING_WINDOW_SECONDS).await;
    let mut client = common::client(&server, &team.token).await;
    let noise = Message::Error(ErrorMessage {
        message: "counted but ignored".into(),
    });
    for _ in 0..300 {
        client.send_message(&noise).await.unwrap();
    }
    client.sync(QUIET, LIMIT).await.unwrap();
    assert!(client.errors().is_empty(), "{:?}", client.errors());

    let metrics = reqwest::get(server.http_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let messages = metric(&metrics, "omnicrm_sync_messages_total").unwrap_or(0.0);
    let claims = metric(&metrics, "omnicrm_sync_rate_limit_claims_total").unwrap_or(0.0);
    assert!(messages >= 301.0, "{metrics}");
    // Blocks of 1/16 of the unclaimed budget: 100, 93, 87, 82 ... for the token, 200, 187
    // for the IP; one claim per message would be over 300.
    assert!(
        (1.0..=10.0).contains(&claims),
        "{claims} claims for {messages} messages"
    );

    // Every request spent was claimed in Postgres first.
    let database = pool(&url, 2).unwrap();
    let row = database
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT sum(count)::int8 FROM rate_limit_counters WHERE key = $1",
            &[&format!("token:{}", team.token_id)],
        )
        .await
        .unwrap();
    let claimed: i64 = row.get(0);
    assert!((302..=1600).contains(&claimed), "claimed {claimed}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_leasing_concurrently_never_exceed_the_combined_limit() {
    let url = fresh_database().await;
    let database = pool(&url, 8).unwrap();
    const BUDGET: i64 = 500;
    let limiter = |name: &str| {
        RateLimiter::new(
            database.clone(),
            BUDGET,
            1_000_000,
            COUNTING_WINDOW_SECONDS,
            prometheus::IntCounter::new(name, "claims").unwrap(),
        )
    };
    let instances = [limiter("first"), limiter("second")];
    start_of_a_whole_window(COUNTING_WINDOW_SECONDS).await;
    let token = Uuid::now_v7();
    let accepted = Arc::new(AtomicI64::new(0));
    let mut tasks = Vec::new();
    // Four workers per instance, 1,200 attempts in all for a budget of 500.
    for worker in 0..8 {
        let limiter = instances[worker % 2].clone();
        let accepted = accepted.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..150 {
                if limiter.hit(Some(token), "192.0.2.1").await.unwrap().is_ok() {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let accepted = accepted.load(Ordering::Relaxed);
    assert!(accepted <= BUDGET, "{accepted} accepted, limit {BUDGET}");
    // What the other instance still held when the budget ran out is lost: at most its last
    // block, a sixteenth of what was unclaimed then.
    assert!(
        accepted >= BUDGET - 2 * (BUDGET / 16),
        "only {accepted} of {BUDGET} accepted"
    );
    let row = database
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT sum(count)::int8 FROM rate_limit_counters WHERE key = $1",
            &[&format!("token:{token}")],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), BUDGET, "the whole budget was claimed");
    let claims = instances[0].claims() + instances[1].claims();
    assert!(claims < 150, "{claims} claims for {accepted} requests");
}

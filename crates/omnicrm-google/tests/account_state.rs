//! What the Integrations settings show per account (the last sync and what it brought, the last
//! error in plain words), and the recurring job's choice of which accounts to sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sync_harness.rs"]
mod sync_harness;

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::ingest::SyncBatchStatus;
use omnicrm_core::integrations::{
    AccountConnection, IntegrationAccount, IntegrationProvider, TokenStorage,
};
use omnicrm_google::oauth::REQUIRED_API_SCOPES;
use omnicrm_google::{register_sync_handlers, GoogleAccount, SyncMode, SyncSettings};
use omnicrm_google_fake_server::{EventSpec, MessageSpec};
use omnicrm_jobs::{JobQueue, JobRunner, JobStatus, NewJob};
use sync_harness::{harness, harness_with_token, Harness, OWNER};

/// Signs the owner's account in as far as the store knows (the sync itself uses the harness's
/// fixed token), and points the harness's syncs at it.
fn connect_owner(h: &mut Harness) -> String {
    let account = h
        .core
        .integrations
        .connect(&AccountConnection {
            provider: IntegrationProvider::Google,
            email: OWNER.to_owned(),
            scopes: REQUIRED_API_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            token_storage: TokenStorage::EncryptedFile,
        })
        .expect("connect");
    h.account = GoogleAccount {
        account_id: account.id.clone(),
        email: OWNER.to_owned(),
    };
    account.id
}

fn account(h: &Harness, id: &str) -> IntegrationAccount {
    h.core.integrations.get(id).expect("account")
}

fn seed_one_of_each(h: &Harness) {
    h.contact("Ada Lovelace", "ada@example.com");
    h.google().add_message(&MessageSpec::received(
        "ada@example.com",
        OWNER,
        "Booking for Tuesday",
        "See you then",
    ));
    h.google()
        .add_event(&EventSpec::meeting("Session", 1, &["ada@example.com"]));
}

async fn run_jobs(h: &Harness, job_ids: &[String], status: JobStatus) -> Vec<omnicrm_jobs::Job> {
    let runner = register_sync_handlers(
        JobRunner::new(h.queue.clone(), 2).poll_interval(Duration::from_millis(10)),
        Arc::new(h.sync.clone()),
        h.queue.clone(),
    )
    .start();
    let jobs = wait_for_jobs(&h.queue, job_ids, status).await;
    runner.shutdown().await.expect("shutdown");
    jobs
}

/// Approves a sync and lets its jobs run it, as the app does.
async fn sync_with_jobs(h: &Harness, settings: &SyncSettings) -> String {
    let approved = h
        .sync
        .approve(&h.queue, &h.account, settings)
        .await
        .expect("approve");
    run_jobs(h, &approved.job_ids, JobStatus::Succeeded).await;
    approved.batch.id
}

async fn wait_for_jobs(
    queue: &JobQueue,
    ids: &[String],
    status: JobStatus,
) -> Vec<omnicrm_jobs::Job> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let jobs: Vec<_> = ids.iter().map(|id| queue.get(id).expect("job")).collect();
        if jobs.iter().all(|job| job.status == status) {
            return jobs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs never reached {status:?}: {jobs:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_sync_shows_on_its_account_with_what_it_brought() {
    let mut h = harness().await;
    let id = connect_owner(&mut h);
    seed_one_of_each(&h);
    h.core
        .integrations
        .record_error(&id, "an earlier failure")
        .expect("earlier error");

    let (batch_id, _) = h.sync_now(&SyncSettings::everything()).await;

    let state = account(&h, &id);
    assert!(state.last_sync_at.is_some());
    assert_eq!(
        state.last_sync_summary.as_deref(),
        Some("2 new items, 2 became interactions")
    );
    assert_eq!(state.last_error, None, "a successful sync clears the error");
    let batch = h.core.ingest.batch(&batch_id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Completed);
}

/// Regression: a sync refused by Google was retried until its attempts ran out, and nothing on
/// the account said why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sync_shows_its_error_on_the_account_and_goes_dead_at_once() {
    let mut h = harness_with_token("a-token-google-no-longer-accepts").await;
    let id = connect_owner(&mut h);
    seed_one_of_each(&h);
    let approved = h
        .sync
        .approve(
            &h.queue,
            &h.account,
            &SyncSettings {
                calendar: None,
                ..SyncSettings::everything()
            },
        )
        .await
        .expect("approve");

    let jobs = run_jobs(&h, &approved.job_ids, JobStatus::Dead).await;

    assert_eq!(jobs[0].attempts, 1, "no retry can fix a refused sign-in");
    let state = account(&h, &id);
    let error = state.last_error.expect("the error is on the account");
    assert!(error.to_lowercase().contains("sign"), "{error}");
    assert!(state.last_error_at.is_some());
    assert_eq!(state.last_sync_at, None);
    let batch = h.core.ingest.batch(&approved.batch.id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recurring_sync_picks_connected_accounts_that_synced_and_are_idle() {
    let mut h = harness().await;
    let id = connect_owner(&mut h);
    seed_one_of_each(&h);

    let due = h.sync.approve_due(&h.queue).await.expect("due");
    assert!(
        due.is_empty(),
        "the first sync waits for the user's approval"
    );

    let settings = SyncSettings {
        calendar: None,
        ..SyncSettings::everything()
    };
    let first = sync_with_jobs(&h, &settings).await;

    let due = h.sync.approve_due(&h.queue).await.expect("due");
    assert_eq!(due.len(), 1);
    let next = &due[0];
    assert_eq!(next.batch.account_id, id);
    assert_eq!(
        next.batch.settings,
        h.core.ingest.batch(&first).expect("first").settings,
        "the last batch's settings are reused"
    );
    assert_eq!(
        h.sync.approve_due(&h.queue).await.expect("due").len(),
        0,
        "nothing more while that batch's jobs wait"
    );

    run_jobs(&h, &next.job_ids, JobStatus::Succeeded).await;
    let audit = h.core.ingest.audit_of_batch(&next.batch.id).expect("audit");
    let run = audit
        .iter()
        .find(|entry| entry.details.get("mode").is_some())
        .expect("a run entry");
    assert_eq!(
        run.details["mode"],
        serde_json::to_value(SyncMode::Incremental).expect("mode")
    );
    assert_eq!(
        account(&h, &id).last_sync_summary.as_deref(),
        Some("nothing new")
    );

    h.core
        .integrations
        .mark_disconnected(&id, "Google refused the sign-in.")
        .expect("disconnect");
    assert!(h.sync.approve_due(&h.queue).await.expect("due").is_empty());
    connect_owner(&mut h);

    h.sync
        .undo(Some(&h.queue), &next.batch.id)
        .await
        .expect("undo");
    assert!(
        h.sync.approve_due(&h.queue).await.expect("due").is_empty(),
        "an undone batch is not synced back in behind the user's back"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recurring_job_approves_due_syncs() {
    let mut h = harness().await;
    connect_owner(&mut h);
    seed_one_of_each(&h);
    sync_with_jobs(&h, &SyncSettings::everything()).await;
    let job = h
        .queue
        .enqueue(NewJob::new(
            omnicrm_google::SCHEDULED_SYNC_JOB,
            serde_json::json!({}),
        ))
        .expect("enqueue");

    run_jobs(&h, std::slice::from_ref(&job.id), JobStatus::Succeeded).await;

    let batches = h
        .core
        .ingest
        .batches(Some(&h.account.account_id), 10)
        .expect("batches");
    assert_eq!(
        batches.len(),
        2,
        "the recurring job approved one more batch"
    );
}

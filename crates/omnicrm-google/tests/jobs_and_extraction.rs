//! The sync as durable jobs (including a worker killed mid-sync) and contact extraction rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sync_harness.rs"]
mod sync_harness;

use std::sync::Arc;
use std::time::Duration;

use omnicrm_core::ingest::{SuggestionStatus, SyncBatchStatus, SyncProvider};
use omnicrm_google::{register_sync_handlers, SyncSettings};
use omnicrm_google_fake_server::{correspondent, EventSpec, MessageSpec};
use omnicrm_jobs::{JobQueue, JobRunner, JobStatus};
use sync_harness::{harness, report, sync_for, OWNER, TOKEN};

fn gmail_settings(page_size: u32) -> SyncSettings {
    let mut settings = SyncSettings::everything();
    if let Some(gmail) = settings.gmail.as_mut() {
        gmail.page_size = page_size;
    }
    settings
}

async fn wait_for_job(queue: &JobQueue, id: &str, status: JobStatus, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let job = queue.get(id).expect("job");
        if job.status == status {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job {id} never reached {status:?}: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_syncs_run_as_jobs_and_complete_the_batch() {
    let h = harness().await;
    h.contact("Ada Lovelace", "ada@example.com");
    h.google().add_message(&MessageSpec::received(
        "ada@example.com",
        OWNER,
        "Hi",
        "Hello",
    ));
    h.google()
        .add_event(&EventSpec::meeting("Session", 1, &["ada@example.com"]));
    let approved = h
        .sync
        .approve(&h.queue, &h.account, &SyncSettings::everything())
        .await
        .expect("approve");
    assert_eq!(approved.job_ids.len(), 2);
    let runner = register_sync_handlers(
        JobRunner::new(h.queue.clone(), 2).poll_interval(Duration::from_millis(10)),
        Arc::new(h.sync.clone()),
        h.queue.clone(),
    )
    .start();
    for id in &approved.job_ids {
        wait_for_job(&h.queue, id, JobStatus::Succeeded, Duration::from_secs(20)).await;
    }
    runner.shutdown().await.expect("shutdown");
    let batch = h.core.ingest.batch(&approved.batch.id).expect("batch");
    assert_eq!(batch.status, SyncBatchStatus::Completed);
    assert_eq!(h.live_interactions(), 2);
    let job = h.queue.get(&approved.job_ids[0]).expect("job");
    assert_eq!(job.batch_id.as_deref(), Some(approved.batch.id.as_str()));
    assert!(job.progress_done >= 1, "the job reported progress");
}

/// A worker process dies in the middle of a sync (its runtime is torn down with the job in
/// flight, the way a kill would end it). A new worker claims the job once the lease expires
/// and finishes it from the stored position: every message once, none missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_mid_run_resumes_without_duplicates_or_losses() {
    let h = harness().await;
    for number in 0..40 {
        h.contact(&format!("Client {number}"), &correspondent(number));
    }
    let ids = h.google().seed_messages(300, 40);
    let promotions = ids.len() / 20;
    let expected = (ids.len() - promotions) as i64;
    h.google().set_latency(Duration::from_millis(15));
    let approved = h
        .sync
        .approve(
            &h.queue,
            &h.account,
            &SyncSettings {
                calendar: None,
                ..gmail_settings(25)
            },
        )
        .await
        .expect("approve");
    let job_id = approved.job_ids[0].clone();

    // The first worker, on its own runtime, killed once a few pages are in.
    let database_path = h.core.database.path().to_path_buf();
    let sync = h.sync.clone();
    let queue = h.queue.clone();
    let crashed = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let _runner = register_sync_handlers(
                JobRunner::new(queue.clone(), 1)
                    .lease(Duration::from_secs(1))
                    .poll_interval(Duration::from_millis(10)),
                Arc::new(sync),
                queue,
            )
            .start();
            let connection = rusqlite::Connection::open(&database_path).expect("open");
            loop {
                let stored: i64 = connection
                    .query_row("SELECT COUNT(*) FROM raw_events", [], |row| row.get(0))
                    .expect("count");
                if stored >= 75 {
                    return stored;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        // Dropping the runtime here ends every task of the first worker mid-flight.
    });
    let stored_before_crash = crashed.join().expect("first worker");
    assert!(
        stored_before_crash < expected,
        "the crash came too late to test anything"
    );
    assert_eq!(
        h.queue.get(&job_id).expect("job").status,
        JobStatus::Running
    );

    h.google().set_latency(Duration::ZERO);
    let second = register_sync_handlers(
        JobRunner::new(h.queue.clone(), 1)
            .lease(Duration::from_secs(5))
            .poll_interval(Duration::from_millis(20)),
        Arc::new(sync_for(&h.core, &h.server, TOKEN)),
        h.queue.clone(),
    )
    .start();
    wait_for_job(
        &h.queue,
        &job_id,
        JobStatus::Succeeded,
        Duration::from_secs(60),
    )
    .await;
    second.shutdown().await.expect("shutdown");

    assert_eq!(h.raw_events(SyncProvider::Gmail), expected, "nothing lost");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM interactions WHERE source = 'gmail'"),
        expected,
        "every message once"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM raw_events WHERE status = 'pending'"),
        0
    );
    let job = h.queue.get(&job_id).expect("job");
    assert_eq!(job.attempts, 2, "claimed again after the lease expired");
    let runs = h
        .core
        .ingest
        .audit_of_batch(&approved.batch.id)
        .expect("audit");
    let resumed = runs
        .iter()
        .filter(|entry| {
            entry.details.get("mode").and_then(|mode| mode.as_str()) == Some("resumed_full")
        })
        .count();
    assert_eq!(
        resumed, 1,
        "the second attempt went on from the stored page"
    );
    let refetched = h.google().requests("/users/me/messages/");
    assert!(
        refetched < ids.len() - promotions + 50,
        "the second worker fetched far more than the missing pages: {refetched}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extraction_honours_the_ignore_list_no_reply_senders_and_dismissals() {
    let h = harness().await;
    h.core
        .identities
        .ignore("*@agency.example", Some("recruiters"))
        .expect("ignore");
    for (from, subject) in [
        ("Recruiter <jobs@agency.example>", "Opportunity"),
        ("Shop <support-noreply@shop.example>", "Order"),
        ("Bounces <bounce-42@lists.example>", "Delivery"),
        ("Zoe <zoe@example.com>", "Question"),
        ("Yann <yann@example.com>", "Hello"),
    ] {
        h.google()
            .add_message(&MessageSpec::received(from, OWNER, subject, "Text"));
    }
    h.google().add_message(
        &MessageSpec::received("Digest <digest@news.example>", OWNER, "Digest", "Text")
            .header("Precedence", "bulk"),
    );
    let gmail_only = SyncSettings {
        calendar: None,
        ..SyncSettings::everything()
    };
    h.sync_now(&gmail_only).await;

    let pending = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("pending");
    let mut emails: Vec<&str> = pending
        .iter()
        .map(|suggestion| suggestion.email.as_str())
        .collect();
    emails.sort_unstable();
    assert_eq!(emails, vec!["yann@example.com", "zoe@example.com"]);

    let zoe = pending
        .iter()
        .find(|suggestion| suggestion.email == "zoe@example.com")
        .expect("zoe");
    let dismissed = h.core.ingest.dismiss_suggestion(&zoe.id).expect("dismiss");
    assert_eq!(dismissed.status, SuggestionStatus::Dismissed);
    let yann = pending
        .iter()
        .find(|suggestion| suggestion.email == "yann@example.com")
        .expect("yann");

    h.google().add_message(&MessageSpec::received(
        "Zoe <zoe@example.com>",
        OWNER,
        "Again",
        "Text",
    ));
    h.google().add_message(&MessageSpec::received(
        "Yann <yann@example.com>",
        OWNER,
        "Again",
        "Text",
    ));
    h.sync_now(&gmail_only).await;
    let pending = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("pending");
    assert_eq!(pending.len(), 1, "Zoe stays dismissed: {pending:?}");
    let again = pending.first().expect("yann");
    assert_eq!(again.id, yann.id);
    assert_eq!(again.occurrences, 2);

    let approval = h
        .core
        .ingest
        .approve_suggestion(&yann.id, None)
        .expect("approve");
    assert_eq!(approval.contact.display_name, "Yann");
    assert_eq!(
        approval.linked_interactions, 2,
        "both of Yann's mails are linked"
    );
    let stale = h
        .core
        .ingest
        .approve_suggestion(&yann.id, None)
        .expect_err("decided");
    assert_eq!(stale.code, omnicrm_core::ErrorCode::Conflict);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM raw_events WHERE status = 'unlinked'"),
        6,
        "the ignored, automated and dismissed senders' mail waits unlinked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_attendees_are_suggested_and_solo_events_wait() {
    let h = harness().await;
    h.google()
        .add_event(&EventSpec::meeting("Intro call", 1, &["Nina@Example.com"]));
    h.google()
        .add_event(&EventSpec::meeting("Focus time", 2, &[]));
    let calendar_only = SyncSettings {
        gmail: None,
        ..SyncSettings::everything()
    };
    let (_, reports) = h.sync_now(&calendar_only).await;
    let calendar = report(&reports, SyncProvider::GoogleCalendar);
    assert_eq!(calendar.normalize.unlinked, 2);
    let pending = h
        .core
        .ingest
        .suggestions(SuggestionStatus::Pending)
        .expect("pending");
    assert_eq!(pending.len(), 1);
    let nina = pending.first().expect("nina");
    assert_eq!(nina.reason, "In your calendar: \"Intro call\"");
    let approval = h
        .core
        .ingest
        .approve_suggestion(&nina.id, Some("Nina Simone"))
        .expect("approve");
    assert_eq!(approval.linked_interactions, 1);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM interactions WHERE kind = 'meeting' AND deleted_at IS NULL"),
        1
    );
}

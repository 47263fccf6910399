//! A local stand-in for Google's Gmail v1 and Calendar v3 REST APIs, speaking their documented
//! wire format, so the sync can be tested, benchmarked and run end to end without Google.
//!
//! Gmail: `users/me/messages` (q, labelIds, pageToken, maxResults → messages, nextPageToken,
//! resultSizeEstimate), `users/me/messages/{id}` (format full, metadata or minimal),
//! `users/me/labels/{id}`, `users/me/history` (startHistoryId, historyTypes; 404 once the
//! history is too old) and `users/me/profile`. Calendar: `calendars/primary/events` (timeMin,
//! timeMax, pageToken, syncToken → nextPageToken / nextSyncToken; 410 Gone for an expired sync
//! token; each event with its `etag`, `updated` and `sequence`, edited and cancelled events
//! listed again by the next incremental sync, cancelled ones in their bare deleted form). Every request needs `Authorization: Bearer <token>` (401 otherwise). Tests inject
//! faults (429 with Retry-After, 500), add mail and events between syncs, expire cursors and
//! count requests through [`FakeGoogle`]; the binary exposes the same under `/_fake/`.

mod admin;
mod calendar;
mod gmail;
mod model;
mod query;
mod seed;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use model::{AttendeeSpec, EventSpec, MessageBody, MessageSpec};
pub use query::GmailQuery;
pub use seed::correspondent;
pub use state::Fault;

use state::State;

/// How the fake starts.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// The only access token accepted.
    pub access_token: String,
    /// The mailbox and calendar owner.
    pub account_email: String,
    /// Where to listen; port 0 picks a free one.
    pub address: SocketAddr,
}

impl FakeConfig {
    pub fn new(access_token: &str, account_email: &str) -> Self {
        Self {
            access_token: access_token.to_owned(),
            account_email: account_email.to_owned(),
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Controls a running fake: add data, inject faults, expire cursors, count requests.
#[derive(Clone)]
pub struct FakeGoogle {
    state: Arc<Mutex<State>>,
}

impl FakeGoogle {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a message (recorded in the history as `messageAdded`); returns its id.
    pub fn add_message(&self, spec: &MessageSpec) -> String {
        self.state().add_message(spec, true)
    }

    /// Adds a message that history.list will never report, as if Gmail had lost the record:
    /// the sync's reconciliation check must find it.
    pub fn add_message_without_history(&self, spec: &MessageSpec) -> String {
        self.state().add_message(spec, false)
    }

    /// Adds an event to the primary calendar; returns its id.
    pub fn add_event(&self, spec: &EventSpec) -> String {
        self.state().add_event(spec)
    }

    /// Edits an event: new content, a new `etag`, a later `updated`, and it shows up in the
    /// next incremental sync. A cancelled event comes back (restored from the bin). `false`
    /// when there is no such event.
    pub fn update_event(&self, id: &str, spec: &EventSpec) -> bool {
        self.state().update_event(id, spec)
    }

    /// Cancels an event (it stays visible to incremental syncs as `status: cancelled`, with
    /// its id, etag and update time only). `false` when there is no such event.
    pub fn cancel_event(&self, id: &str) -> bool {
        self.state().cancel_event(id)
    }

    /// Makes every history id handed out so far too old: history.list answers 404.
    pub fn expire_history(&self) {
        self.state().expire_history();
    }

    /// Makes every sync token handed out so far invalid: events.list answers 410 Gone.
    pub fn expire_sync_tokens(&self) {
        self.state().expire_sync_tokens();
    }

    /// Queues a fault for matching requests.
    pub fn inject_fault(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    /// Requests whose path contains `fragment`, faults included.
    pub fn requests(&self, fragment: &str) -> usize {
        self.state()
            .request_log
            .iter()
            .filter(|path| path.contains(fragment))
            .count()
    }

    /// Waits this long before answering each request (to model network latency).
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    pub fn message_count(&self) -> usize {
        self.state().messages.len()
    }
}

/// A fake listening on loopback.
pub struct FakeGoogleServer {
    pub base_url: String,
    control: FakeGoogle,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeGoogleServer {
    pub async fn start(config: FakeConfig) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(State::new(
            &config.access_token,
            &config.account_email,
        )));
        let control = FakeGoogle { state };
        let listener = tokio::net::TcpListener::bind(config.address).await?;
        let address = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(control.clone());
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender means the server handle is gone: stop as well.
                    if stopped.await.is_err() {
                        tracing::debug!("fake google handle dropped");
                    }
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "fake google server stopped");
            }
        });
        Ok(Self {
            base_url: format!("http://{address}"),
            control,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// The Gmail API root, like `https://gmail.googleapis.com/gmail/v1`.
    pub fn gmail_api_base(&self) -> String {
        format!("{}/gmail/v1", self.base_url)
    }

    /// The Calendar API root, like `https://www.googleapis.com/calendar/v3`.
    pub fn calendar_api_base(&self) -> String {
        format!("{}/calendar/v3", self.base_url)
    }

    pub fn control(&self) -> &FakeGoogle {
        &self.control
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            if shutdown.send(()).is_err() {
                tracing::debug!("fake google server had already stopped");
            }
        }
        if let Some(task) = self.task.take() {
            if let Err(error) = task.await {
                tracing::warn!(%error, "fake google server task failed");
            }
        }
    }
}

fn router(control: FakeGoogle) -> Router {
    let api = Router::new()
        .merge(gmail::routes())
        .merge(calendar::routes())
        .layer(axum::middleware::from_fn_with_state(
            control.clone(),
            state::guard,
        ));
    api.merge(admin::routes()).with_state(control)
}

//! The fake's mailbox, calendar, cursors and faults, and the guard every API request passes:
//! request log, latency, injected faults, then the bearer token.

use std::time::Duration;

use axum::extract::{Request, State as Extract};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{self, EventSpec, MessageSpec, StoredMessage};
use crate::FakeGoogle;

/// An injected failure: the next `times` requests whose path contains `path_contains` (after
/// letting `skip` of them through) answer `status`, with `Retry-After` when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub path_contains: String,
    pub status: u16,
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    #[serde(default = "once")]
    pub times: u32,
    #[serde(default)]
    pub skip: u32,
}

fn once() -> u32 {
    1
}

impl Fault {
    pub fn new(path_contains: &str, status: u16) -> Self {
        Self {
            path_contains: path_contains.to_owned(),
            status,
            retry_after_seconds: None,
            times: 1,
            skip: 0,
        }
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = skip;
        self
    }
}

pub(crate) struct StoredEvent {
    pub id: String,
    pub spec: EventSpec,
    pub status: String,
    /// The change counter when the event last changed: sync tokens compare against it, and it
    /// is the event's `etag`.
    pub changed_at: u64,
    pub created: DateTime<Utc>,
    /// The event's `updated`: strictly later with every change, as Google's is.
    pub updated: DateTime<Utc>,
    /// The iCalendar `sequence`, raised by edits (Google raises it when the time, place or
    /// guests change).
    pub sequence: u32,
}

pub(crate) struct State {
    pub access_token: String,
    pub account_email: String,
    pub messages: Vec<StoredMessage>,
    /// `(history id, message id)` of each messageAdded record.
    pub history: Vec<(u64, String)>,
    pub history_id: u64,
    /// history.list answers 404 for a startHistoryId below this.
    pub history_floor: u64,
    pub events: Vec<StoredEvent>,
    pub event_changes: u64,
    /// The last `updated` handed out, so the next change is strictly later.
    pub last_event_update: DateTime<Utc>,
    /// events.list answers 410 for a sync token below this.
    pub sync_token_floor: u64,
    pub faults: Vec<Fault>,
    pub request_log: Vec<String>,
    pub latency: Duration,
}

impl State {
    pub fn new(access_token: &str, account_email: &str) -> Self {
        Self {
            access_token: access_token.to_owned(),
            account_email: account_email.to_owned(),
            messages: Vec::new(),
            history: Vec::new(),
            history_id: 1000,
            history_floor: 0,
            events: Vec::new(),
            event_changes: 1,
            last_event_update: DateTime::<Utc>::MIN_UTC,
            sync_token_floor: 0,
            faults: Vec::new(),
            request_log: Vec::new(),
            latency: Duration::ZERO,
        }
    }

    pub fn add_message(&mut self, spec: &MessageSpec, with_history: bool) -> String {
        self.history_id += 1;
        let id = format!("{:016x}", 0x18f0_0000_0000_u64 + self.messages.len() as u64);
        let stored = model::message_resource(spec, &id, self.history_id);
        if with_history {
            self.history.push((self.history_id, id.clone()));
        }
        self.messages.push(stored);
        id
    }

    pub fn add_event(&mut self, spec: &EventSpec) -> String {
        self.event_changes += 1;
        let now = self.next_event_update();
        let id = format!("ev{:08}", self.events.len() + 1);
        self.events.push(StoredEvent {
            id: id.clone(),
            spec: spec.clone(),
            status: "confirmed".to_owned(),
            changed_at: self.event_changes,
            created: now,
            updated: now,
            sequence: 0,
        });
        id
    }

    /// Replaces an event's content (a confirmed event stays confirmed; a cancelled one is
    /// restored, as when it is taken back out of the bin).
    pub fn update_event(&mut self, id: &str, spec: &EventSpec) -> bool {
        self.change_event(id, |event| {
            event.spec = spec.clone();
            event.status = "confirmed".to_owned();
            event.sequence += 1;
        })
    }

    pub fn cancel_event(&mut self, id: &str) -> bool {
        self.change_event(id, |event| event.status = "cancelled".to_owned())
    }

    fn change_event(&mut self, id: &str, change: impl FnOnce(&mut StoredEvent)) -> bool {
        if !self.events.iter().any(|event| event.id == id) {
            return false;
        }
        self.event_changes += 1;
        let changes = self.event_changes;
        let updated = self.next_event_update();
        match self.events.iter_mut().find(|event| event.id == id) {
            Some(event) => {
                change(event);
                event.changed_at = changes;
                event.updated = updated;
                true
            }
            None => false,
        }
    }

    /// Now, or a millisecond after the last change when the clock has not moved on.
    fn next_event_update(&mut self) -> DateTime<Utc> {
        let now = Utc::now();
        let next = if now > self.last_event_update {
            now
        } else {
            self.last_event_update + chrono::Duration::milliseconds(1)
        };
        // Google's `updated` has millisecond precision.
        let next = DateTime::<Utc>::from_timestamp_millis(next.timestamp_millis()).unwrap_or(next);
        let next = if next > self.last_event_update {
            next
        } else {
            self.last_event_update + chrono::Duration::milliseconds(1)
        };
        self.last_event_update = next;
        next
    }

    pub fn expire_history(&mut self) {
        self.history_id += 1;
        self.history_floor = self.history_id;
    }

    pub fn expire_sync_tokens(&mut self) {
        self.event_changes += 1;
        self.sync_token_floor = self.event_changes;
    }

    pub fn event_resource(&self, event: &StoredEvent) -> Value {
        model::event_resource(
            &event.spec,
            &self.account_email,
            &model::EventState {
                id: &event.id,
                status: &event.status,
                etag: event.changed_at,
                created: event.created,
                updated: event.updated,
                sequence: event.sequence,
            },
        )
    }

    /// The fault to answer with, if one matches; counts it down.
    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let index = self
            .faults
            .iter()
            .position(|fault| path.contains(&fault.path_contains) && fault.times > 0)?;
        let fault = self.faults.get_mut(index)?;
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.times -= 1;
        let fired = fault.clone();
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(fired)
    }
}

/// Google's JSON error body.
pub(crate) fn google_error(status: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{ "message": message, "domain": "global", "reason": reason }],
            "status": status.canonical_reason().unwrap_or("ERROR").to_uppercase().replace(' ', "_"),
        }
    });
    (status, axum::Json(body)).into_response()
}

/// Logs the request, waits the latency, answers an injected fault, then checks the token.
pub(crate) async fn guard(
    Extract(control): Extract<FakeGoogle>,
    request: Request,
    next: Next,
) -> Response {
    let path = match request.uri().query() {
        Some(query) => format!("{}?{query}", request.uri().path()),
        None => request.uri().path().to_owned(),
    };
    let (latency, fault, token) = {
        let mut state = control.state();
        state.request_log.push(path.clone());
        let fault = state.take_fault(&path);
        (state.latency, fault, state.access_token.clone())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(fault) = fault {
        let status =
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let reason = if status == StatusCode::TOO_MANY_REQUESTS {
            "rateLimitExceeded"
        } else {
            "backendError"
        };
        let mut response = google_error(status, reason, "injected fault");
        if let Some(seconds) = fault.retry_after_seconds {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        return response;
    }
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|presented| presented == token);
    if !authorized {
        return google_error(
            StatusCode::UNAUTHORIZED,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential.",
        );
    }
    next.run(request).await
}

/// Query parameters in order, repeated keys kept (`labelIds=A&labelIds=B`).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

pub(crate) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|digits| std::str::from_utf8(digits).ok())
                    .and_then(|digits| u8::from_str_radix(digits, 16).ok());
                if let Some(decoded) = hex {
                    out.push(decoded);
                    index += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `prefix<offset>` page tokens.
pub(crate) fn page_offset(token: Option<&str>, prefix: &str) -> Result<usize, Box<Response>> {
    match token {
        None | Some("") => Ok(0),
        Some(token) => token
            .strip_prefix(prefix)
            .and_then(|offset| offset.parse().ok())
            .ok_or_else(|| {
                Box::new(google_error(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "Invalid pageToken",
                ))
            }),
    }
}

pub(crate) fn page_size(
    pairs: &[(String, String)],
    default: usize,
    max: usize,
) -> Result<usize, Box<Response>> {
    match first(pairs, "maxResults") {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|size| *size >= 1)
            .map(|size| size.min(max))
            .ok_or_else(|| {
                Box::new(google_error(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "Invalid maxResults",
                ))
            }),
    }
}

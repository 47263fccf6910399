//! The fake's mailbox, calendar, cursors and faults, and the guard every API request passes:
//! request log, latency, injected faults, then the bearer token.

use std::time::Duration;

use axum::extract::{Request, State as Extract};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
    /// The change counter when the event last changed: sync tokens compare against it.
    pub changed_at: u64,
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
        let id = format!("ev{:08}", self.events.len() + 1);
        self.events.push(StoredEvent {
            id: id.clone(),
            spec: spec.clone(),
            status: "confirmed".to_owned(),
            changed_at: self.event_changes,
        });
        id
    }

    pub fn cancel_event(&mut self, id: &str) -> bool {
        self.event_changes += 1;
        let changes = self.event_changes;
        match self.events.iter_mut().find(|event| event.id == id) {
            Some(event) => {
                event.status = "cancelled".to_owned();
                event.changed_at = changes;
                true
            }
            None => false,
        }
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
            &event.id,
            &self.account_email,
            &event.status,
            event.changed_at,
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

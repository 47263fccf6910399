//! `/_fake/...`: the test controls over HTTP, for the binary (benchmarks, e2e runs). No token:
//! the fake only ever listens on loopback.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::model::{EventSpec, MessageSpec};
use crate::state::Fault;
use crate::FakeGoogle;

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
        .route("/_fake/messages", post(add_messages))
        .route("/_fake/events", post(add_events))
        .route("/_fake/events/{id}", put(update_event))
        .route("/_fake/events/{id}/cancel", post(cancel_event))
        .route("/_fake/faults", post(add_fault))
        .route("/_fake/expire-history", post(expire_history))
        .route("/_fake/expire-sync-tokens", post(expire_sync_tokens))
        .route("/_fake/stats", get(stats))
}

#[derive(Deserialize)]
struct AddMessages {
    messages: Vec<MessageSpec>,
    #[serde(default = "yes")]
    with_history: bool,
}

fn yes() -> bool {
    true
}

async fn add_messages(
    State(control): State<FakeGoogle>,
    Json(body): Json<AddMessages>,
) -> Response {
    let ids: Vec<String> = body
        .messages
        .iter()
        .map(|spec| {
            if body.with_history {
                control.add_message(spec)
            } else {
                control.add_message_without_history(spec)
            }
        })
        .collect();
    Json(json!({ "ids": ids })).into_response()
}

async fn add_events(
    State(control): State<FakeGoogle>,
    Json(events): Json<Vec<EventSpec>>,
) -> Response {
    let ids: Vec<String> = events.iter().map(|spec| control.add_event(spec)).collect();
    Json(json!({ "ids": ids })).into_response()
}

async fn update_event(
    State(control): State<FakeGoogle>,
    Path(id): Path<String>,
    Json(spec): Json<EventSpec>,
) -> Response {
    changed(control.update_event(&id, &spec))
}

async fn cancel_event(State(control): State<FakeGoogle>, Path(id): Path<String>) -> Response {
    changed(control.cancel_event(&id))
}

fn changed(found: bool) -> Response {
    if found {
        Json(json!({ "ok": true })).into_response()
    } else {
        (StatusCode::NOT_FOUND, Json(json!({ "ok": false }))).into_response()
    }
}

async fn add_fault(State(control): State<FakeGoogle>, Json(fault): Json<Fault>) -> Response {
    control.inject_fault(fault);
    Json(json!({ "ok": true })).into_response()
}

async fn expire_history(State(control): State<FakeGoogle>) -> Response {
    control.expire_history();
    Json(json!({ "ok": true })).into_response()
}

async fn expire_sync_tokens(State(control): State<FakeGoogle>) -> Response {
    control.expire_sync_tokens();
    Json(json!({ "ok": true })).into_response()
}

async fn stats(State(control): State<FakeGoogle>) -> Response {
    let state = control.state();
    Json(json!({
        "messages": state.messages.len(),
        "events": state.events.len(),
        "requests": state.request_log.len(),
        "history_id": state.history_id,
    }))
    .into_response()
}

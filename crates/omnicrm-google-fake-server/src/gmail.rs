//! Gmail v1: messages.list, messages.get, labels.get, history.list, getProfile.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use crate::query::{GmailQuery, Searchable};
use crate::state::{first, google_error, page_offset, page_size, query_pairs};
use crate::FakeGoogle;

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new()
        .route("/gmail/v1/users/me/messages", get(list_messages))
        .route("/gmail/v1/users/me/messages/{id}", get(get_message))
        .route("/gmail/v1/users/me/labels/{id}", get(get_label))
        .route("/gmail/v1/users/me/history", get(list_history))
        .route("/gmail/v1/users/me/profile", get(profile))
}

fn not_found() -> Response {
    google_error(
        StatusCode::NOT_FOUND,
        "notFound",
        "Requested entity was not found.",
    )
}

async fn list_messages(State(control): State<FakeGoogle>, RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let query = match GmailQuery::parse(first(&pairs, "q").unwrap_or_default()) {
        Ok(query) => query,
        Err(message) => return google_error(StatusCode::BAD_REQUEST, "invalidArgument", &message),
    };
    let label_ids: Vec<&str> = pairs
        .iter()
        .filter(|(key, _)| key == "labelIds")
        .map(|(_, value)| value.as_str())
        .collect();
    let offset = match page_offset(first(&pairs, "pageToken"), "m") {
        Ok(offset) => offset,
        Err(response) => return *response,
    };
    let size = match page_size(&pairs, 100, 500) {
        Ok(size) => size,
        Err(response) => return *response,
    };
    let state = control.state();
    let now = Utc::now();
    let mut matching: Vec<_> = state
        .messages
        .iter()
        .filter(|message| {
            label_ids
                .iter()
                .all(|wanted| message.labels.iter().any(|label| label == wanted))
                && query.matches(
                    &Searchable {
                        labels: &message.labels,
                        internal_date: message.internal_date,
                        from: &message.from,
                        to: &message.to,
                        subject: &message.subject,
                    },
                    now,
                )
        })
        .collect();
    // Newest first, as Gmail lists them.
    matching.sort_by(|left, right| {
        right
            .internal_date
            .cmp(&left.internal_date)
            .then_with(|| right.id.cmp(&left.id))
    });
    let total = matching.len();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|message| json!({ "id": message.id, "threadId": message.thread_id }))
        .collect();
    let mut body = json!({ "resultSizeEstimate": total });
    if let Some(object) = body.as_object_mut() {
        if !page.is_empty() {
            object.insert("messages".to_owned(), Value::Array(page));
        }
        if offset + size < total {
            object.insert(
                "nextPageToken".to_owned(),
                json!(format!("m{}", offset + size)),
            );
        }
    }
    Json(body).into_response()
}

async fn get_message(
    State(control): State<FakeGoogle>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let state = control.state();
    let Some(message) = state.messages.iter().find(|message| message.id == id) else {
        return not_found();
    };
    let mut resource = message.resource.clone();
    match first(&pairs, "format").unwrap_or("full") {
        "full" => {}
        "metadata" => {
            let wanted: Vec<String> = pairs
                .iter()
                .filter(|(key, _)| key == "metadataHeaders")
                .map(|(_, value)| value.to_lowercase())
                .collect();
            if let Some(payload) = resource.get_mut("payload").and_then(Value::as_object_mut) {
                payload.remove("parts");
                payload.insert("body".to_owned(), json!({ "size": 0 }));
                if let Some(Value::Array(headers)) = payload.get_mut("headers") {
                    headers.retain(|header| {
                        wanted.is_empty()
                            || header
                                .get("name")
                                .and_then(Value::as_str)
                                .is_some_and(|name| wanted.contains(&name.to_lowercase()))
                    });
                }
            }
        }
        "minimal" => {
            if let Some(object) = resource.as_object_mut() {
                object.remove("payload");
            }
        }
        other => {
            return google_error(
                StatusCode::BAD_REQUEST,
                "invalidArgument",
                &format!("the fake does not serve format={other}"),
            )
        }
    }
    Json(resource).into_response()
}

async fn get_label(State(control): State<FakeGoogle>, Path(id): Path<String>) -> Response {
    let state = control.state();
    let with_label: Vec<_> = state
        .messages
        .iter()
        .filter(|message| message.labels.contains(&id))
        .collect();
    let threads: std::collections::HashSet<&str> = with_label
        .iter()
        .map(|message| message.thread_id.as_str())
        .collect();
    let kind = if id
        .chars()
        .all(|character| character.is_ascii_uppercase() || character == '_')
    {
        "system"
    } else {
        "user"
    };
    Json(json!({
        "id": id,
        "name": id,
        "type": kind,
        "messagesTotal": with_label.len(),
        "messagesUnread": 0,
        "threadsTotal": threads.len(),
        "threadsUnread": 0,
    }))
    .into_response()
}

async fn list_history(State(control): State<FakeGoogle>, RawQuery(raw): RawQuery) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let Some(start) = first(&pairs, "startHistoryId").and_then(|text| text.parse::<u64>().ok())
    else {
        return google_error(
            StatusCode::BAD_REQUEST,
            "invalidArgument",
            "startHistoryId is required",
        );
    };
    let types: Vec<&str> = pairs
        .iter()
        .filter(|(key, _)| key == "historyTypes")
        .map(|(_, value)| value.as_str())
        .collect();
    let offset = match page_offset(first(&pairs, "pageToken"), "h") {
        Ok(offset) => offset,
        Err(response) => return *response,
    };
    let size = match page_size(&pairs, 100, 500) {
        Ok(size) => size,
        Err(response) => return *response,
    };
    let state = control.state();
    if start < state.history_floor {
        return not_found();
    }
    let wants_added = types.is_empty() || types.contains(&"messageAdded");
    let records: Vec<&(u64, String)> = state
        .history
        .iter()
        .filter(|(history_id, _)| wants_added && *history_id > start)
        .collect();
    let page: Vec<Value> = records
        .iter()
        .skip(offset)
        .take(size)
        .filter_map(|(history_id, message_id)| {
            let message = state
                .messages
                .iter()
                .find(|message| message.id == *message_id)?;
            let reference = json!({ "id": message.id, "threadId": message.thread_id });
            Some(json!({
                "id": history_id.to_string(),
                "messages": [reference],
                "messagesAdded": [{ "message": {
                    "id": message.id,
                    "threadId": message.thread_id,
                    "labelIds": message.labels,
                }}],
            }))
        })
        .collect();
    let mut body = json!({ "historyId": state.history_id.to_string() });
    if let Some(object) = body.as_object_mut() {
        if !page.is_empty() {
            object.insert("history".to_owned(), Value::Array(page));
        }
        if offset + size < records.len() {
            object.insert(
                "nextPageToken".to_owned(),
                json!(format!("h{}", offset + size)),
            );
        }
    }
    Json(body).into_response()
}

async fn profile(State(control): State<FakeGoogle>) -> Response {
    let state = control.state();
    let threads: std::collections::HashSet<&str> = state
        .messages
        .iter()
        .map(|message| message.thread_id.as_str())
        .collect();
    Json(json!({
        "emailAddress": state.account_email,
        "messagesTotal": state.messages.len(),
        "threadsTotal": threads.len(),
        "historyId": state.history_id.to_string(),
    }))
    .into_response()
}

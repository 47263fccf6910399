//! Calendar v3: events.list on the primary calendar, with time windows, paging and sync
//! tokens. A window listing leaves cancelled events out; an incremental one (syncToken) lists
//! everything changed since the token, cancelled events included. Expired tokens answer
//! 410 Gone, which tells the client to sync in full again.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::state::{first, google_error, page_size, query_pairs};
use crate::FakeGoogle;

pub(crate) fn routes() -> Router<FakeGoogle> {
    Router::new().route(
        "/calendar/v3/calendars/{calendar_id}/events",
        get(list_events),
    )
}

/// Where a listing is: a window (`w<offset>`) or changes since a sync point (`s<since>:<offset>`).
enum Listing {
    Window { offset: usize },
    Changes { since: u64, offset: usize },
}

fn bad_request(message: &str) -> Response {
    google_error(StatusCode::BAD_REQUEST, "invalid", message)
}

fn parse_time(text: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, Box<Response>> {
    match text {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|time| Some(time.with_timezone(&Utc)))
            .map_err(|_| Box::new(bad_request(&format!("Bad {name}")))),
    }
}

async fn list_events(
    State(control): State<FakeGoogle>,
    Path(calendar_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw.as_deref());
    let state = control.state();
    if calendar_id != "primary" && calendar_id != state.account_email {
        return google_error(StatusCode::NOT_FOUND, "notFound", "Not Found");
    }
    let size = match page_size(&pairs, 250, 2500) {
        Ok(size) => size,
        Err(response) => return *response,
    };
    let time_min = match parse_time(first(&pairs, "timeMin"), "timeMin") {
        Ok(time) => time,
        Err(response) => return *response,
    };
    let time_max = match parse_time(first(&pairs, "timeMax"), "timeMax") {
        Ok(time) => time,
        Err(response) => return *response,
    };
    let sync_token = first(&pairs, "syncToken");
    if sync_token.is_some() && (time_min.is_some() || time_max.is_some()) {
        return bad_request("syncToken cannot be combined with timeMin or timeMax");
    }
    let listing = match (first(&pairs, "pageToken"), sync_token) {
        (Some(token), _) => match parse_page_token(token) {
            Some(listing) => listing,
            None => return bad_request("Invalid pageToken"),
        },
        (None, Some(token)) => match token
            .strip_prefix("sync-")
            .and_then(|since| since.parse::<u64>().ok())
        {
            Some(since) => Listing::Changes { since, offset: 0 },
            None => return bad_request("Invalid syncToken"),
        },
        (None, None) => Listing::Window { offset: 0 },
    };
    if let Listing::Changes { since, .. } = listing {
        if since < state.sync_token_floor {
            return google_error(
                StatusCode::GONE,
                "fullSyncRequired",
                "Sync token is no longer valid, a full sync is required.",
            );
        }
    }
    let show_deleted = first(&pairs, "showDeleted") == Some("true");
    let (selected, offset): (Vec<&crate::state::StoredEvent>, usize) = match listing {
        Listing::Window { offset } => (
            state
                .events
                .iter()
                .filter(|event| show_deleted || event.status != "cancelled")
                .filter(|event| time_min.is_none_or(|minimum| event.spec.end > minimum))
                .filter(|event| time_max.is_none_or(|maximum| event.spec.start < maximum))
                .collect(),
            offset,
        ),
        Listing::Changes { since, offset } => (
            state
                .events
                .iter()
                .filter(|event| event.changed_at > since)
                .collect(),
            offset,
        ),
    };
    let items: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(size)
        .map(|event| state.event_resource(event))
        .collect();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": format!("\"{}\"", state.event_changes),
        "summary": state.account_email,
        "updated": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "timeZone": "UTC",
        "accessRole": "owner",
        "items": items,
    });
    if let Some(object) = body.as_object_mut() {
        if offset + size < selected.len() {
            let next = match listing {
                Listing::Window { .. } => format!("w{}", offset + size),
                Listing::Changes { since, .. } => format!("s{since}:{}", offset + size),
            };
            object.insert("nextPageToken".to_owned(), json!(next));
        } else {
            object.insert(
                "nextSyncToken".to_owned(),
                json!(format!("sync-{}", state.event_changes)),
            );
        }
    }
    Json(body).into_response()
}

fn parse_page_token(token: &str) -> Option<Listing> {
    if let Some(offset) = token.strip_prefix('w') {
        return offset.parse().ok().map(|offset| Listing::Window { offset });
    }
    let (since, offset) = token.strip_prefix('s')?.split_once(':')?;
    Some(Listing::Changes {
        since: since.parse().ok()?,
        offset: offset.parse().ok()?,
    })
}

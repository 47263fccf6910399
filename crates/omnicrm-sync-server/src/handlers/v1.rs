//! API version 1: the sync WebSocket, the workspace description and its documents in bulk.

use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tracing::instrument;

use crate::auth::Device;
use crate::connection;
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage;

/// Upgrades to the automerge-repo WebSocket protocol for the token's workspace.
#[instrument(skip_all, fields(workspace = %device.workspace_id, token = %device.token_id))]
pub async fn sync_socket(
    State(state): State<AppState>,
    device: Device,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    count_against_rate_limit(&state, &device).await?;
    let limit = state.hub.config.max_message_bytes;
    let hub = state.hub.clone();
    let shutdown = state.shutdown.clone();
    let tracker = state.tracker.clone();
    // The socket accepts twice the limit so an oversized message gets a clear error message
    // from us rather than a bare close from the WebSocket layer.
    Ok(upgrade
        .max_message_size(limit.saturating_mul(2))
        .max_frame_size(limit.saturating_mul(2))
        .on_upgrade(move |socket| {
            tracker.track_future(connection::run(socket, hub, device, shutdown))
        }))
}

/// The token's workspace and its root document (read from the replica when configured).
#[instrument(skip_all, fields(workspace = %device.workspace_id))]
pub async fn workspace(
    State(state): State<AppState>,
    device: Device,
) -> Result<Json<Value>, ApiError> {
    let client = state.hub.database.replica.get().await?;
    let row = client
        .query_opt(
            "SELECT name, root_document_id FROM workspaces WHERE id = $1",
            &[&device.workspace_id],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("workspace not found"))?;
    let count = client
        .query_one(
            "SELECT count(*) FROM documents WHERE workspace_id = $1",
            &[&device.workspace_id],
        )
        .await?;
    // The member the token belongs to: a device signs its changes with this name.
    let member_name: Option<String> = match device.member_id {
        Some(member_id) => client
            .query_opt("SELECT name FROM members WHERE id = $1", &[&member_id])
            .await?
            .map(|row| row.get(0)),
        None => None,
    };
    Ok(Json(json!({
        "id": device.workspace_id,
        "name": row.get::<_, String>(0),
        "root_document_id": row.get::<_, String>(1),
        "documents": count.get::<_, i64>(0),
        "member_name": member_name,
    })))
}

/// Every document of the token's workspace as stored, in one streamed response, so a new
/// device takes thousands of records without a round trip per record (it then syncs each
/// over the WebSocket, which only confirms the heads). The body repeats, per document: the
/// id's length (u16, big-endian), the id (UTF-8), the length of the data (u32, big-endian)
/// and the data (the document's stored chunks, loadable with Automerge's `load`).
#[instrument(skip_all, fields(workspace = %device.workspace_id))]
pub async fn documents(
    State(state): State<AppState>,
    device: Device,
) -> Result<Response, ApiError> {
    count_against_rate_limit(&state, &device).await?;
    let pool = state.hub.database.replica.clone();
    let counter = state.hub.metrics.documents_downloaded.clone();
    let workspace_id = device.workspace_id;
    // One page at a time: memory follows the page, not the workspace.
    let pages = futures_util::stream::unfold(Some(String::new()), move |after| {
        let (pool, counter) = (pool.clone(), counter.clone());
        async move {
            let after = after?;
            match storage::snapshot_page(&pool, workspace_id, &after).await {
                Ok(Some((last, page))) => {
                    counter.inc_by(page.len() as u64);
                    Some((Ok(Bytes::from(encode_page(&page))), Some(last)))
                }
                Ok(None) => None,
                Err(error) => {
                    tracing::warn!(%error, "the workspace snapshot stopped");
                    Some((Err(std::io::Error::other(error.to_string())), None))
                }
            }
        }
    });
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(pages),
    )
        .into_response())
}

fn encode_page(page: &[(String, Vec<u8>)]) -> Vec<u8> {
    let size = page
        .iter()
        .map(|(id, data)| 6 + id.len() + data.len())
        .sum();
    let mut body = Vec::with_capacity(size);
    for (id, data) in page {
        let (Ok(id_length), Ok(data_length)) = (u16::try_from(id.len()), u32::try_from(data.len()))
        else {
            continue;
        };
        body.extend_from_slice(&id_length.to_be_bytes());
        body.extend_from_slice(id.as_bytes());
        body.extend_from_slice(&data_length.to_be_bytes());
        body.extend_from_slice(data);
    }
    body
}

async fn count_against_rate_limit(state: &AppState, device: &Device) -> Result<(), ApiError> {
    if let Err(exceeded) = state
        .hub
        .rate_limiter
        .hit(Some(device.token_id), &device.ip)
        .await?
    {
        state
            .hub
            .metrics
            .rate_limit_hits
            .with_label_values(&[exceeded.scope])
            .inc();
        return Err(ApiError::rate_limited(exceeded.to_string()));
    }
    Ok(())
}

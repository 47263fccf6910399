//! API version 1: the sync WebSocket and the workspace description.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use tracing::instrument;

use crate::auth::Device;
use crate::connection;
use crate::error::ApiError;
use crate::server::AppState;

/// Upgrades to the automerge-repo WebSocket protocol for the token's workspace.
#[instrument(skip_all, fields(workspace = %device.workspace_id, token = %device.token_id))]
pub async fn sync_socket(
    State(state): State<AppState>,
    device: Device,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
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
    Ok(Json(json!({
        "id": device.workspace_id,
        "name": row.get::<_, String>(0),
        "root_document_id": row.get::<_, String>(1),
        "documents": count.get::<_, i64>(0),
    })))
}

//! `/healthz`, `/readyz` and `/metrics`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};
use tracing::instrument;

use crate::error::ApiError;
use crate::state::AppState;

/// The process is up.
#[instrument(skip_all)]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers.
#[instrument(skip_all)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let client = state.hub.database.primary.get().await?;
    client.query_one("SELECT 1", &[]).await?;
    Ok(Json(json!({ "status": "ready" })))
}

#[instrument(skip_all)]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.hub.metrics.render(),
    )
}

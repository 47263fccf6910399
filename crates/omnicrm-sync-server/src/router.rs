//! Every route of the server, in one place.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tracing::Instrument;

use crate::handlers::{health, v1};
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/sync", get(v1::sync_socket))
        .route("/v1/workspace", get(v1::workspace))
        .route("/v1/documents", get(v1::documents))
        .layer(middleware::from_fn(request_span))
        .with_state(state)
}

/// Gives every request a span with its own id, so its log lines can be found together.
async fn request_span(request: Request, next: Next) -> Response {
    let span = tracing::info_span!("request", request_id = %uuid::Uuid::now_v7(), method = %request.method(), path = %request.uri().path());
    async move {
        let response = next.run(request).await;
        tracing::info!(status = response.status().as_u16(), "request done");
        response
    }
    .instrument(span)
    .await
}

//! Starting and stopping the server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::database::Database;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::{notifications, router, Config};

/// Serves on `listener` until `shutdown` is cancelled, then drains connections (up to the
/// configured grace period).
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ApiError> {
    let config = Arc::new(config);
    let database = Database::connect(&config)?;
    let metrics = Metrics::new().map_err(|error| ApiError::internal(error.to_string()))?;
    let hub = Arc::new(Hub::new(config.clone(), database, metrics));
    let tracker = TaskTracker::new();
    let background = CancellationToken::new();
    let listener_task = tokio::spawn(notifications::listen(hub.clone(), background.clone()));
    let sweeper_task = tokio::spawn(hub.clone().sweep(background.clone()));
    let state = AppState {
        hub: hub.clone(),
        shutdown: shutdown.clone(),
        tracker: tracker.clone(),
    };
    let address = listener
        .local_addr()
        .map_err(|error| ApiError::internal(error.to_string()))?;
    tracing::info!(%address, instance = %hub.instance_id, "serving");
    let app = router::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let outcome = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.clone().cancelled_owned())
        .await;
    tracker.close();
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        tracing::warn!(
            remaining = tracker.len(),
            "connections still open after the grace period"
        );
    }
    background.cancel();
    for task in [listener_task, sweeper_task] {
        if let Err(error) = task.await {
            tracing::warn!(%error, "background task ended abnormally");
        }
    }
    tracing::info!("stopped");
    outcome.map_err(|error| ApiError::internal(format!("server failed: {error}")))
}

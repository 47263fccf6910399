//! What the router's handlers share: the hub, the shutdown signal and the live connections.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::hub::Hub;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub hub: Arc<Hub>,
    /// Cancelled when the server stops; connections close with "server shutting down".
    pub shutdown: CancellationToken,
    /// Live connections, so shutdown can wait for them to drain.
    pub tracker: TaskTracker,
}

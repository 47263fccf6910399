//! LISTEN/NOTIFY: changes stored by other instances, presence relayed by them, and token
//! revocations from anywhere.
//!
//! One dedicated connection listens. When it drops (Postgres restart), it reconnects with
//! backoff and then catches up every loaded document, since notifications sent meanwhile are
//! lost.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use omnicrm_sync::DocumentId;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::admin::REVOCATION_CHANNEL;
use crate::hub::{Hub, EPHEMERAL_CHANNEL};
use crate::storage::CHANGES_CHANNEL;

/// Listens until `stop`.
pub async fn listen(hub: Arc<Hub>, stop: CancellationToken) {
    let mut backoff = Duration::from_millis(200);
    let mut first = true;
    loop {
        if stop.is_cancelled() {
            return;
        }
        match listen_once(&hub, &stop, first).await {
            Ok(()) => return,
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64, "LISTEN connection lost");
                first = false;
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn listen_once(hub: &Arc<Hub>, stop: &CancellationToken, first: bool) -> Result<(), String> {
    let (client, mut connection) = tokio_postgres::connect(&hub.database.url, NoTls)
        .await
        .map_err(|error| error.to_string())?;
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages =
            futures_util::stream::poll_fn(move |context| connection.poll_message(context));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if sender
                        .send((
                            notification.channel().to_owned(),
                            notification.payload().to_owned(),
                        ))
                        .is_err()
                    {
                        break;
                    }
                }
                Ok(_) => {}
                Err(error) => return error.to_string(),
            }
        }
        "connection closed".to_owned()
    });
    client
        .batch_execute(&format!(
            "LISTEN {CHANGES_CHANNEL}; LISTEN {REVOCATION_CHANNEL}; LISTEN {EPHEMERAL_CHANNEL};"
        ))
        .await
        .map_err(|error| error.to_string())?;
    if !first {
        hub.catch_up_all().await;
    }
    loop {
        tokio::select! {
            _ = stop.cancelled() => {
                driver.abort();
                return Ok(());
            }
            message = receiver.recv() => {
                let Some((channel, payload)) = message else {
                    return Err(driver.await.unwrap_or_else(|error| error.to_string()));
                };
                handle(hub, &channel, &payload).await;
            }
        }
    }
}

async fn handle(hub: &Arc<Hub>, channel: &str, payload: &str) {
    if channel == REVOCATION_CHANNEL {
        if let Ok(token_id) = Uuid::parse_str(payload) {
            // Nobody listening just means no connection of this instance uses the token.
            if hub.revocations.send(token_id).is_err() {
                tracing::trace!(%token_id, "revocation with no live connections here");
            }
        }
        return;
    }
    if channel == EPHEMERAL_CHANNEL {
        hub.remote_ephemeral(payload);
        return;
    }
    let Some((instance, document)) = payload.split_once(' ') else {
        return;
    };
    if instance == hub.instance_id.to_string() {
        return;
    }
    let Ok(id) = document.parse::<DocumentId>() else {
        return;
    };
    if let Err(error) = hub.remote_change(id).await {
        tracing::warn!(document = %id, %error, "could not apply a change from another instance");
    }
}

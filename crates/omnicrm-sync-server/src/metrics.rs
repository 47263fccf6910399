//! Prometheus metrics: connections, loaded documents, merges, message latency, rate-limit hits.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub connections: IntGauge,
    pub documents_loaded: IntGauge,
    pub documents_evicted: IntCounter,
    pub merges: IntCounter,
    pub acknowledgements: IntCounter,
    pub held_replies: IntCounter,
    pub compactions: IntCounter,
    pub messages: IntCounter,
    pub documents_downloaded: IntCounter,
    pub message_seconds: Histogram,
    pub rate_limit_hits: IntCounterVec,
    pub rate_limit_claims: IntCounter,
    pub rejected_messages: IntCounter,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let metrics = Self {
            connections: IntGauge::new("omnicrm_sync_connections", "Open WebSocket connections")?,
            documents_loaded: IntGauge::new(
                "omnicrm_sync_documents_loaded",
                "Documents held in memory",
            )?,
            documents_evicted: IntCounter::new(
                "omnicrm_sync_documents_evicted_total",
                "Idle documents dropped from memory",
            )?,
            merges: IntCounter::new(
                "omnicrm_sync_merges_total",
                "Sync messages that changed a document",
            )?,
            acknowledgements: IntCounter::new(
                "omnicrm_sync_acknowledgements_total",
                "Sync messages answered as pure acknowledgements, without Automerge's history walks",
            )?,
            held_replies: IntCounter::new(
                "omnicrm_sync_held_replies_total",
                "Replies held back because they could only repeat our heads to a peer catching up",
            )?,
            compactions: IntCounter::new(
                "omnicrm_sync_compactions_total",
                "Compactions started (at most one per document at a time on an instance)",
            )?,
            messages: IntCounter::new("omnicrm_sync_messages_total", "Messages received")?,
            documents_downloaded: IntCounter::new(
                "omnicrm_sync_documents_downloaded_total",
                "Documents sent in bulk by GET /v1/documents",
            )?,
            message_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "omnicrm_sync_message_seconds",
                    "Time to handle one received message",
                )
                .buckets(vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                ]),
            )?,
            rate_limit_hits: IntCounterVec::new(
                Opts::new(
                    "omnicrm_sync_rate_limit_hits_total",
                    "Requests refused by a rate limit",
                ),
                &["scope"],
            )?,
            rate_limit_claims: IntCounter::new(
                "omnicrm_sync_rate_limit_claims_total",
                "Rate-limit quota claims sent to Postgres (each leases a block of requests)",
            )?,
            rejected_messages: IntCounter::new(
                "omnicrm_sync_rejected_messages_total",
                "Malformed or oversized messages",
            )?,
            registry,
        };
        metrics
            .registry
            .register(Box::new(metrics.connections.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.documents_loaded.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.documents_evicted.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.merges.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.acknowledgements.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.held_replies.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.compactions.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.messages.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.documents_downloaded.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.message_seconds.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.rate_limit_hits.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.rate_limit_claims.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.rejected_messages.clone()))?;
        Ok(metrics)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(%error, "could not encode metrics");
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

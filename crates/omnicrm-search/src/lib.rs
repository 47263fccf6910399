//! OmniCRM's search: keyword (FTS5), semantic (sentence embeddings in sqlite-vec) and hybrid
//! (reciprocal rank fusion) search over contacts, notes, interactions, tasks and projects.
//!
//! Start-up order matters: call [`register_sqlite_vec`] before opening the core, so every
//! connection has sqlite-vec. Then build a [`SearchService`] (with the local model when its
//! weights are installed, keyword-only otherwise) and register the `search.embed` job
//! ([`indexer::register_embedding_handler`]) that embeds new and changed records, and run an
//! [`EmbeddingTrigger`] that queues it a few seconds after any write.

pub mod chunks;
mod compute_threads;
pub mod embedder;
pub mod embedder_settings;
pub mod embedding_trigger;
pub mod hybrid;
pub mod indexer;
pub mod keyword;
pub mod models;
mod ranking;
mod records;
pub mod service;
pub mod snippet;
pub mod terms;
pub mod types;
pub mod vectors;

pub use compute_threads::pin_compute_thread_count;
pub use embedder::{Embedder, LocalEmbedder, RemoteEmbedder, RemoteEmbedderConfig, LOCAL_MODEL_ID};
pub use embedder_settings::{
    probe_remote, remote_embedder, EmbedderProbe, EmbedderSettings, EmbedderSettingsStore,
    EmbedderSource,
};
pub use embedding_trigger::EmbeddingTrigger;
pub use indexer::{
    enqueue_embedding, enqueue_embedding_job, register_embedding_handler, EmbeddingIndexer,
    EMBED_JOB,
};
pub use service::SearchService;
pub use types::*;
pub use vectors::register_sqlite_vec;

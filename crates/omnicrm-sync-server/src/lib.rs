//! The OmniCRM team sync server.
//!
//! Clients speak the automerge-repo 2.x WebSocket protocol on `/sync`; every connection is
//! bound to one workspace by its bearer token and can only see that workspace's documents.
//! Documents are merged in memory, stored in Postgres as incremental chunks plus compacted
//! snapshots, projected into relational tables, and fanned out to other instances through
//! LISTEN/NOTIFY. See `docs/sync-server.md` for the design and why it does not use `samod`.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connection;
pub mod database;
pub mod error;
pub mod handlers;
pub mod hub;
pub mod metrics;
pub mod migrations;
pub mod notifications;
pub mod projection;
pub mod rate_limit;
pub mod router;
pub mod server;
pub mod state;
pub mod storage;
pub mod store_queue;
#[doc(hidden)]
pub mod test_support;

pub use config::Config;
pub use error::ApiError;
pub use server::serve;
pub use state::AppState;

//! OmniCRM's Google integration.
//!
//! - Sign-in: OAuth 2 authorization code with PKCE and a loopback redirect on 127.0.0.1
//!   (RFC 8252); tokens live in the OS keyring, never in SQLite or logs.
//! - Sync: Gmail and Calendar history comes in through preview → approve → jobs → raw events →
//!   normalize → contact extraction, and each batch can be undone.
//!
//! Every endpoint is configurable so tests run against real servers on loopback.

mod endpoints;
mod token_source;

pub use endpoints::GoogleEndpoints;
pub use token_source::{AccessTokenSource, FixedAccessToken};

//! OmniCRM's Google integration.
//!
//! - Sign-in ([`oauth`], [`accounts`]): OAuth 2 authorization code with PKCE and a loopback
//!   redirect on 127.0.0.1 (RFC 8252); tokens live in the OS keyring (or, without one, an
//!   encrypted file, and the user is told), never in SQLite or logs; they are refreshed ahead of
//!   expiry and revoked on disconnect.
//! - Sync: Gmail and Calendar history comes in through preview → approve → jobs → raw events →
//!   normalize → contact extraction, and each batch can be undone.
//!
//! Every endpoint is configurable so tests run against real servers on loopback.

pub mod accounts;
mod endpoints;
pub mod environment;
pub mod oauth;
mod token_source;
pub mod tokens;

pub use accounts::{
    ConnectOutcome, DisconnectOutcome, GoogleAccounts, GoogleStatus, StoredAccountTokens,
};
pub use endpoints::GoogleEndpoints;
pub use oauth::{GoogleOAuth, OAuthClientConfig, SignedIn};
pub use oauth2::url::Url;
pub use token_source::{AccessTokenSource, FixedAccessToken};
pub use tokens::TokenSet;

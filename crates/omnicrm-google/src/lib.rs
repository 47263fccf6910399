//! OmniCRM's Google integration.
//!
//! - Sign-in ([`oauth`], [`accounts`]): OAuth 2 authorization code with PKCE and a loopback
//!   redirect on 127.0.0.1 (RFC 8252); tokens live in the OS keyring (or, without one, an
//!   encrypted file, and the user is told), never in SQLite or logs; they are refreshed ahead of
//!   expiry and revoked on disconnect.
//! - Sync: Gmail and Calendar history comes in through preview → approve → jobs → raw events →
//!   normalize → contact extraction, and each batch can be undone ([`GoogleSync`]; the storing
//!   side is `omnicrm_core::ingest`).
//!
//! Every endpoint is configurable so tests run against real servers on loopback.

pub mod accounts;
pub mod calendar;
mod endpoints;
pub mod environment;
pub mod gmail;
pub mod http_retry;
mod jobs;
pub mod mime;
pub mod normalize;
pub mod oauth;
pub mod settings;
pub mod sync;
mod token_source;
pub mod tokens;

pub use accounts::{
    ConnectOutcome, DisconnectOutcome, GoogleAccounts, GoogleStatus, StoredAccountTokens,
};
pub use endpoints::GoogleEndpoints;
pub use http_retry::RetryPolicy;
pub use jobs::register_sync_handlers;
pub use oauth::{GoogleOAuth, OAuthClientConfig, SignedIn};
pub use oauth2::url::Url;
pub use settings::{CalendarSyncSettings, GmailSyncSettings, GoogleAccount, SyncSettings};
pub use sync::{
    AccountTokens, ApprovedSync, GoogleSync, NoProgress, ProviderRunReport,
    SameTokenForEveryAccount, SyncMode, SyncProgress, CALENDAR_SYNC_JOB, GMAIL_SYNC_JOB,
    SCHEDULED_SYNC_JOB,
};
pub use token_source::{AccessTokenSource, FixedAccessToken};
pub use tokens::TokenSet;

//! The seam between sign-in and sync: sync asks for an access token whenever it makes a request,
//! and sign-in answers with a stored token, refreshed ahead of expiry.

use std::future::Future;
use std::pin::Pin;

use omnicrm_core::Result;

/// A boxed future, so the trait stays object safe.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String>> + Send + 'a>>;

/// Gives a valid access token for one account. An account that needs signing in again answers
/// with an `auth_required` error.
pub trait AccessTokenSource: Send + Sync {
    fn access_token(&self) -> TokenFuture<'_>;
}

/// A fixed token, for tests and local fake servers.
#[derive(Debug, Clone)]
pub struct FixedAccessToken(pub String);

impl AccessTokenSource for FixedAccessToken {
    fn access_token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

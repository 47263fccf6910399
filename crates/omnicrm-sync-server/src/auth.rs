//! Bearer-token authentication as an extractor.
//!
//! Browsers cannot set headers on a WebSocket, so the token is accepted either as
//! `Authorization: Bearer <token>` or as a `token` query parameter. Every attempt, good or
//! bad, counts against the client IP's rate limit first, which bounds token guessing.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Query};
use axum::http::request::Parts;
use uuid::Uuid;

use crate::admin::hash_token;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated device behind a request.
#[derive(Debug, Clone)]
pub struct Device {
    pub token_id: Uuid,
    pub workspace_id: Uuid,
    pub member_id: Option<Uuid>,
    pub ip: String,
}

impl FromRequestParts<AppState> for Device {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = client_ip(parts, state.hub.config.trust_forwarded_for);
        let token = bearer(parts)?;
        if let Err(exceeded) = state.hub.rate_limiter.hit(None, &ip).await? {
            state
                .hub
                .metrics
                .rate_limit_hits
                .with_label_values(&[exceeded.scope])
                .inc();
            return Err(ApiError::rate_limited(exceeded.to_string()));
        }
        let device = lookup(&state.hub.database.primary, &token, ip).await?;
        Ok(device)
    }
}

fn bearer(parts: &Parts) -> Result<String, ApiError> {
    if let Some(header) = parts.headers.get("authorization") {
        let text = header
            .to_str()
            .map_err(|_| ApiError::auth_required("the Authorization header is not text"))?;
        let token = text.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::auth_required("the Authorization header must be `Bearer <token>`")
        })?;
        return Ok(token.trim().to_owned());
    }
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map_err(|_| ApiError::auth_required("the query string is malformed"))?;
    query.0.get("token").cloned().ok_or_else(|| {
        ApiError::auth_required(
            "a bearer token is required (Authorization header or `token` query parameter)",
        )
    })
}

/// Finds a valid (not revoked) token.
pub async fn lookup(
    pool: &deadpool_postgres::Pool,
    token: &str,
    ip: String,
) -> Result<Device, ApiError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT id, workspace_id, member_id FROM tokens WHERE token_sha256 = $1 AND revoked_at IS NULL",
            &[&hash_token(token)],
        )
        .await?
        .ok_or_else(|| ApiError::auth_required("the token is unknown or revoked"))?;
    Ok(Device {
        token_id: row.get(0),
        workspace_id: row.get(1),
        member_id: row.get(2),
        ip,
    })
}

/// Whether a token id is still valid.
pub async fn still_valid(pool: &deadpool_postgres::Pool, token_id: Uuid) -> Result<bool, ApiError> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT 1 FROM tokens WHERE id = $1 AND revoked_at IS NULL",
            &[&token_id],
        )
        .await?;
    Ok(row.is_some())
}

fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        if let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
        {
            return first.trim().to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

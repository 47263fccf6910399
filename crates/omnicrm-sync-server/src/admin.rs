//! Workspaces, members and device tokens: what the admin commands change.
//!
//! Tokens are 32 random bytes shown once; only their SHA-256 is stored, so a database leak
//! does not hand out working tokens. Revoking sends a NOTIFY that every instance turns into
//! closing the token's live connections.

use deadpool_postgres::Pool;
use omnicrm_sync::{DocumentId, WorkspaceRoot};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::storage;

/// The NOTIFY channel revocations travel on; the payload is the token id.
pub const REVOCATION_CHANNEL: &str = "omnicrm_sync_revocations";

/// Creates a workspace with its root document; returns (workspace id, root document id).
pub async fn create_workspace(pool: &Pool, name: &str) -> Result<(Uuid, DocumentId), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation(
            "name",
            "workspace name must be 1 to 200 characters",
        ));
    }
    let id = Uuid::now_v7();
    let root_id = DocumentId::random();
    let root = WorkspaceRoot::create(id).map_err(|error| ApiError::internal(error.to_string()))?;
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    transaction
        .execute(
            "INSERT INTO workspaces (id, name, root_document_id) VALUES ($1, $2, $3)",
            &[&id, &name, &root_id.to_string()],
        )
        .await?;
    storage::insert_snapshot(&transaction, root_id, id, &root.save()).await?;
    transaction.commit().await?;
    Ok((id, root_id))
}

/// Adds a member to a workspace.
pub async fn add_member(pool: &Pool, workspace_id: Uuid, name: &str) -> Result<Uuid, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::validation(
            "name",
            "member name must be 1 to 200 characters",
        ));
    }
    let client = pool.get().await?;
    require_workspace(&client, workspace_id).await?;
    let id = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO members (id, workspace_id, name) VALUES ($1, $2, $3)",
            &[&id, &workspace_id, &name],
        )
        .await
        .map_err(|error| match error.code() {
            Some(code) if *code == tokio_postgres::error::SqlState::UNIQUE_VIOLATION => {
                ApiError::validation("name", format!("a member named `{name}` already exists"))
            }
            _ => error.into(),
        })?;
    Ok(id)
}

/// Issues a token for a device of the workspace (optionally for one member); returns
/// (token id, token). The token is not stored and cannot be shown again.
pub async fn issue_token(
    pool: &Pool,
    workspace_id: Uuid,
    member_id: Option<Uuid>,
) -> Result<(Uuid, String), ApiError> {
    let client = pool.get().await?;
    require_workspace(&client, workspace_id).await?;
    if let Some(member_id) = member_id {
        let found = client
            .query_opt(
                "SELECT 1 FROM members WHERE id = $1 AND workspace_id = $2",
                &[&member_id, &workspace_id],
            )
            .await?;
        if found.is_none() {
            return Err(ApiError::validation(
                "member",
                format!("no member {member_id} in workspace {workspace_id}"),
            ));
        }
    }
    let secret: [u8; 32] = rand::random();
    let token = format!("ocs_{}", hex::encode(secret));
    let id = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO tokens (id, workspace_id, member_id, token_sha256) VALUES ($1, $2, $3, $4)",
            &[&id, &workspace_id, &member_id, &hash_token(&token)],
        )
        .await?;
    Ok((id, token))
}

/// Revokes a token; live connections using it are closed by every instance.
pub async fn revoke_token(pool: &Pool, token: &str) -> Result<Uuid, ApiError> {
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    let row = transaction
        .query_opt(
            "UPDATE tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_sha256 = $1 RETURNING id",
            &[&hash_token(token)],
        )
        .await?
        .ok_or_else(|| ApiError::not_found("no such token"))?;
    let id: Uuid = row.get(0);
    transaction
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&REVOCATION_CHANNEL, &id.to_string()],
        )
        .await?;
    transaction.commit().await?;
    Ok(id)
}

/// SHA-256 of a token, as stored.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn require_workspace(
    client: &tokio_postgres::Client,
    workspace_id: Uuid,
) -> Result<(), ApiError> {
    let found = client
        .query_opt("SELECT 1 FROM workspaces WHERE id = $1", &[&workspace_id])
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(format!("no workspace {workspace_id}"))),
    }
}

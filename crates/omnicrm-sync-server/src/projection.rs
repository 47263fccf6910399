//! The relational projection: merged records as rows, so a team can query its data with SQL.
//!
//! Rows are derived only from documents, so the projection can be rebuilt at any time; the
//! live path and the rebuild call the same `project` function.

use automerge::Automerge;
use deadpool_postgres::{GenericClient, Pool};
use omnicrm_sync::{AnyRecord, DocumentId, RecordDocument};
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::storage;

/// Writes the row for one document (nothing for roots and unreadable documents).
pub async fn project(
    client: &impl GenericClient,
    workspace_id: Uuid,
    document_id: DocumentId,
    document: &Automerge,
) -> Result<(), ApiError> {
    match Projection::read(document) {
        Some(projection) => projection.write(client, workspace_id, document_id).await,
        None => Ok(()),
    }
}

/// What one document projects to, read from it (so the document need not stay locked while
/// the row is written).
#[derive(Debug, Clone)]
pub struct Projection {
    record: AnyRecord,
    deleted_at: Option<String>,
}

impl Projection {
    /// `None` for roots and unreadable documents (a document mid-way through its first sync
    /// may not have its fields yet).
    pub fn read(document: &Automerge) -> Option<Self> {
        let record = AnyRecord::read(document).ok().flatten()?;
        Some(Self {
            record,
            deleted_at: RecordDocument::deleted_at(document).ok().flatten(),
        })
    }

    /// Writes the row.
    pub async fn write(
        &self,
        client: &impl GenericClient,
        workspace_id: Uuid,
        document_id: DocumentId,
    ) -> Result<(), ApiError> {
        write_row(
            client,
            workspace_id,
            document_id,
            &self.record,
            &self.deleted_at,
        )
        .await
    }
}

async fn write_row(
    client: &impl GenericClient,
    workspace_id: Uuid,
    document_id: DocumentId,
    record: &AnyRecord,
    deleted_at: &Option<String>,
) -> Result<(), ApiError> {
    let document_id = document_id.to_string();
    match record {
        AnyRecord::Contact(contact) => {
            let identities = json!(contact
                .identities
                .iter()
                .map(|identity| json!({ "kind": identity.kind, "value": identity.value }))
                .collect::<Vec<_>>());
            let tags = json!(contact.tags);
            upsert(
                    client,
                    "INSERT INTO projected_contacts (workspace_id, record_id, document_id, display_name, company, identities, tags, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, display_name = $4,
                       company = $5, identities = $6, tags = $7, deleted_at = $8",
                    &[&workspace_id, &contact.id, &document_id, &contact.display_name, &contact.company, &identities, &tags, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Note(note) => {
            upsert(
                    client,
                    "INSERT INTO projected_notes (workspace_id, record_id, document_id, body, contact_id, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, body = $4, contact_id = $5, deleted_at = $6",
                    &[&workspace_id, &note.id, &document_id, &note.body, &note.contact_id, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Task(task) => {
            upsert(
                    client,
                    "INSERT INTO projected_tasks (workspace_id, record_id, document_id, title, done, due_at, contact_id, project_id, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, title = $4, done = $5,
                       due_at = $6, contact_id = $7, project_id = $8, deleted_at = $9",
                    &[&workspace_id, &task.id, &document_id, &task.title, &task.done, &task.due_at, &task.contact_id, &task.project_id, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Project(project) => {
            upsert(
                    client,
                    "INSERT INTO projected_projects (workspace_id, record_id, document_id, name, status, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, name = $4, status = $5, deleted_at = $6",
                    &[&workspace_id, &project.id, &document_id, &project.name, &project.status, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Interaction(interaction) => {
            upsert(
                    client,
                    "INSERT INTO projected_interactions (workspace_id, record_id, document_id, interaction_kind, occurred_at, summary, contact_id, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, interaction_kind = $4,
                       occurred_at = $5, summary = $6, contact_id = $7, deleted_at = $8",
                    &[&workspace_id, &interaction.id, &document_id, &interaction.kind, &interaction.occurred_at, &interaction.summary, &interaction.contact_id, &deleted_at],
                )
                .await?;
        }
    }
    Ok(())
}

/// One upsert through the connection's statement cache (the live path runs these for every
/// change, so parsing each time would cost a second round trip).
async fn upsert(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<(), ApiError> {
    let statement = client.prepare_cached(sql).await?;
    client.execute(&statement, params).await?;
    Ok(())
}

pub const TABLES: &[&str] = &[
    "projected_contacts",
    "projected_notes",
    "projected_tasks",
    "projected_projects",
    "projected_interactions",
];

/// Rebuilds a workspace's projection from its stored documents; returns how many documents
/// were read.
pub async fn rebuild(pool: &Pool, workspace_id: Uuid) -> Result<usize, ApiError> {
    let documents = storage::workspace_documents(pool, workspace_id).await?;
    let mut loaded = Vec::with_capacity(documents.len());
    for id in &documents {
        if let Some(stored) = storage::load(pool, *id).await? {
            loaded.push((*id, stored.document));
        }
    }
    let mut client = pool.get().await?;
    let transaction = client.transaction().await?;
    for table in TABLES {
        transaction
            .execute(
                &format!("DELETE FROM {table} WHERE workspace_id = $1"),
                &[&workspace_id],
            )
            .await?;
    }
    for (id, document) in &loaded {
        project(&transaction, workspace_id, *id, document).await?;
    }
    transaction.commit().await?;
    Ok(loaded.len())
}

/// The projection of a workspace as JSON text, one table after another in key order (for
/// comparing a rebuild with the live projection).
pub async fn snapshot(pool: &Pool, workspace_id: Uuid) -> Result<Vec<String>, ApiError> {
    let client = pool.get().await?;
    let mut out = Vec::new();
    for table in TABLES {
        let rows = client
            .query(
                &format!("SELECT row_to_json(t)::text FROM {table} t WHERE workspace_id = $1 ORDER BY record_id"),
                &[&workspace_id],
            )
            .await?;
        out.extend(
            rows.iter()
                .map(|row| format!("{table}: {}", row.get::<_, String>(0))),
        );
    }
    Ok(out)
}

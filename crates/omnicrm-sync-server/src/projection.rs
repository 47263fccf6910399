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
                .map(|identity| json!({ "kind": identity.kind, "value": identity.value, "provider": identity.provider }))
                .collect::<Vec<_>>());
            let tags = json!(contact.tags);
            let emails = json!(contact
                .emails
                .iter()
                .map(|email| json!({ "address": email.address, "label": email.label, "is_primary": email.is_primary }))
                .collect::<Vec<_>>());
            let phones = json!(contact
                .phones
                .iter()
                .map(|phone| json!({ "number": phone.number, "label": phone.label, "is_primary": phone.is_primary }))
                .collect::<Vec<_>>());
            let address = contact.address.as_ref().map(|address| {
                json!({
                    "street": address.street, "city": address.city, "region": address.region,
                    "postal_code": address.postal_code, "country": address.country,
                })
            });
            let preferences = Some(&contact.preferences).filter(|value| !value.is_null());
            // Present only when the workspace shares health details.
            let health = contact.health.as_ref().map(|health| {
                json!({
                    "context": health.context,
                    "emergency_contact_name": health.emergency_contact_name,
                    "emergency_contact_phone": health.emergency_contact_phone,
                })
            });
            upsert(
                    client,
                    "INSERT INTO projected_contacts (workspace_id, record_id, document_id, display_name, company, identities, tags, deleted_at,
                       emails, phones, address, date_of_birth, lifecycle_stage, client_status, source, referral_source, preferences, health)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, display_name = $4,
                       company = $5, identities = $6, tags = $7, deleted_at = $8, emails = $9, phones = $10, address = $11,
                       date_of_birth = $12, lifecycle_stage = $13, client_status = $14, source = $15, referral_source = $16,
                       preferences = $17, health = $18",
                    &[&workspace_id, &contact.id, &document_id, &contact.display_name, &contact.company, &identities, &tags, &deleted_at,
                      &emails, &phones, &address, &contact.date_of_birth, &contact.lifecycle_stage, &contact.client_status,
                      &contact.source, &contact.referral_source, &preferences, &health],
                )
                .await?;
        }
        AnyRecord::Note(note) => {
            upsert(
                    client,
                    "INSERT INTO projected_notes (workspace_id, record_id, document_id, body, contact_id, deleted_at, body_html, source_type)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, body = $4, contact_id = $5, deleted_at = $6,
                       body_html = $7, source_type = $8",
                    &[&workspace_id, &note.id, &document_id, &note.body, &note.contact_id, &deleted_at, &note.body_html, &note.source_type],
                )
                .await?;
        }
        AnyRecord::Task(task) => {
            let contact_id = task.contact_ids.first().copied();
            let contact_ids = json!(task.contact_ids);
            upsert(
                    client,
                    "INSERT INTO projected_tasks (workspace_id, record_id, document_id, title, done, due_at, contact_id, project_id, deleted_at,
                       description, status, priority, due_date, completed_at, zone_id, parent_task_id, contact_ids)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, title = $4, done = $5,
                       due_at = $6, contact_id = $7, project_id = $8, deleted_at = $9, description = $10, status = $11,
                       priority = $12, due_date = $13, completed_at = $14, zone_id = $15, parent_task_id = $16, contact_ids = $17",
                    &[&workspace_id, &task.id, &document_id, &task.title, &task.done(), &task.due_at(), &contact_id, &task.project_id, &deleted_at,
                      &task.description, &task.status, &task.priority, &task.due_date, &task.completed_at, &task.zone_id, &task.parent_task_id, &contact_ids],
                )
                .await?;
        }
        AnyRecord::Project(project) => {
            upsert(
                    client,
                    "INSERT INTO projected_projects (workspace_id, record_id, document_id, name, status, deleted_at, description, zone_id, due_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, name = $4, status = $5, deleted_at = $6,
                       description = $7, zone_id = $8, due_date = $9",
                    &[&workspace_id, &project.id, &document_id, &project.name, &project.status, &deleted_at, &project.description, &project.zone_id, &project.due_date],
                )
                .await?;
        }
        AnyRecord::Interaction(interaction) => {
            let contact_id = interaction.contact_ids.first().copied();
            let contact_ids = json!(interaction.contact_ids);
            let duration = interaction
                .duration_minutes
                .and_then(|minutes| i32::try_from(minutes).ok());
            upsert(
                    client,
                    "INSERT INTO projected_interactions (workspace_id, record_id, document_id, interaction_kind, occurred_at, summary, contact_id, deleted_at,
                       body, duration_minutes, contact_ids)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, interaction_kind = $4,
                       occurred_at = $5, summary = $6, contact_id = $7, deleted_at = $8, body = $9, duration_minutes = $10, contact_ids = $11",
                    &[&workspace_id, &interaction.id, &document_id, &interaction.kind, &interaction.occurred_at, &interaction.summary, &contact_id, &deleted_at,
                      &interaction.body, &duration, &contact_ids],
                )
                .await?;
        }
        AnyRecord::Goal(goal) => {
            let progress = i32::from(goal.progress);
            upsert(
                    client,
                    "INSERT INTO projected_goals (workspace_id, record_id, document_id, title, description, goal_kind, status, contact_id, target_date, progress, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, title = $4, description = $5, goal_kind = $6,
                       status = $7, contact_id = $8, target_date = $9, progress = $10, deleted_at = $11",
                    &[&workspace_id, &goal.id, &document_id, &goal.title, &goal.description, &goal.kind, &goal.status, &goal.contact_id, &goal.target_date, &progress, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Zone(zone) => {
            let position = i32::try_from(zone.position).unwrap_or(i32::MAX);
            upsert(
                    client,
                    "INSERT INTO projected_zones (workspace_id, record_id, document_id, name, color, icon, position, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, name = $4, color = $5, icon = $6,
                       position = $7, deleted_at = $8",
                    &[&workspace_id, &zone.id, &document_id, &zone.name, &zone.color, &zone.icon, &position, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Tag(tag) => {
            upsert(
                    client,
                    "INSERT INTO projected_tags (workspace_id, record_id, document_id, name, category, color, is_system, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, name = $4, category = $5, color = $6,
                       is_system = $7, deleted_at = $8",
                    &[&workspace_id, &tag.id, &document_id, &tag.name, &tag.category, &tag.color, &tag.is_system, &deleted_at],
                )
                .await?;
        }
        AnyRecord::Consent(consent) => {
            upsert(
                    client,
                    "INSERT INTO projected_consents (workspace_id, record_id, document_id, contact_id, consent_kind, granted, recorded_at, note, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (workspace_id, record_id) DO UPDATE SET document_id = $3, contact_id = $4, consent_kind = $5,
                       granted = $6, recorded_at = $7, note = $8, deleted_at = $9",
                    &[&workspace_id, &consent.id, &document_id, &consent.contact_id, &consent.kind, &consent.granted, &consent.recorded_at, &consent.note, &deleted_at],
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
    "projected_goals",
    "projected_zones",
    "projected_tags",
    "projected_consents",
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

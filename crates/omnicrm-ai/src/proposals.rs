//! Writes the model asked for, held until the user approves them. Nothing the model says
//! changes a record by itself: approving runs the write through core's services (validated,
//! stamped, in the change log, undoable like any other edit).

use omnicrm_core::contacts::{input_of, LifecycleStage};
use omnicrm_core::notes::NoteInput;
use omnicrm_core::productivity::TaskInput;
use omnicrm_core::time::{new_id, now_utc};
use omnicrm_core::{Core, Error, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

/// What a proposal would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProposedAction {
    CreateTask {
        title: String,
        description: Option<String>,
        /// `YYYY-MM-DD`.
        due_date: Option<String>,
        contact_id: Option<String>,
    },
    AddNote {
        contact_id: String,
        body: String,
    },
    /// Approving keeps the draft for the user to send; nothing is sent by OmniCRM.
    DraftEmail {
        contact_id: String,
        subject: String,
        body: String,
    },
    SetLifecycleStage {
        contact_id: String,
        stage: LifecycleStage,
        reason: String,
    },
    AddTags {
        contact_id: String,
        tags: Vec<String>,
        reason: String,
    },
}

impl ProposedAction {
    fn kind(&self) -> &'static str {
        match self {
            Self::CreateTask { .. } => "create_task",
            Self::AddNote { .. } => "add_note",
            Self::DraftEmail { .. } => "draft_email",
            Self::SetLifecycleStage { .. } => "set_lifecycle_stage",
            Self::AddTags { .. } => "add_tags",
        }
    }

    fn contact_id(&self) -> Option<&str> {
        match self {
            Self::CreateTask { contact_id, .. } => contact_id.as_deref(),
            Self::AddNote { contact_id, .. }
            | Self::DraftEmail { contact_id, .. }
            | Self::SetLifecycleStage { contact_id, .. }
            | Self::AddTags { contact_id, .. } => Some(contact_id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Proposal {
    pub id: String,
    pub thread_id: Option<String>,
    pub action: ProposedAction,
    pub status: ProposalStatus,
    /// After approval: what was written (`{"task_id": ...}`, `{"note_id": ...}`...).
    pub result: Option<serde_json::Value>,
    pub created_at: String,
    pub decided_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProposalService {
    core: Core,
}

impl ProposalService {
    pub fn new(core: Core) -> Self {
        Self { core }
    }

    /// Holds `action` for approval.
    pub fn propose(&self, thread_id: Option<&str>, action: ProposedAction) -> Result<Proposal> {
        let proposal = Proposal {
            id: new_id(),
            thread_id: thread_id.map(str::to_owned),
            action,
            status: ProposalStatus::Pending,
            result: None,
            created_at: now_utc(),
            decided_at: None,
        };
        self.core.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO ai_proposals (id, thread_id, contact_id, kind, payload_json, status,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
                rusqlite::params![
                    proposal.id,
                    proposal.thread_id,
                    proposal.action.contact_id(),
                    proposal.action.kind(),
                    serde_json::to_string(&proposal.action)?,
                    proposal.created_at
                ],
            )?;
            Ok(())
        })?;
        Ok(proposal)
    }

    pub fn get(&self, id: &str) -> Result<Proposal> {
        self.core.database.read(|connection| {
            connection
                .query_row(
                    &format!("SELECT {COLUMNS} FROM ai_proposals WHERE id = ?1"),
                    [id],
                    proposal_from_row,
                )
                .optional()?
                .ok_or_else(|| Error::not_found("proposal", id))?
        })
    }

    /// Pending proposals, oldest first.
    pub fn pending(&self) -> Result<Vec<Proposal>> {
        self.core.database.read(|connection| {
            let mut statement = connection.prepare(&format!(
                "SELECT {COLUMNS} FROM ai_proposals WHERE status = 'pending'
                 ORDER BY created_at, id"
            ))?;
            let rows = statement
                .query_map([], proposal_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().collect()
        })
    }

    /// Runs the proposal through core's services. Claimed first (pending → approved in one
    /// transaction), so two approvals cannot both run it; put back to pending if the write
    /// fails, with the core's error returned.
    pub fn approve(&self, id: &str) -> Result<Proposal> {
        let claimed = self.core.database.write(|transaction| {
            Ok(transaction.execute(
                "UPDATE ai_proposals SET status = 'approved', decided_at = ?2
                 WHERE id = ?1 AND status = 'pending'",
                rusqlite::params![id, now_utc()],
            )?)
        })?;
        let proposal = self.get(id)?;
        if claimed == 0 {
            return Err(Error::conflict(format!(
                "proposal {id} was already {}",
                match proposal.status {
                    ProposalStatus::Approved => "approved",
                    ProposalStatus::Rejected => "rejected",
                    ProposalStatus::Pending => "taken",
                }
            )));
        }
        let before: i64 =
            self.core.database.read(|connection| {
                Ok(connection.query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM change_log",
                    [],
                    |row| row.get(0),
                )?)
            })?;
        match self.execute(&proposal.action) {
            Ok(mut result) => {
                // The change that undoes the approval (none for a draft, which writes nothing).
                let written = ["task_id", "note_id", "contact_id"]
                    .iter()
                    .find_map(|key| result.get(*key).and_then(|id| id.as_str()))
                    .map(str::to_owned);
                if let Some(written) = written {
                    let change_id: Option<String> = self.core.database.read(|connection| {
                        Ok(connection
                            .query_row(
                                "SELECT id FROM change_log WHERE seq > ?1 AND entity_id = ?2
                                 ORDER BY seq DESC LIMIT 1",
                                rusqlite::params![before, written],
                                |row| row.get(0),
                            )
                            .optional()?)
                    })?;
                    if let (Some(change_id), Some(object)) = (change_id, result.as_object_mut()) {
                        object.insert("change_id".to_owned(), serde_json::json!(change_id));
                    }
                }
                self.core.database.write(|transaction| {
                    transaction.execute(
                        "UPDATE ai_proposals SET result_json = ?2 WHERE id = ?1",
                        rusqlite::params![id, result.to_string()],
                    )?;
                    Ok(())
                })?;
                self.get(id)
            }
            Err(error) => {
                self.core.database.write(|transaction| {
                    transaction.execute(
                        "UPDATE ai_proposals SET status = 'pending', decided_at = NULL
                         WHERE id = ?1",
                        [id],
                    )?;
                    Ok(())
                })?;
                Err(error)
            }
        }
    }

    pub fn reject(&self, id: &str) -> Result<Proposal> {
        let changed = self.core.database.write(|transaction| {
            Ok(transaction.execute(
                "UPDATE ai_proposals SET status = 'rejected', decided_at = ?2
                 WHERE id = ?1 AND status = 'pending'",
                rusqlite::params![id, now_utc()],
            )?)
        })?;
        let proposal = self.get(id)?;
        if changed == 0 {
            return Err(Error::conflict(format!(
                "proposal {id} is no longer pending"
            )));
        }
        Ok(proposal)
    }

    fn execute(&self, action: &ProposedAction) -> Result<serde_json::Value> {
        match action {
            ProposedAction::CreateTask {
                title,
                description,
                due_date,
                contact_id,
            } => {
                let task = self.core.tasks.create(TaskInput {
                    title: title.clone(),
                    description: description.clone(),
                    due_date: due_date.clone(),
                    contact_ids: contact_id.iter().cloned().collect(),
                    ..TaskInput::default()
                })?;
                Ok(serde_json::json!({"task_id": task.id}))
            }
            ProposedAction::AddNote { contact_id, body } => {
                let note = self.core.notes.create(contact_id, NoteInput::plain(body))?;
                Ok(serde_json::json!({"note_id": note.id}))
            }
            ProposedAction::DraftEmail {
                contact_id,
                subject,
                body,
            } => {
                let contact = self.core.contacts.get(contact_id)?;
                Ok(serde_json::json!({
                    "to": contact.primary_email(), "subject": subject, "body": body
                }))
            }
            ProposedAction::SetLifecycleStage {
                contact_id, stage, ..
            } => {
                let mut input = input_of(self.core.contacts.get(contact_id)?);
                input.lifecycle_stage = Some(*stage);
                let contact = self.core.contacts.update(contact_id, input)?;
                Ok(serde_json::json!({"contact_id": contact.id, "lifecycle_stage": stage}))
            }
            ProposedAction::AddTags {
                contact_id, tags, ..
            } => {
                let mut input = input_of(self.core.contacts.get(contact_id)?);
                for tag in tags {
                    if !input
                        .tags
                        .iter()
                        .any(|known| known.eq_ignore_ascii_case(tag))
                    {
                        input.tags.push(tag.clone());
                    }
                }
                let contact = self.core.contacts.update(contact_id, input)?;
                Ok(serde_json::json!({"contact_id": contact.id, "tags": contact.tags}))
            }
        }
    }
}

const COLUMNS: &str = "id, thread_id, payload_json, status, result_json, created_at, decided_at";

fn proposal_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Proposal>> {
    let payload: String = row.get(2)?;
    let status: String = row.get(3)?;
    let result: Option<String> = row.get(4)?;
    let id: String = row.get(0)?;
    let thread_id: Option<String> = row.get(1)?;
    let created_at: String = row.get(5)?;
    let decided_at: Option<String> = row.get(6)?;
    Ok((|| {
        Ok(Proposal {
            id,
            thread_id,
            action: serde_json::from_str(&payload)?,
            status: match status.as_str() {
                "approved" => ProposalStatus::Approved,
                "rejected" => ProposalStatus::Rejected,
                _ => ProposalStatus::Pending,
            },
            result: result.map(|text| serde_json::from_str(&text)).transpose()?,
            created_at,
            decided_at,
        })
    })())
}

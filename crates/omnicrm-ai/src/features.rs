//! Contact features (summary, next steps, churn risk, note and task suggestions, an email draft,
//! lifecycle stage and tag suggestions) and the inbox brain-dump.
//!
//! Each result is stored in `ai_results` under a fingerprint: the SHA-256 of the feature, the
//! model and the exact messages (prompt and record context). Asking again with nothing changed
//! returns the stored result without calling the provider, so nothing is paid for twice; a new
//! note or a different model changes the fingerprint. Replies are JSON parsed strictly into the
//! feature's shape; anything else is a clear `network` error naming the feature. Suggestions
//! that would write (tasks, notes, a stage, tags, an email) become pending proposals.

use omnicrm_core::contacts::{Contact, LifecycleStage};
use omnicrm_core::productivity::{TaskQuery, TaskView};
use omnicrm_core::time::now_utc;
use omnicrm_core::{Core, Error, ErrorCode, Result};
use rusqlite::OptionalExtension;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{AiEngine, CompletionRequest};
use crate::prompts::{self, FeaturePrompt};
use crate::proposals::{ProposalService, ProposedAction};
use crate::redaction::Redactor;
use crate::wire::ChatMessage;

/// Timeline items a feature reads about a contact.
const CONTEXT_ITEMS: u32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ContactFeature {
    Summary,
    NextSteps,
    ChurnRisk,
    Suggestions,
    EmailDraft,
    StageAndTags,
}

impl ContactFeature {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::NextSteps => "next_steps",
            Self::ChurnRisk => "churn_risk",
            Self::Suggestions => "suggestions",
            Self::EmailDraft => "email_draft",
            Self::StageAndTags => "stage_and_tags",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Summary,
            Self::NextSteps,
            Self::ChurnRisk,
            Self::Suggestions,
            Self::EmailDraft,
            Self::StageAndTags,
        ]
        .into_iter()
        .find(|feature| feature.as_str() == text)
    }

    fn prompt(self) -> FeaturePrompt {
        match self {
            Self::Summary => FeaturePrompt::Summary,
            Self::NextSteps => FeaturePrompt::NextSteps,
            Self::ChurnRisk => FeaturePrompt::ChurnRisk,
            Self::Suggestions => FeaturePrompt::Suggestions,
            Self::EmailDraft => FeaturePrompt::EmailDraft,
            Self::StageAndTags => FeaturePrompt::StageAndTags,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct NextStep {
    pub title: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct SuggestedTask {
    pub title: String,
    #[serde(default)]
    pub due_date: Option<String>,
    /// Brain-dump only: who the task is about, as written.
    #[serde(default)]
    pub contact_name: Option<String>,
}

/// A feature's parsed answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "feature", rename_all = "snake_case")]
pub enum FeatureOutput {
    Summary {
        summary: String,
    },
    NextSteps {
        steps: Vec<NextStep>,
    },
    ChurnRisk {
        risk: RiskLevel,
        reason: String,
    },
    Suggestions {
        notes: Vec<String>,
        tasks: Vec<SuggestedTask>,
    },
    EmailDraft {
        subject: String,
        body: String,
    },
    StageAndTags {
        lifecycle_stage: Option<LifecycleStage>,
        tags: Vec<String>,
        reason: String,
    },
    BrainDump {
        tasks: Vec<SuggestedTask>,
    },
}

/// A stored feature result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FeatureResult {
    pub fingerprint: String,
    pub contact_id: Option<String>,
    pub model: String,
    pub output: FeatureOutput,
    /// Proposals made from it, waiting for approval.
    pub proposal_ids: Vec<String>,
    /// True when it came from the store without calling the provider.
    pub cached: bool,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct FeatureService {
    core: Core,
    engine: AiEngine,
    proposals: ProposalService,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    output: FeatureOutput,
    proposal_ids: Vec<String>,
}

impl FeatureService {
    pub fn new(core: Core, engine: AiEngine, proposals: ProposalService) -> Self {
        Self {
            core,
            engine,
            proposals,
        }
    }

    /// Runs `feature` for a contact, or returns the stored result of an identical request.
    pub async fn contact(
        &self,
        contact_id: &str,
        feature: ContactFeature,
    ) -> Result<FeatureResult> {
        let contact = self.core.contacts.get(contact_id)?;
        let context = self.context(&contact)?;
        let messages = vec![
            ChatMessage::system(prompts::feature_system(feature.prompt())),
            ChatMessage::user(context),
        ];
        self.run(feature.as_str(), Some(&contact), messages).await
    }

    /// Turns a brain-dump into tasks held for approval.
    pub async fn brain_dump(&self, text: &str) -> Result<FeatureResult> {
        if text.trim().is_empty() {
            return Err(Error::invalid_field("text", "is empty"));
        }
        let messages = vec![
            ChatMessage::system(prompts::feature_system(FeaturePrompt::BrainDump)),
            ChatMessage::user(text.trim()),
        ];
        self.run("brain_dump", None, messages).await
    }

    /// The newest stored result of `feature` for a contact, if any.
    pub fn latest(
        &self,
        contact_id: &str,
        feature: ContactFeature,
    ) -> Result<Option<FeatureResult>> {
        self.core.database.read(|connection| {
            let row: Option<(String, String, String, String)> = connection
                .query_row(
                    "SELECT fingerprint, model, output_json, created_at FROM ai_results
                     WHERE contact_id = ?1 AND feature = ?2
                     ORDER BY created_at DESC LIMIT 1",
                    [contact_id, feature.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            row.map(|(fingerprint, model, json, created_at)| {
                let stored: Stored = serde_json::from_str(&json)?;
                Ok(FeatureResult {
                    fingerprint,
                    contact_id: Some(contact_id.to_owned()),
                    model,
                    output: stored.output,
                    proposal_ids: stored.proposal_ids,
                    cached: true,
                    created_at,
                })
            })
            .transpose()
        })
    }

    async fn run(
        &self,
        feature: &str,
        contact: Option<&Contact>,
        messages: Vec<ChatMessage>,
    ) -> Result<FeatureResult> {
        let settings = self.engine.settings().load()?;
        let fingerprint = fingerprint(feature, &settings.model, &messages)?;
        if let Some(found) = self.cached(&fingerprint, contact)? {
            return Ok(found);
        }
        let mut redactor = Redactor::new();
        let completion = self
            .engine
            .complete(
                CompletionRequest {
                    purpose: feature.to_owned(),
                    messages,
                    tools: Vec::new(),
                    stream: false,
                    json: true,
                    ..CompletionRequest::default()
                },
                &mut redactor,
                &mut |_| {},
            )
            .await?;
        let output = parse_output(feature, &completion.content)?;
        let proposal_ids = self.propose(contact, &output)?;
        let created_at = now_utc();
        let stored = Stored {
            output: output.clone(),
            proposal_ids: proposal_ids.clone(),
        };
        self.core.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO ai_results (fingerprint, feature, contact_id, model, output_json,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (fingerprint) DO NOTHING",
                rusqlite::params![
                    fingerprint,
                    feature,
                    contact.map(|contact| contact.id.as_str()),
                    completion.model,
                    serde_json::to_string(&stored)?,
                    created_at
                ],
            )?;
            Ok(())
        })?;
        Ok(FeatureResult {
            fingerprint,
            contact_id: contact.map(|contact| contact.id.clone()),
            model: completion.model,
            output,
            proposal_ids,
            cached: false,
            created_at,
        })
    }

    fn cached(
        &self,
        fingerprint: &str,
        contact: Option<&Contact>,
    ) -> Result<Option<FeatureResult>> {
        self.core.database.read(|connection| {
            let row: Option<(String, String, String)> = connection
                .query_row(
                    "SELECT model, output_json, created_at FROM ai_results WHERE fingerprint = ?1",
                    [fingerprint],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            row.map(|(model, json, created_at)| {
                let stored: Stored = serde_json::from_str(&json)?;
                Ok(FeatureResult {
                    fingerprint: fingerprint.to_owned(),
                    contact_id: contact.map(|contact| contact.id.clone()),
                    model,
                    output: stored.output,
                    proposal_ids: stored.proposal_ids,
                    cached: true,
                    created_at,
                })
            })
            .transpose()
        })
    }

    /// What the model reads about a contact: no contact details, no private notes.
    fn context(&self, contact: &Contact) -> Result<String> {
        let mut text = format!("Client: {}\n", contact.display_name);
        if let Some(organization) = &contact.organization {
            text.push_str(&format!("Organisation: {organization}\n"));
        }
        if let Some(stage) = contact.lifecycle_stage {
            text.push_str(&format!("Lifecycle stage: {}\n", stage.as_str()));
        }
        text.push_str(&format!("Status: {}\n", contact.client_status.as_str()));
        if !contact.tags.is_empty() {
            text.push_str(&format!("Tags: {}\n", contact.tags.join(", ")));
        }
        text.push_str(&format!("Client since: {}\n", contact.created_at));
        let page = self
            .core
            .timeline
            .page(&contact.id, None, CONTEXT_ITEMS * 2)?;
        text.push_str("\nHistory, newest first:\n");
        for item in page
            .items
            .iter()
            .filter(|item| !item.is_private)
            .take(CONTEXT_ITEMS as usize)
        {
            text.push_str(&format!(
                "- {} {:?} {}: {} {}\n",
                item.at,
                item.kind,
                item.detail,
                item.title.as_deref().unwrap_or_default(),
                item.summary.as_deref().unwrap_or_default()
            ));
        }
        let today = chrono::Utc::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        let tasks = self.core.tasks.list(&TaskQuery {
            view: TaskView::Open,
            today,
            contact_id: Some(contact.id.clone()),
            ..TaskQuery::default()
        })?;
        if !tasks.is_empty() {
            text.push_str("\nOpen tasks:\n");
            for task in tasks.iter().take(10) {
                text.push_str(&format!(
                    "- {} (due {})\n",
                    task.title,
                    task.due_date.as_deref().unwrap_or("no date")
                ));
            }
        }
        Ok(text)
    }

    fn propose(&self, contact: Option<&Contact>, output: &FeatureOutput) -> Result<Vec<String>> {
        let contact_id = contact.map(|contact| contact.id.clone());
        let mut actions = Vec::new();
        match output {
            FeatureOutput::Suggestions { notes, tasks } => {
                if let Some(contact_id) = &contact_id {
                    for note in notes {
                        actions.push(ProposedAction::AddNote {
                            contact_id: contact_id.clone(),
                            body: note.clone(),
                        });
                    }
                }
                for task in tasks {
                    actions.push(ProposedAction::CreateTask {
                        title: task.title.clone(),
                        description: None,
                        due_date: task.due_date.clone(),
                        contact_id: contact_id.clone(),
                    });
                }
            }
            FeatureOutput::EmailDraft { subject, body } => {
                if let Some(contact_id) = &contact_id {
                    actions.push(ProposedAction::DraftEmail {
                        contact_id: contact_id.clone(),
                        subject: subject.clone(),
                        body: body.clone(),
                    });
                }
            }
            FeatureOutput::StageAndTags {
                lifecycle_stage,
                tags,
                reason,
            } => {
                if let Some(contact_id) = &contact_id {
                    if let Some(stage) = lifecycle_stage {
                        actions.push(ProposedAction::SetLifecycleStage {
                            contact_id: contact_id.clone(),
                            stage: *stage,
                            reason: reason.clone(),
                        });
                    }
                    if !tags.is_empty() {
                        actions.push(ProposedAction::AddTags {
                            contact_id: contact_id.clone(),
                            tags: tags.clone(),
                            reason: reason.clone(),
                        });
                    }
                }
            }
            FeatureOutput::BrainDump { tasks } => {
                for task in tasks {
                    let named = match &task.contact_name {
                        Some(name) => self
                            .core
                            .contacts
                            .search(name, 1)?
                            .into_iter()
                            .next()
                            .map(|found| found.id),
                        None => None,
                    };
                    actions.push(ProposedAction::CreateTask {
                        title: task.title.clone(),
                        description: None,
                        due_date: task.due_date.clone(),
                        contact_id: named,
                    });
                }
            }
            FeatureOutput::Summary { .. }
            | FeatureOutput::NextSteps { .. }
            | FeatureOutput::ChurnRisk { .. } => {}
        }
        actions
            .into_iter()
            .map(|action| Ok(self.proposals.propose(None, action)?.id))
            .collect()
    }
}

/// SHA-256 over the feature, the model and the exact messages, hex.
fn fingerprint(feature: &str, model: &str, messages: &[ChatMessage]) -> Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(feature.as_bytes());
    hasher.update([0]);
    hasher.update(model.as_bytes());
    hasher.update([0]);
    hasher.update(serde_json::to_vec(messages)?);
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// Parses the model's reply into the feature's shape, strictly: unknown or missing fields are
/// errors that name the feature and the problem. A Markdown code fence around the JSON is the
/// one thing forgiven, since models add it even when told not to.
pub fn parse_output(feature: &str, reply: &str) -> Result<FeatureOutput> {
    let text = strip_fence(reply);
    Ok(match feature {
        "summary" => {
            let parsed: SummaryReply = strict(feature, text)?;
            FeatureOutput::Summary {
                summary: parsed.summary,
            }
        }
        "next_steps" => {
            let parsed: NextStepsReply = strict(feature, text)?;
            FeatureOutput::NextSteps {
                steps: parsed.steps,
            }
        }
        "churn_risk" => {
            let parsed: ChurnReply = strict(feature, text)?;
            FeatureOutput::ChurnRisk {
                risk: parsed.risk,
                reason: parsed.reason,
            }
        }
        "suggestions" => {
            let parsed: SuggestionsReply = strict(feature, text)?;
            FeatureOutput::Suggestions {
                notes: parsed.notes,
                tasks: parsed.tasks,
            }
        }
        "email_draft" => {
            let parsed: EmailReply = strict(feature, text)?;
            FeatureOutput::EmailDraft {
                subject: parsed.subject,
                body: parsed.body,
            }
        }
        "stage_and_tags" => {
            let parsed: StageReply = strict(feature, text)?;
            FeatureOutput::StageAndTags {
                lifecycle_stage: parsed.lifecycle_stage,
                tags: parsed.tags,
                reason: parsed.reason,
            }
        }
        "brain_dump" => {
            let parsed: BrainDumpReply = strict(feature, text)?;
            FeatureOutput::BrainDump {
                tasks: parsed.tasks,
            }
        }
        other => {
            return Err(Error::internal(format!("'{other}' is not an AI feature")));
        }
    })
}

fn strip_fence(reply: &str) -> &str {
    let trimmed = reply.trim();
    let Some(inner) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let inner = inner.strip_prefix("json").unwrap_or(inner);
    inner.strip_suffix("```").unwrap_or(inner).trim()
}

fn strict<T: DeserializeOwned>(feature: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|source| {
        Error::new(
            ErrorCode::Network,
            format!("the AI's {feature} reply is not the expected JSON: {source}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SummaryReply {
    summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NextStepsReply {
    steps: Vec<NextStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChurnReply {
    risk: RiskLevel,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestionsReply {
    notes: Vec<String>,
    tasks: Vec<SuggestedTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailReply {
    subject: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageReply {
    lifecycle_stage: Option<LifecycleStage>,
    tags: Vec<String>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrainDumpReply {
    tasks: Vec<SuggestedTask>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_missing_a_field_names_the_feature_and_the_field() {
        let error = parse_output("churn_risk", r#"{"risk": "high"}"#).unwrap_err();
        assert_eq!(error.code, ErrorCode::Network);
        assert!(error.message.contains("churn_risk"), "{}", error.message);
        assert!(error.message.contains("reason"), "{}", error.message);
    }

    #[test]
    fn a_fenced_reply_is_read() {
        let output =
            parse_output("summary", "```json\n{\"summary\": \"Doing well.\"}\n```").unwrap();
        assert_eq!(
            output,
            FeatureOutput::Summary {
                summary: "Doing well.".to_owned()
            }
        );
    }
}

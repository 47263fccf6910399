//! The tools the chat model may call. Reading tools answer at once from the store (never a
//! private note); writing tools only create a pending [`Proposal`](crate::proposals::Proposal)
//! and tell the model the user will decide.

use omnicrm_core::productivity::{TaskQuery, TaskView};
use omnicrm_core::timeline::TimelineItemKind;
use omnicrm_core::{Core, Error, Result};
use serde::Deserialize;
use serde_json::json;

use crate::proposals::{Proposal, ProposalService, ProposedAction};
use crate::retrieval::{Citation, RecordSearch, RecordType, Surfaced};
use crate::wire::ToolDefinition;

const MAX_RESULTS: u32 = 20;

/// The tool list sent with every chat request.
pub fn definitions() -> Vec<ToolDefinition> {
    vec![
        ToolDefinition::function(
            "search_contacts",
            "Search the practitioner's records (contacts, notes, emails, meetings, calls, tasks) by words or meaning. Each result has its type, id and the contact_id to use with other tools.",
            json!({"type": "object", "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}
            }, "required": ["query"]}),
        ),
        ToolDefinition::function(
            "contact_timeline",
            "Read a contact's recent interactions, notes and tasks, newest first.",
            json!({"type": "object", "properties": {
                "contact_id": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS}
            }, "required": ["contact_id"]}),
        ),
        ToolDefinition::function(
            "list_tasks",
            "List tasks: view is today, upcoming, overdue or open; optionally for one contact.",
            json!({"type": "object", "properties": {
                "view": {"type": "string", "enum": ["today", "upcoming", "overdue", "open"]},
                "contact_id": {"type": "string"}
            }}),
        ),
        ToolDefinition::function(
            "create_task",
            "Propose a task. The user approves it before it is created.",
            json!({"type": "object", "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "due_date": {"type": "string", "description": "YYYY-MM-DD"},
                "contact_id": {"type": "string"}
            }, "required": ["title"]}),
        ),
        ToolDefinition::function(
            "add_note",
            "Propose a note on a contact. The user approves it before it is saved.",
            json!({"type": "object", "properties": {
                "contact_id": {"type": "string"}, "body": {"type": "string"}
            }, "required": ["contact_id", "body"]}),
        ),
        ToolDefinition::function(
            "draft_email",
            "Propose an email draft to a contact. The user reviews it; nothing is sent.",
            json!({"type": "object", "properties": {
                "contact_id": {"type": "string"},
                "subject": {"type": "string"}, "body": {"type": "string"}
            }, "required": ["contact_id", "subject", "body"]}),
        ),
    ]
}

/// What running one tool call gave.
#[derive(Debug, Clone, Default)]
pub struct ToolOutcome {
    /// JSON text for the model.
    pub content: String,
    /// The records `content` shows, for the answer's citations.
    pub surfaced: Vec<Surfaced>,
    pub proposal: Option<Proposal>,
    /// Whose data `content` holds, and which of it: recorded in the access log once it has
    /// been sent to the provider.
    pub disclosed: Vec<DisclosedData>,
}

/// One client's data in a tool's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosedData {
    pub contact_id: String,
    /// What of it, in plain words ("a search excerpt", "name, stage, tags and recent notes").
    pub fields: &'static str,
}

/// Runs tool calls for one chat thread.
#[derive(Debug, Clone)]
pub struct ToolRunner<'a> {
    pub core: &'a Core,
    pub search: &'a dyn RecordSearch,
    pub proposals: &'a ProposalService,
    pub thread_id: &'a str,
    /// `YYYY-MM-DD`, the user's local date.
    pub today: &'a str,
}

impl ToolRunner<'_> {
    /// Runs `name` with `arguments`. A bad call is answered with an error message for the
    /// model (it can correct itself) rather than failing the whole answer.
    pub async fn run(&self, name: &str, arguments: &str) -> ToolOutcome {
        match self.dispatch(name, arguments).await {
            Ok(outcome) => outcome,
            Err(error) => ToolOutcome {
                content: json!({"error": error.message}).to_string(),
                ..ToolOutcome::default()
            },
        }
    }

    async fn dispatch(&self, name: &str, arguments: &str) -> Result<ToolOutcome> {
        match name {
            "search_contacts" => self.search_contacts(parse(name, arguments)?).await,
            "contact_timeline" => self.contact_timeline(parse(name, arguments)?),
            "list_tasks" => self.list_tasks(parse(name, arguments)?),
            "create_task" => {
                let arguments: CreateTaskArguments = parse(name, arguments)?;
                self.propose(ProposedAction::CreateTask {
                    title: arguments.title,
                    description: arguments.description,
                    due_date: arguments.due_date,
                    contact_id: arguments.contact_id,
                })
            }
            "add_note" => {
                let arguments: AddNoteArguments = parse(name, arguments)?;
                self.core.contacts.get(&arguments.contact_id)?;
                self.propose(ProposedAction::AddNote {
                    contact_id: arguments.contact_id,
                    body: arguments.body,
                })
            }
            "draft_email" => {
                let arguments: DraftEmailArguments = parse(name, arguments)?;
                self.core.contacts.get(&arguments.contact_id)?;
                self.propose(ProposedAction::DraftEmail {
                    contact_id: arguments.contact_id,
                    subject: arguments.subject,
                    body: arguments.body,
                })
            }
            other => Err(Error::invalid_field(
                "tool",
                format!("'{other}' is not a tool"),
            )),
        }
    }

    async fn search_contacts(&self, arguments: SearchArguments) -> Result<ToolOutcome> {
        let limit = arguments.limit.unwrap_or(10).clamp(1, MAX_RESULTS);
        let hits = self.search.search(&arguments.query, limit).await?;
        let surfaced = hits
            .iter()
            .map(|hit| Surfaced {
                citation: Citation {
                    record_type: hit.record_type,
                    id: hit.id.clone(),
                    title: hit.title.clone(),
                },
                text: hit.text.clone(),
            })
            .collect();
        let results: Vec<_> = hits
            .iter()
            .map(|hit| {
                json!({"type": hit.record_type, "id": hit.id, "contact_id": hit.contact_id, "about": hit.text})
            })
            .collect();
        let disclosed = hits
            .iter()
            .filter_map(|hit| hit.contact_id.clone())
            .map(|contact_id| DisclosedData {
                contact_id,
                fields: "a search excerpt",
            })
            .collect();
        Ok(ToolOutcome {
            content: json!({"results": results}).to_string(),
            surfaced,
            proposal: None,
            disclosed,
        })
    }

    fn contact_timeline(&self, arguments: TimelineArguments) -> Result<ToolOutcome> {
        let contact = self.core.contacts.get(&arguments.contact_id)?;
        let limit = arguments.limit.unwrap_or(15).clamp(1, MAX_RESULTS);
        // Read a little more than asked, since private notes are dropped.
        let page = self
            .core
            .timeline
            .page(&contact.id, None, (limit * 2).min(500))?;
        let mut surfaced = vec![Surfaced {
            citation: Citation {
                record_type: RecordType::Contact,
                id: contact.id.clone(),
                title: contact.display_name.clone(),
            },
            text: [
                Some(contact.display_name.as_str()),
                contact.organization.as_deref(),
                contact.primary_email(),
                contact.primary_phone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        }];
        let mut items = Vec::new();
        for item in page.items.into_iter().filter(|item| !item.is_private) {
            if items.len() >= limit as usize {
                break;
            }
            let record_type = match item.kind {
                TimelineItemKind::Interaction => RecordType::Interaction,
                TimelineItemKind::Note => RecordType::Note,
                TimelineItemKind::Task => RecordType::Task,
            };
            let title = item
                .title
                .clone()
                .or_else(|| {
                    item.summary
                        .as_ref()
                        .map(|text| text.chars().take(60).collect())
                })
                .unwrap_or_else(|| item.detail.clone());
            let text = [
                Some(item.detail.as_str()),
                item.title.as_deref(),
                item.summary.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            surfaced.push(Surfaced {
                citation: Citation {
                    record_type,
                    id: item.id.clone(),
                    title,
                },
                text,
            });
            items.push(json!({"type": record_type, "id": item.id, "at": item.at,
                              "detail": item.detail, "title": item.title, "text": item.summary}));
        }
        Ok(ToolOutcome {
            content: json!({
                "contact": {"id": contact.id, "name": contact.display_name,
                            "organization": contact.organization,
                            "lifecycle_stage": contact.lifecycle_stage,
                            "status": contact.client_status, "tags": contact.tags},
                "items": items,
            })
            .to_string(),
            surfaced,
            proposal: None,
            disclosed: vec![DisclosedData {
                contact_id: contact.id.clone(),
                fields: "name, organisation, stage, status, tags and recent interactions, notes \
                         and tasks (not private notes)",
            }],
        })
    }

    fn list_tasks(&self, arguments: TasksArguments) -> Result<ToolOutcome> {
        let view = match arguments.view.as_deref().unwrap_or("open") {
            "today" => TaskView::Today,
            "upcoming" => TaskView::Upcoming,
            "overdue" => TaskView::Overdue,
            "open" => TaskView::Open,
            other => {
                return Err(Error::invalid_field(
                    "view",
                    format!("'{other}' is not one of today, upcoming, overdue, open"),
                ))
            }
        };
        let tasks = self.core.tasks.list(&TaskQuery {
            view,
            today: self.today.to_owned(),
            contact_id: arguments.contact_id,
            ..TaskQuery::default()
        })?;
        let surfaced = tasks
            .iter()
            .take(MAX_RESULTS as usize)
            .map(|task| Surfaced {
                citation: Citation {
                    record_type: RecordType::Task,
                    id: task.id.clone(),
                    title: task.title.clone(),
                },
                text: task.title.clone(),
            })
            .collect();
        let listed: Vec<_> = tasks
            .iter()
            .take(MAX_RESULTS as usize)
            .map(|task| {
                json!({"id": task.id, "title": task.title, "due_date": task.due_date,
                       "status": task.status, "priority": task.priority,
                       "contact_ids": task.contact_ids})
            })
            .collect();
        let mut disclosed: Vec<DisclosedData> = Vec::new();
        for contact_id in tasks
            .iter()
            .take(MAX_RESULTS as usize)
            .flat_map(|task| task.contact_ids.iter())
        {
            if !disclosed.iter().any(|data| &data.contact_id == contact_id) {
                disclosed.push(DisclosedData {
                    contact_id: contact_id.clone(),
                    fields: "the titles of their tasks",
                });
            }
        }
        Ok(ToolOutcome {
            content: json!({"tasks": listed}).to_string(),
            surfaced,
            proposal: None,
            disclosed,
        })
    }

    fn propose(&self, action: ProposedAction) -> Result<ToolOutcome> {
        let proposal = self.proposals.propose(Some(self.thread_id), action)?;
        Ok(ToolOutcome {
            content: json!({
                "status": "awaiting_user_approval", "proposal_id": proposal.id,
                "note": "Nothing is written until the user approves this."
            })
            .to_string(),
            surfaced: Vec::new(),
            proposal: Some(proposal),
            disclosed: Vec::new(),
        })
    }
}

fn parse<T: for<'de> Deserialize<'de>>(tool: &str, arguments: &str) -> Result<T> {
    let text = if arguments.trim().is_empty() {
        "{}"
    } else {
        arguments
    };
    serde_json::from_str(text).map_err(|source| {
        Error::invalid_field(
            format!("{tool}.arguments"),
            format!("are not valid: {source}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArguments {
    query: String,
    limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimelineArguments {
    contact_id: String,
    limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksArguments {
    view: Option<String>,
    contact_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateTaskArguments {
    title: String,
    description: Option<String>,
    due_date: Option<String>,
    contact_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddNoteArguments {
    contact_id: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftEmailArguments {
    contact_id: String,
    subject: String,
    body: String,
}

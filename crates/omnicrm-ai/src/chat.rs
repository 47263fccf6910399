//! Chat with retrieval: persisted threads, a tool loop, streamed answers with citations.

use omnicrm_core::access_log::{AccessAction, Disclosure};
use omnicrm_core::time::{new_id, now_utc};
use omnicrm_core::{Core, Error, Result};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::engine::{
    AiEngine, CompletionRequest, QuestionPlan, StreamEvent, DEFAULT_MAX_OUTPUT_TOKENS,
};
use crate::guardrails::BudgetHold;
use crate::prompts;
use crate::proposals::{Proposal, ProposalService};
use crate::redaction::Redactor;
use crate::retrieval::{cited, Citation, RecordSearch, Surfaced};
use crate::tools::{self, DisclosedData, ToolRunner};
use crate::wire::{ChatMessage, Role};

/// Model round trips per question: tool calls, then the answer.
const MAX_ROUNDS: usize = 5;
/// How many tokens a question's prompt is assumed to grow by from one round to the next, for
/// the worst case set aside before its first call: the reply and the tool results added to it.
/// An estimate, not a bound: a round whose prompt grew more reserves the excess on its own,
/// so the caps still hold (and only then can a question be refused after it started).
const ROUND_GROWTH_TOKENS: u64 = 2 * DEFAULT_MAX_OUTPUT_TOKENS as u64 + 4096;
/// Earlier messages of the thread sent along.
const HISTORY: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Thread {
    pub id: String,
    pub title: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Message {
    pub id: String,
    pub thread_id: String,
    pub role: MessageRole,
    pub content: String,
    pub citations: Vec<Citation>,
    pub model: Option<String>,
    pub created_at: String,
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChatAnswer {
    pub thread_id: String,
    pub message: Message,
    /// Writes the model proposed while answering, waiting for approval.
    pub proposals: Vec<Proposal>,
}

#[derive(Debug, Clone)]
pub struct ChatService {
    core: Core,
    engine: AiEngine,
    proposals: ProposalService,
}

impl ChatService {
    pub fn new(core: Core, engine: AiEngine, proposals: ProposalService) -> Self {
        Self {
            core,
            engine,
            proposals,
        }
    }

    /// Asks `question` in `thread_id` (a new thread when `None`). Text streams to `on_event`;
    /// the whole answer with its citations is stored and returned. `today` is the user's local
    /// date (`YYYY-MM-DD`), for "today's tasks".
    pub async fn ask(
        &self,
        thread_id: Option<&str>,
        question: &str,
        today: &str,
        search: &dyn RecordSearch,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
    ) -> Result<ChatAnswer> {
        let question = question.trim();
        if question.is_empty() {
            return Err(Error::invalid_field("question", "is empty"));
        }
        let existing = thread_id.map(|id| self.thread(id)).transpose()?;
        let history = match &existing {
            Some(thread) => self.messages(&thread.id, HISTORY)?,
            None => Vec::new(),
        };

        let mut messages = vec![ChatMessage::system(prompts::chat_system(today))];
        for earlier in &history {
            messages.push(match earlier.role {
                MessageRole::User => ChatMessage::user(&earlier.content),
                MessageRole::Assistant => ChatMessage::assistant(&earlier.content),
            });
        }
        messages.push(ChatMessage::user(question));

        // The whole question's worst case is set aside before its first call, or the question
        // is refused before anything is spent (it was refused at its third round, after paying
        // for two).
        let hold = self
            .engine
            .hold_question(QuestionPlan {
                purpose: "chat".to_owned(),
                messages: messages.clone(),
                tools: tools::definitions(),
                rounds: MAX_ROUNDS as u32,
                growth_per_round: ROUND_GROWTH_TOKENS,
                max_output_tokens: DEFAULT_MAX_OUTPUT_TOKENS,
            })
            .await?;
        let outcome = self
            .answer(existing, question, messages, &hold, today, search, on_event)
            .await;
        if let Err(error) = self.engine.release(hold).await {
            // The hold stops counting when it expires; the answer stands.
            tracing::warn!(%error, "could not release the question's AI budget");
        }
        outcome
    }

    /// The rounds of one question, drawing on `hold`.
    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        existing: Option<Thread>,
        question: &str,
        mut messages: Vec<ChatMessage>,
        hold: &BudgetHold,
        today: &str,
        search: &dyn RecordSearch,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
    ) -> Result<ChatAnswer> {
        let thread = match existing {
            Some(thread) => thread,
            None => self.create_thread(question)?,
        };
        self.append(&thread.id, MessageRole::User, question, &[], None)?;

        let mut redactor = Redactor::new();
        let mut surfaced: Vec<Surfaced> = Vec::new();
        let mut proposals = Vec::new();
        let runner = ToolRunner {
            core: &self.core,
            search,
            proposals: &self.proposals,
            thread_id: &thread.id,
            today,
        };
        // Client data a tool answered with, sent with the next request.
        let mut unsent: Vec<DisclosedData> = Vec::new();
        for round in 0..MAX_ROUNDS {
            let last_round = round + 1 == MAX_ROUNDS;
            let completion = self
                .engine
                .complete(
                    CompletionRequest {
                        purpose: "chat".to_owned(),
                        messages: messages.clone(),
                        tools: if last_round {
                            Vec::new()
                        } else {
                            tools::definitions()
                        },
                        stream: true,
                        json: false,
                        max_output_tokens: Some(DEFAULT_MAX_OUTPUT_TOKENS),
                        budget_hold: Some(hold.clone()),
                    },
                    &mut redactor,
                    on_event,
                )
                .await?;
            self.record_disclosures(std::mem::take(&mut unsent), &completion.model)?;
            if completion.tool_calls.is_empty() {
                let citations = cited(&completion.content, &surfaced);
                let message = self.append(
                    &thread.id,
                    MessageRole::Assistant,
                    &completion.content,
                    &citations,
                    Some(&completion.model),
                )?;
                return Ok(ChatAnswer {
                    thread_id: thread.id,
                    message,
                    proposals,
                });
            }
            messages.push(ChatMessage {
                role: Role::Assistant,
                content: (!completion.content.is_empty()).then(|| completion.content.clone()),
                tool_calls: completion.tool_calls.clone(),
                tool_call_id: None,
            });
            for call in &completion.tool_calls {
                tracing::debug!(tool = %call.function.name, "the AI called a tool");
                let outcome = runner
                    .run(&call.function.name, &call.function.arguments)
                    .await;
                surfaced.extend(outcome.surfaced);
                proposals.extend(outcome.proposal);
                unsent.extend(outcome.disclosed);
                messages.push(ChatMessage::tool_result(&call.id, outcome.content));
            }
        }
        Err(Error::new(
            omnicrm_core::ErrorCode::Network,
            "the AI kept calling tools without answering",
        ))
    }

    /// Records in the access log whose data the request just sent held: one entry per client,
    /// naming the provider, the model that answered, what was sent and whether names and
    /// details were redacted first.
    fn record_disclosures(&self, disclosed: Vec<DisclosedData>, model: &str) -> Result<()> {
        if disclosed.is_empty() {
            return Ok(());
        }
        let settings = self.engine.settings().load()?;
        let provider = reqwest::Url::parse(&settings.base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| settings.base_url.clone());
        let redaction = if settings.redacts() {
            "names, emails and phone numbers redacted"
        } else {
            "not redacted"
        };
        let mut entries: Vec<Disclosure> = Vec::new();
        for data in disclosed {
            if let Some(entry) = entries
                .iter_mut()
                .find(|entry| entry.contact_id.as_deref() == Some(data.contact_id.as_str()))
            {
                if !entry.detail.contains(data.fields) {
                    entry.detail.push_str(&format!("; {}", data.fields));
                }
                continue;
            }
            entries.push(Disclosure::of_contact(
                &data.contact_id,
                AccessAction::SentToAi,
                format!("to {provider} ({model}), {redaction}: {}", data.fields),
            ));
        }
        self.core.access_log.record_many(entries)?;
        Ok(())
    }

    pub fn threads(&self) -> Result<Vec<Thread>> {
        self.core.database.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT id, title, created_at, updated_at FROM ai_threads
                 WHERE deleted_at IS NULL ORDER BY updated_at DESC, id DESC",
            )?;
            let threads = statement
                .query_map([], thread_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(threads)
        })
    }

    pub fn thread(&self, id: &str) -> Result<Thread> {
        self.core.database.read(|connection| {
            connection
                .query_row(
                    "SELECT id, title, created_at, updated_at FROM ai_threads
                     WHERE id = ?1 AND deleted_at IS NULL",
                    [id],
                    thread_from_row,
                )
                .optional()?
                .ok_or_else(|| Error::not_found("thread", id))
        })
    }

    /// The newest `limit` messages of a thread, oldest first.
    pub fn messages(&self, thread_id: &str, limit: u32) -> Result<Vec<Message>> {
        self.core.database.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT id, thread_id, role, content, citations_json, model, created_at
                 FROM (SELECT * FROM ai_messages WHERE thread_id = ?1
                       ORDER BY created_at DESC, id DESC LIMIT ?2)
                 ORDER BY created_at, id",
            )?;
            let rows = statement
                .query_map(rusqlite::params![thread_id, limit], |row| {
                    let citations: String = row.get(4)?;
                    let role: String = row.get(2)?;
                    Ok((
                        Message {
                            id: row.get(0)?,
                            thread_id: row.get(1)?,
                            role: if role == "user" {
                                MessageRole::User
                            } else {
                                MessageRole::Assistant
                            },
                            content: row.get(3)?,
                            citations: Vec::new(),
                            model: row.get(5)?,
                            created_at: row.get(6)?,
                        },
                        citations,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(mut message, citations)| {
                    message.citations = serde_json::from_str(&citations)?;
                    Ok(message)
                })
                .collect()
        })
    }

    /// Soft-deletes a thread.
    pub fn delete_thread(&self, id: &str) -> Result<()> {
        let changed = self.core.database.write(|transaction| {
            Ok(transaction.execute(
                "UPDATE ai_threads SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                rusqlite::params![id, now_utc()],
            )?)
        })?;
        if changed == 0 {
            return Err(Error::not_found("thread", id));
        }
        Ok(())
    }

    fn create_thread(&self, question: &str) -> Result<Thread> {
        let now = now_utc();
        let thread = Thread {
            id: new_id(),
            title: question.chars().take(60).collect(),
            created_at: now.clone(),
            updated_at: now,
        };
        self.core.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO ai_threads (id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                rusqlite::params![thread.id, thread.title, thread.created_at],
            )?;
            Ok(())
        })?;
        Ok(thread)
    }

    fn append(
        &self,
        thread_id: &str,
        role: MessageRole,
        content: &str,
        citations: &[Citation],
        model: Option<&str>,
    ) -> Result<Message> {
        let message = Message {
            id: new_id(),
            thread_id: thread_id.to_owned(),
            role,
            content: content.to_owned(),
            citations: citations.to_vec(),
            model: model.map(str::to_owned),
            created_at: now_utc(),
        };
        self.core.database.write(|transaction| {
            transaction.execute(
                "INSERT INTO ai_messages (id, thread_id, role, content, citations_json, model,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    message.id,
                    message.thread_id,
                    match role {
                        MessageRole::User => "user",
                        MessageRole::Assistant => "assistant",
                    },
                    message.content,
                    serde_json::to_string(&message.citations)?,
                    message.model,
                    message.created_at
                ],
            )?;
            transaction.execute(
                "UPDATE ai_threads SET updated_at = ?2 WHERE id = ?1",
                rusqlite::params![thread_id, message.created_at],
            )?;
            Ok(())
        })?;
        Ok(message)
    }
}

fn thread_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Thread> {
    Ok(Thread {
        id: row.get(0)?,
        title: row.get(1)?,
        created_at: row.get(2)?,
        updated_at: row.get(3)?,
    })
}

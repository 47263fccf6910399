//! Every provider call goes through [`AiEngine::complete`], in this order:
//!
//! 1. the status check (enabled, key present for a cloud provider);
//! 2. redaction of every message when the provider is in the cloud (before anything leaves);
//! 3. the guardrails reserve one request (one per logical call: retries and fallbacks of the
//!    same call share it, since they answer one question) and the call's worst case — its
//!    prompt and the longest reply it allows (`max_tokens`) at the dearest model's price — so
//!    no cap can be passed; a model without a price is refused here (see [`crate::pricing`]);
//! 4. for each model in order (the model, then the fallbacks): the model's circuit breaker
//!    admits or refuses; the call is retried on 429/5xx/timeouts with backoff (`Retry-After`
//!    honoured); a model that keeps failing counts against its breaker and the next one is
//!    tried;
//! 5. the reservation is settled with the usage of the call that answered (or marked failed);
//! 6. placeholders in the answer, streamed or not, and in tool arguments are restored.

use std::path::Path;
use std::time::Duration;

use omnicrm_core::{Database, Error, ErrorCode, Result};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::breaker::{Admission, Breakers};
use crate::client::{CallFailure, ProviderClient};
use crate::guardrails::{BudgetHold, CallBudget, Guardrails, QuestionBudget, Reservation};
use crate::pricing;
use crate::redaction::{Redactor, StreamRestorer};
use crate::settings::{AiSettings, ResilienceSettings, SettingsStore};
use crate::sse::Completion;
use crate::wire::{ChatMessage, ChatRequest, StreamOptions, ToolDefinition, UsageOptions};

/// Where the provider runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// On this machine (localhost): nothing leaves it.
    Local,
    Cloud,
}

/// Why the assistant is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum UnavailableReason {
    Disabled,
    MissingApiKey,
    CircuitsOpen,
    /// A request limit or cost cap refuses calls now (or is set to zero).
    LimitReached,
    /// A model has no price, so the cost caps could not be kept: the user sets one.
    PriceUnknown,
}

/// The longest reply a call may write, in tokens, unless the request says otherwise.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 2048;

/// What AI panels show: whether the assistant works, and if not, why in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AiStatus {
    pub available: bool,
    pub reason: Option<UnavailableReason>,
    /// Plain words for the panel ("Add an API key in Settings → AI").
    pub message: Option<String>,
    pub provider: ProviderKind,
    pub base_url: String,
    pub models: Vec<String>,
    /// Whether personal data is replaced by placeholders before it is sent.
    pub redacts: bool,
    /// What the privacy setting means here, in plain words.
    pub privacy: String,
}

/// What the caller hears while a reply streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// More of the answer (placeholders already restored).
    Text(String),
    /// A retry or fallback starts over: drop the text shown so far.
    Reset,
}

/// One logical call.
#[derive(Debug, Clone, Default)]
pub struct CompletionRequest {
    /// For the ledger: `chat`, `contact_summary`...
    pub purpose: String,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolDefinition>,
    pub stream: bool,
    /// Ask for a JSON object reply.
    pub json: bool,
    /// The longest reply, in tokens (sent as `max_tokens`); [`DEFAULT_MAX_OUTPUT_TOKENS`] when
    /// `None`. Part of the call's worst case.
    pub max_output_tokens: Option<u32>,
    /// The question's hold this call draws on (see [`AiEngine::hold_question`]).
    pub budget_hold: Option<BudgetHold>,
}

impl CompletionRequest {
    pub fn max_output_tokens(&self) -> u32 {
        self.max_output_tokens.unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS)
    }
}

/// A question of several calls, to hold the budget for before its first one.
#[derive(Debug, Clone)]
pub struct QuestionPlan {
    pub purpose: String,
    /// The first call's messages and tools.
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolDefinition>,
    /// The most calls.
    pub rounds: u32,
    /// How many tokens each later call's prompt may grow by (the replies and tool results
    /// added to it).
    pub growth_per_round: u64,
    pub max_output_tokens: u32,
}

/// The provider, the guardrails and the breakers over one database.
#[derive(Debug, Clone)]
pub struct AiEngine {
    settings: SettingsStore,
    guardrails: Guardrails,
    breakers: Breakers,
}

impl AiEngine {
    pub fn new(database: Database, data_dir: &Path) -> Self {
        Self {
            settings: SettingsStore::new(database.clone(), data_dir),
            guardrails: Guardrails::new(database.clone()),
            breakers: Breakers::new(database),
        }
    }

    pub fn settings(&self) -> &SettingsStore {
        &self.settings
    }

    pub fn guardrails(&self) -> &Guardrails {
        &self.guardrails
    }

    pub fn breakers(&self) -> &Breakers {
        &self.breakers
    }

    /// Whether AI works now, and why not.
    /// Whether the assistant works now, and if not, why: everything `availability` checks, and a
    /// request limit or cost cap that refuses calls at the moment (the status said "available"
    /// while the per-minute limit refused every question).
    pub fn status(&self) -> Result<AiStatus> {
        let mut status = self.availability()?;
        if !status.available {
            return Ok(status);
        }
        let settings = self.settings.load()?;
        let usage = self.guardrails.usage(&settings.limits)?;
        let refusing = [
            (&usage.minute, "The limit on AI requests per minute"),
            (&usage.today, "Today's AI cost cap"),
            (&usage.month, "This month's AI credits"),
        ]
        .into_iter()
        .find(|(limit, _)| limit.limit <= 0.0 || limit.used >= limit.limit);
        if let Some((limit, what)) = refusing {
            status.available = false;
            status.reason = Some(UnavailableReason::LimitReached);
            status.message = Some(if limit.limit <= 0.0 {
                format!("{what} is set to zero, so AI requests are turned off.")
            } else {
                format!(
                    "{what} is reached; the assistant can be used again at {}.",
                    limit.resets_at
                )
            });
        }
        Ok(status)
    }

    /// Whether calls can go out at all: AI on, a key when one is needed, a model whose circuit
    /// is not open. Limits are checked (and reserved) per call.
    fn availability(&self) -> Result<AiStatus> {
        let settings = self.settings.load()?;
        let has_key = self.settings.api_key(&settings)?.is_some();
        let mut open_until = Vec::new();
        let models = settings.models();
        let now = chrono::Utc::now();
        for model in &models {
            let breaker = self.breakers.status(model)?;
            // An open circuit whose cooldown is over lets the next call probe it.
            let still_open = breaker
                .open_until
                .as_deref()
                .and_then(omnicrm_core::time::parse_utc)
                .is_some_and(|until| until > now);
            if breaker.state == crate::breaker::BreakerState::Open && still_open {
                open_until.extend(breaker.open_until);
            }
        }
        let unpriced = pricing::unpriced_models(&settings);
        Ok(status_of(
            &settings,
            has_key,
            &open_until,
            models.len(),
            &unpriced,
        ))
    }

    /// Sends `request` through the guardrails, breakers, retries and fallbacks; see the module
    /// docs. `redactor` is the conversation's, so placeholders stay the same across calls.
    pub async fn complete(
        &self,
        request: CompletionRequest,
        redactor: &mut Redactor,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
    ) -> Result<Completion> {
        let settings = blocking({
            let store = self.settings.clone();
            move || store.load()
        })
        .await?;
        let key = blocking({
            let store = self.settings.clone();
            let settings = settings.clone();
            move || store.api_key(&settings)
        })
        .await?;
        // Checked before anything is reserved: a call that cannot go out costs no request.
        let status = blocking({
            let engine = self.clone();
            move || engine.availability()
        })
        .await?;
        if let (false, Some(message)) = (status.available, status.message) {
            return Err(Error::new(ErrorCode::AiUnavailable, message));
        }
        let redacts = settings.redacts();
        let messages: Vec<ChatMessage> = request
            .messages
            .iter()
            .map(|message| {
                if !redacts {
                    return message.clone();
                }
                let mut message = message.clone();
                message.content = message.content.map(|text| redactor.redact(&text));
                for call in &mut message.tool_calls {
                    call.function.arguments = redactor.redact(&call.function.arguments);
                }
                message
            })
            .collect();
        let client = ProviderClient::new(&settings.base_url, key)?;
        let models = settings.models();
        let primary = models.first().cloned().unwrap_or_default();
        let worst_case_usd = pricing::worst_case_usd(
            &settings,
            &models,
            pricing::prompt_tokens_at_most(&messages, &request.tools),
            request.max_output_tokens(),
        )?;
        let reservation = blocking({
            let guardrails = self.guardrails.clone();
            let limits = settings.limits.clone();
            let purpose = request.purpose.clone();
            let hold = request.budget_hold.clone();
            move || {
                guardrails.reserve(
                    &limits,
                    CallBudget {
                        purpose: &purpose,
                        model: &primary,
                        worst_case_usd,
                        hold: hold.as_ref(),
                    },
                )
            }
        })
        .await?;

        let outcome = self
            .try_models(
                &client, &settings, &models, &messages, &request, redactor, on_event,
            )
            .await;
        match outcome {
            Ok((model, mut completion)) => {
                self.settle(&reservation, &model, &completion, &settings)
                    .await?;
                completion.content = redactor.restore(&completion.content);
                for call in &mut completion.tool_calls {
                    call.function.arguments = redactor.restore(&call.function.arguments);
                }
                Ok(completion)
            }
            Err(error) => {
                let guardrails = self.guardrails.clone();
                let reservation = reservation.clone();
                blocking(move || guardrails.fail(&reservation)).await?;
                Err(error)
            }
        }
    }

    /// Sets aside the worst case of a question of several calls (a chat question's tool
    /// rounds), or refuses it before its first call: see [`Guardrails::hold`]. Each call then
    /// names the hold in [`CompletionRequest::budget_hold`]; release it with
    /// [`AiEngine::release`] when the question ends, however it ends.
    pub async fn hold_question(&self, plan: QuestionPlan) -> Result<BudgetHold> {
        let settings = blocking({
            let store = self.settings.clone();
            move || store.load()
        })
        .await?;
        // AI off, no key, every circuit open: said as such, as the first call would.
        let status = blocking({
            let engine = self.clone();
            move || engine.availability()
        })
        .await?;
        if let (false, Some(message)) = (status.available, status.message) {
            return Err(Error::new(ErrorCode::AiUnavailable, message));
        }
        let models = settings.models();
        let first_prompt = pricing::prompt_tokens_at_most(&plan.messages, &plan.tools);
        let mut worst_case_usd = 0.0;
        for round in 0..u64::from(plan.rounds) {
            let prompt = first_prompt.saturating_add(plan.growth_per_round.saturating_mul(round));
            // Each call holds at least the limits' reserve, so the question sets that aside too.
            worst_case_usd +=
                pricing::worst_case_usd(&settings, &models, prompt, plan.max_output_tokens)?
                    .max(settings.limits.reserve_per_request_usd);
        }
        // However long the question may take: every round trying every model with every
        // retry, each for the whole request timeout and the longest backoff, and a margin.
        let resilience = &settings.resilience;
        let per_call = u64::from(resilience.request_timeout_ms)
            .saturating_add(u64::from(resilience.backoff_max_ms))
            .saturating_mul(u64::from(resilience.max_attempts.max(1)))
            .saturating_mul(models.len().max(1) as u64);
        let lasts_ms = per_call
            .saturating_mul(u64::from(plan.rounds.max(1)))
            .saturating_add(5 * 60 * 1000);
        let lasts = chrono::Duration::milliseconds(i64::try_from(lasts_ms).unwrap_or(i64::MAX));
        let guardrails = self.guardrails.clone();
        blocking(move || {
            guardrails.hold(
                &settings.limits,
                QuestionBudget {
                    purpose: &plan.purpose,
                    requests: plan.rounds,
                    worst_case_usd,
                    lasts,
                },
            )
        })
        .await
    }

    /// Gives back what a question's hold set aside and its calls did not use.
    pub async fn release(&self, hold: BudgetHold) -> Result<()> {
        let guardrails = self.guardrails.clone();
        blocking(move || guardrails.release(&hold)).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn try_models(
        &self,
        client: &ProviderClient,
        settings: &AiSettings,
        models: &[String],
        messages: &[ChatMessage],
        request: &CompletionRequest,
        redactor: &Redactor,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
    ) -> Result<(String, Completion)> {
        let resilience = &settings.resilience;
        let mut failures: Vec<String> = Vec::new();
        let mut refused_until: Vec<String> = Vec::new();
        let mut shown_any = false;
        for model in models {
            let admission = blocking({
                let breakers = self.breakers.clone();
                let model = model.clone();
                let resilience = resilience.clone();
                move || breakers.admit(&model, &resilience)
            })
            .await?;
            if let Admission::Refused { until } = admission {
                tracing::info!(model, %until, "AI model skipped: its circuit is open");
                failures.push(format!("{model}: circuit open until {until}"));
                refused_until.push(until);
                continue;
            }
            let wire_request = ChatRequest {
                model: model.clone(),
                messages: messages.to_vec(),
                tools: request.tools.clone(),
                stream: request.stream,
                stream_options: request.stream.then_some(StreamOptions {
                    include_usage: true,
                }),
                usage: Some(UsageOptions { include: true }),
                temperature: None,
                max_tokens: Some(request.max_output_tokens()),
                response_format: request
                    .json
                    .then(|| serde_json::json!({"type": "json_object"})),
            };
            let mut attempt = 0;
            loop {
                attempt += 1;
                if shown_any {
                    on_event(StreamEvent::Reset);
                    shown_any = false;
                }
                let mut restorer = StreamRestorer::default();
                let mut on_text = |piece: &str| {
                    let ready = restorer.push(redactor, piece);
                    if !ready.is_empty() {
                        shown_any = true;
                        on_event(StreamEvent::Text(ready));
                    }
                };
                let result = client
                    .call(
                        &wire_request,
                        resilience.request_timeout(),
                        resilience.first_token_timeout(),
                        &mut on_text,
                    )
                    .await;
                let rest = restorer.finish(redactor);
                if !rest.is_empty() && result.is_ok() {
                    shown_any = true;
                    on_event(StreamEvent::Text(rest));
                }
                match result {
                    Ok(completion) => {
                        let breakers = self.breakers.clone();
                        let name = model.clone();
                        blocking(move || breakers.record_success(&name)).await?;
                        return Ok((model.clone(), completion));
                    }
                    Err(CallFailure::Unauthorized { message }) => {
                        return Err(Error::new(ErrorCode::AuthRequired, message));
                    }
                    Err(CallFailure::Rejected { message }) => {
                        tracing::warn!(model, %message, "AI model rejected the request");
                        failures.push(format!("{model}: {message}"));
                        break;
                    }
                    Err(failure @ CallFailure::Malformed { .. })
                    | Err(failure @ CallFailure::Transient { .. }) => {
                        let retry_after = match &failure {
                            CallFailure::Transient { retry_after, .. } => *retry_after,
                            _ => None,
                        };
                        if attempt < resilience.max_attempts {
                            let wait = backoff(resilience, attempt, retry_after);
                            tracing::info!(
                                model,
                                attempt,
                                wait_ms = wait.as_millis() as u64,
                                message = failure.message(),
                                "retrying the AI call"
                            );
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        let breakers = self.breakers.clone();
                        let name = model.clone();
                        let message = failure.message().to_owned();
                        let resilience = resilience.clone();
                        blocking(move || breakers.record_failure(&name, &message, &resilience))
                            .await?;
                        failures.push(format!("{model}: {}", failure.message()));
                        break;
                    }
                }
            }
        }
        if !models.is_empty() && refused_until.len() == models.len() {
            let until = refused_until.iter().min().cloned().unwrap_or_default();
            return Err(Error::new(
                ErrorCode::AiUnavailable,
                format!(
                    "AI is paused after repeated provider failures; it will try again at {until}"
                ),
            ));
        }
        Err(Error::new(
            ErrorCode::Network,
            format!("every AI model failed: {}", failures.join("; ")),
        ))
    }

    async fn settle(
        &self,
        reservation: &Reservation,
        model: &str,
        completion: &Completion,
        settings: &AiSettings,
    ) -> Result<f64> {
        let guardrails = self.guardrails.clone();
        let reservation = reservation.clone();
        let model = model.to_owned();
        let usage = completion.usage;
        let settings = settings.clone();
        blocking(move || guardrails.settle(&reservation, &model, usage.as_ref(), &settings)).await
    }
}

fn status_of(
    settings: &AiSettings,
    has_key: bool,
    open_until: &[String],
    model_count: usize,
    unpriced: &[String],
) -> AiStatus {
    let local = settings.is_local();
    let redacts = settings.redacts();
    let privacy = if local {
        "The model runs on this computer: nothing is sent anywhere, so nothing is redacted."
    } else if redacts {
        "Emails, phone numbers, card numbers and ID numbers are replaced by placeholders before \
         anything is sent, and put back in the answers. Private notes are never sent."
    } else {
        "Redaction is off: text is sent to the provider as it is. Private notes are never sent."
    };
    let (reason, message) = if !settings.enabled {
        (
            Some(UnavailableReason::Disabled),
            Some("AI is turned off in Settings → AI.".to_owned()),
        )
    } else if !local && !has_key {
        (
            Some(UnavailableReason::MissingApiKey),
            Some("Add the provider's API key in Settings → AI to use the assistant.".to_owned()),
        )
    } else if !unpriced.is_empty() {
        (
            Some(UnavailableReason::PriceUnknown),
            Some(pricing::unpriced_message(unpriced)),
        )
    } else if model_count > 0 && open_until.len() >= model_count {
        let until = open_until.iter().min().cloned().unwrap_or_default();
        (
            Some(UnavailableReason::CircuitsOpen),
            Some(format!(
                "The AI provider kept failing; the assistant will try again at {until}."
            )),
        )
    } else {
        (None, None)
    };
    AiStatus {
        available: reason.is_none(),
        reason,
        message,
        provider: if local {
            ProviderKind::Local
        } else {
            ProviderKind::Cloud
        },
        base_url: settings.base_url.clone(),
        models: settings.models(),
        redacts,
        privacy: privacy.to_owned(),
    }
}

/// `base × 2^(attempt−1)` plus up to half of that in jitter, capped; `Retry-After` wins.
fn backoff(settings: &ResilienceSettings, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let cap = Duration::from_millis(u64::from(settings.backoff_max_ms));
    if let Some(wait) = retry_after {
        return wait.min(cap);
    }
    let base = u64::from(settings.backoff_base_ms);
    let exponential = base.saturating_mul(1_u64 << attempt.saturating_sub(1).min(20));
    let jitter = rand::rng().random_range(0..=exponential / 2);
    Duration::from_millis(exponential.saturating_add(jitter)).min(cap)
}

/// Runs blocking store work off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await?
}

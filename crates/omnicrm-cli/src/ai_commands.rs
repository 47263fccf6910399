//! `omnicrm ai ask|usage|status|config|key|proposals|approve|reject`: the AI assistant.
//!
//! The API key is read from stdin (`omnicrm ai key set < key.txt`, or typed at the prompt) and
//! goes straight to the OS keyring (or the encrypted-file fallback); it is never an argument,
//! so it never lands in shell history or the process list.

use std::io::{BufRead, IsTerminal};

use clap::Subcommand;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use std::sync::Arc;

use omnicrm_ai::pricing::{self, PriceSource};
use omnicrm_ai::{
    AiSettings, Assistant, HybridRecordSearch, ModelPrice, ProposedAction, StreamEvent,
    UnavailableReason, UsageSummary,
};
use omnicrm_core::{Core, Error, ErrorCode, Result};
use omnicrm_secrets::SecretString;

use crate::output::{self, Printer};

#[derive(Debug, Subcommand)]
pub enum AiCommand {
    /// Ask the assistant; the answer streams to stdout, then the records it cites.
    Ask {
        question: String,
        /// Continue this thread (as printed after an answer) instead of starting one.
        #[arg(long, value_name = "THREAD_ID")]
        thread: Option<String>,
    },
    /// Requests this minute, cost today and this month, against the limits.
    Usage,
    /// Whether the assistant works, and if not, why.
    Status,
    /// Show or change the provider settings and limits.
    Config {
        /// The OpenAI-compatible API root, e.g. https://openrouter.ai/api/v1 or
        /// http://localhost:11434/v1.
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        model: Option<String>,
        /// Fallback models in order; repeat the flag. `--fallback ""` clears them.
        #[arg(long = "fallback", value_name = "MODEL")]
        fallbacks: Vec<String>,
        #[arg(long)]
        requests_per_minute: Option<u32>,
        /// US dollars per UTC day.
        #[arg(long)]
        daily_cost_cap: Option<f64>,
        /// US dollars per UTC month.
        #[arg(long)]
        monthly_credits: Option<f64>,
        /// A model's price in US dollars per million prompt (input) and completion (output)
        /// tokens, as the provider lists it: `--price MODEL=INPUT/OUTPUT`, e.g.
        /// `--price openai/gpt-4o-mini=0.15/0.60`; repeat the flag for several models.
        /// `--price MODEL=` removes a price you set. Needed for a cloud model OmniCRM has no
        /// price for: each request holds its worst case at this price against the cost caps
        /// before it is sent, so the caps are never passed.
        #[arg(long = "price", value_name = "MODEL=INPUT/OUTPUT")]
        prices: Vec<String>,
        /// Redact personal data before it goes to a cloud provider (default on).
        #[arg(long)]
        redact: Option<bool>,
        #[arg(long)]
        enabled: Option<bool>,
        /// Seconds a streamed answer may take to start before the model is given up on.
        #[arg(long)]
        first_token_timeout: Option<u32>,
        /// Seconds one request may take, the whole answer included.
        #[arg(long)]
        request_timeout: Option<u32>,
        /// Attempts per model before the next one is tried (1 = no retry).
        #[arg(long)]
        attempts: Option<u32>,
        /// Seconds a model that kept failing is left alone before it is tried again.
        #[arg(long)]
        cooldown: Option<u32>,
    },
    /// The provider's API key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Writes the assistant proposed, waiting for approval.
    Proposals,
    /// Approve a proposal: the write runs through the usual services (undoable).
    Approve { proposal_id: String },
    /// Reject a proposal.
    Reject { proposal_id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Read the key from stdin (or a prompt) into the OS keyring.
    Set,
    /// Remove the key.
    Clear,
}

pub fn run_ai(core: &Core, command: AiCommand, printer: &Printer) -> Result<()> {
    let assistant = Assistant::new(core.clone());
    run_command(core, &assistant, command, printer)
        .map_err(|error| for_the_command_line(&assistant, error))
}

/// What to do about AI being off, said with the command that does it (the assistant's own
/// words point to the app's Settings).
fn what_to_do(reason: Option<UnavailableReason>) -> Option<&'static str> {
    match reason? {
        UnavailableReason::Disabled => {
            Some("AI is turned off; turn it on with `omnicrm ai config --enabled true`.")
        }
        UnavailableReason::MissingApiKey => {
            Some("Add the provider's API key with `omnicrm ai key set` to use the assistant.")
        }
        // The assistant's message already names the models and `omnicrm ai config --price`.
        UnavailableReason::CircuitsOpen
        | UnavailableReason::LimitReached
        | UnavailableReason::PriceUnknown => None,
    }
}

fn for_the_command_line(assistant: &Assistant, mut error: Error) -> Error {
    if error.code == ErrorCode::AiUnavailable {
        let reason = assistant.status().ok().and_then(|status| status.reason);
        if let Some(message) = what_to_do(reason) {
            error.message = message.to_owned();
        }
    }
    error
}

fn run_command(
    core: &Core,
    assistant: &Assistant,
    command: AiCommand,
    printer: &Printer,
) -> Result<()> {
    match command {
        AiCommand::Ask { question, thread } => {
            // The model finds records by words and by meaning, like `omnicrm search`.
            let search = crate::search_commands::search_service(core)?;
            let assistant = Assistant::with_search(
                core.clone(),
                Arc::new(HybridRecordSearch::new(search, core.clone())),
            );
            ask(core, &assistant, &question, thread, printer)
        }
        AiCommand::Usage => {
            let usage = assistant.usage()?;
            printer.value(&usage, || usage_table(&usage))
        }
        AiCommand::Status => {
            let status = assistant.status()?;
            printer.value(&status, || {
                let state = match (&status.message, what_to_do(status.reason)) {
                    (None, _) => "AI is available.".to_owned(),
                    (Some(_), Some(what_to_do)) => format!("AI is off: {what_to_do}"),
                    (Some(message), None) => format!("AI is off: {message}"),
                };
                format!(
                    "{state}\nProvider: {} ({:?})\nModels: {}\nPrivacy: {}",
                    status.base_url,
                    status.provider,
                    status.models.join(", "),
                    status.privacy
                )
            })
        }
        AiCommand::Config {
            base_url,
            model,
            fallbacks,
            requests_per_minute,
            daily_cost_cap,
            monthly_credits,
            prices,
            redact,
            enabled,
            first_token_timeout,
            request_timeout,
            attempts,
            cooldown,
        } => {
            let store = assistant.engine.settings();
            let mut settings = store.load()?;
            let seconds = |value: u32| value.saturating_mul(1000);
            if let Some(value) = first_token_timeout {
                settings.resilience.first_token_timeout_ms = seconds(value);
            }
            if let Some(value) = request_timeout {
                settings.resilience.request_timeout_ms = seconds(value);
            }
            if let Some(value) = attempts {
                settings.resilience.max_attempts = value;
            }
            if let Some(value) = cooldown {
                settings.resilience.breaker_cooldown_ms = seconds(value);
            }
            let changed = first_token_timeout.is_some()
                || request_timeout.is_some()
                || attempts.is_some()
                || cooldown.is_some()
                || base_url.is_some()
                || model.is_some()
                || !fallbacks.is_empty()
                || requests_per_minute.is_some()
                || daily_cost_cap.is_some()
                || monthly_credits.is_some()
                || !prices.is_empty()
                || redact.is_some()
                || enabled.is_some();
            if let Some(base_url) = base_url {
                settings.base_url = base_url;
            }
            if let Some(model) = model {
                settings.model = model;
            }
            if !fallbacks.is_empty() {
                settings.fallback_models = fallbacks
                    .into_iter()
                    .filter(|model| !model.trim().is_empty())
                    .collect();
            }
            if let Some(limit) = requests_per_minute {
                settings.limits.requests_per_minute = limit;
            }
            if let Some(cap) = daily_cost_cap {
                settings.limits.daily_cost_cap_usd = cap;
            }
            if let Some(credits) = monthly_credits {
                settings.limits.monthly_credits_usd = credits;
            }
            for price in &prices {
                set_price(&mut settings, price)?;
            }
            if let Some(redact) = redact {
                settings.redact_cloud = redact;
            }
            if let Some(enabled) = enabled {
                settings.enabled = enabled;
            }
            let settings = if changed {
                store.save(&settings)?
            } else {
                settings
            };
            printer.value(&settings, || {
                format!(
                    "Base URL: {}\nModel: {}\nFallbacks: {}\nRequests per minute: {}\n\
                     Daily cost cap: ${:.2}\nMonthly credits: ${:.2}\nRedact for cloud: {}\n\
                     Enabled: {}\nAPI key: {}\n{}",
                    settings.base_url,
                    settings.model,
                    if settings.fallback_models.is_empty() {
                        "none".to_owned()
                    } else {
                        settings.fallback_models.join(", ")
                    },
                    settings.limits.requests_per_minute,
                    settings.limits.daily_cost_cap_usd,
                    settings.limits.monthly_credits_usd,
                    settings.redact_cloud,
                    settings.enabled,
                    settings
                        .api_key_backend
                        .map_or("not set", |backend| backend.as_str()),
                    price_lines(&settings)
                )
            })
        }
        AiCommand::Key(KeyCommand::Set) => {
            let key = read_key()?;
            assistant.engine.settings().set_api_key(&key)?;
            printer.value(&serde_json::json!({"stored": true}), || {
                "The API key is stored.".to_owned()
            })
        }
        AiCommand::Key(KeyCommand::Clear) => {
            assistant.engine.settings().clear_api_key()?;
            printer.value(&serde_json::json!({"removed": true}), || {
                "The API key is removed.".to_owned()
            })
        }
        AiCommand::Proposals => {
            let pending = assistant.proposals.pending()?;
            printer.value(&pending, || {
                if pending.is_empty() {
                    return "No proposals wait for approval.".to_owned();
                }
                pending
                    .iter()
                    .map(|proposal| {
                        format!(
                            "{}\n  approve with `omnicrm ai approve {}`",
                            describe_proposal(core, &proposal.action),
                            proposal.id
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        AiCommand::Approve { proposal_id } => {
            let proposal = assistant.proposals.approve(&proposal_id)?;
            let change_id = proposal
                .result
                .as_ref()
                .and_then(|result| result.get("change_id"))
                .and_then(|id| id.as_str())
                .map(str::to_owned);
            printer.value(&proposal, || match &change_id {
                Some(change_id) => format!(
                    "Approved {}. Undo it with `omnicrm undo {change_id}`.",
                    proposal.id
                ),
                None => format!("Approved {} (it wrote nothing to undo).", proposal.id),
            })
        }
        AiCommand::Reject { proposal_id } => {
            let proposal = assistant.proposals.reject(&proposal_id)?;
            printer.value(&proposal, || format!("Rejected {}.", proposal.id))
        }
    }
}

fn ask(
    core: &Core,
    assistant: &Assistant,
    question: &str,
    thread: Option<String>,
    printer: &Printer,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::io("could not start the async runtime", &error))?;
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let stream_to_stdout = !printer.json;
    let mut streamed = StreamedAnswer::default();
    let answer = runtime.block_on(async {
        assistant
            .ask(thread.as_deref(), question, &today, &mut |event| {
                if stream_to_stdout {
                    streamed.show(event);
                }
            })
            .await
    })?;
    streamed.written?;
    if printer.json {
        return printer.value(&answer, String::new);
    }
    let mut text = String::from("\n");
    if !answer.message.citations.is_empty() {
        text.push_str("\nSources:\n");
        for citation in &answer.message.citations {
            text.push_str(&format!(
                "  [{}] {} ({})\n",
                serde_json::to_value(citation.record_type)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                citation.title,
                citation.id
            ));
        }
    }
    for proposal in &answer.proposals {
        text.push_str(&format!(
            "Proposed: {} (approve with `omnicrm ai approve {}`)\n",
            describe_proposal(core, &proposal.action),
            proposal.id
        ));
    }
    text.push_str(&format!("Thread: {}", answer.thread_id));
    output::print_line(&text)
}

/// Applies one `--price MODEL=INPUT/OUTPUT` (or `MODEL=`, which removes the price set).
fn set_price(settings: &mut AiSettings, text: &str) -> Result<()> {
    let invalid = || {
        Error::invalid_field(
            "price",
            format!(
                "'{text}' is not MODEL=INPUT/OUTPUT in US dollars per million tokens, e.g. \
                 openai/gpt-4o-mini=0.15/0.60 (or MODEL= to remove a price)"
            ),
        )
    };
    let (model, amounts) = text.rsplit_once('=').ok_or_else(invalid)?;
    let model = model.trim();
    if model.is_empty() {
        return Err(invalid());
    }
    settings.prices.retain(|price| price.model != model);
    if amounts.trim().is_empty() {
        return Ok(());
    }
    let (prompt, completion) = amounts.split_once('/').ok_or_else(invalid)?;
    let amount = |value: &str| {
        value
            .trim()
            .trim_start_matches('$')
            .parse::<f64>()
            .ok()
            .filter(|amount| amount.is_finite() && *amount >= 0.0)
            .ok_or_else(invalid)
    };
    settings.prices.push(ModelPrice {
        model: model.to_owned(),
        prompt_usd_per_million: amount(prompt)?,
        completion_usd_per_million: amount(completion)?,
    });
    Ok(())
}

/// Each model's price and where it comes from.
fn price_lines(settings: &AiSettings) -> String {
    settings
        .models()
        .iter()
        .map(|model| match pricing::price_of(settings, model) {
            Some(price) => format!(
                "Price of {model}: ${} / ${} per million prompt / completion tokens ({})",
                price.prompt_usd_per_million,
                price.completion_usd_per_million,
                match price.source {
                    PriceSource::User => "set by you",
                    PriceSource::Local => "local provider, free",
                    PriceSource::Table => "OmniCRM's price list",
                }
            ),
            None => format!(
                "Price of {model}: unknown, so it is refused; set it with \
                 `omnicrm ai config --price {model}=INPUT/OUTPUT`"
            ),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A proposal in words, naming the contact instead of its id.
fn describe_proposal(core: &Core, action: &ProposedAction) -> String {
    let name = |id: &str| {
        core.contacts.get(id).map_or_else(
            |_| "a contact that no longer exists".to_owned(),
            |contact| contact.display_name,
        )
    };
    match action {
        ProposedAction::CreateTask {
            title,
            due_date,
            contact_id,
            ..
        } => format!(
            "Add the task “{title}”{}{}",
            contact_id
                .as_deref()
                .map(|id| format!(" for {}", name(id)))
                .unwrap_or_default(),
            due_date
                .as_deref()
                .map(|due| format!(", due {due}"))
                .unwrap_or_default()
        ),
        ProposedAction::AddNote { contact_id, body } => {
            format!("Add a note to {}: {body}", name(contact_id))
        }
        ProposedAction::DraftEmail {
            contact_id,
            subject,
            ..
        } => format!("Draft an email to {}: “{subject}”", name(contact_id)),
        ProposedAction::SetLifecycleStage {
            contact_id,
            stage,
            reason,
        } => format!(
            "Move {} to the stage {} ({reason})",
            name(contact_id),
            stage.label()
        ),
        ProposedAction::AddTags {
            contact_id,
            tags,
            reason,
        } => format!(
            "Tag {} with {} ({reason})",
            name(contact_id),
            tags.join(", ")
        ),
    }
}

/// The answer as it streams to stdout.
struct StreamedAnswer {
    /// The first failure to write it (a full disk); the rest of the stream is not written.
    written: Result<()>,
    /// Whether the answer so far ends a line.
    at_line_start: bool,
    /// Whether "[retrying]" was shown already: a provider that breaks off more than once
    /// is said to be retried once, not once per break.
    said_retrying: bool,
}

impl Default for StreamedAnswer {
    fn default() -> Self {
        Self {
            written: Ok(()),
            at_line_start: true,
            said_retrying: false,
        }
    }
}

impl StreamedAnswer {
    fn show(&mut self, event: StreamEvent) {
        if self.written.is_err() {
            return;
        }
        let text = match event {
            StreamEvent::Text(text) => text,
            StreamEvent::Reset if self.said_retrying => return,
            StreamEvent::Reset => {
                self.said_retrying = true;
                let line_break = if self.at_line_start { "" } else { "\n" };
                format!("{line_break}[retrying]\n")
            }
        };
        if text.is_empty() {
            return;
        }
        self.at_line_start = text.ends_with('\n');
        self.written = output::print_text(&text);
    }
}

fn usage_table(usage: &UsageSummary) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["Limit", "Used", "Of", "Resets at"]);
    // A limit of 0 turns AI requests off: say so instead of "6 of 0".
    let of = |limit: f64, text: String| {
        if limit == 0.0 {
            "0 (AI requests off)".to_owned()
        } else {
            text
        }
    };
    table.add_row([
        "Requests this minute".to_owned(),
        format!("{}", usage.minute.used),
        of(usage.minute.limit, format!("{}", usage.minute.limit)),
        usage.minute.resets_at.clone(),
    ]);
    table.add_row([
        "Cost today".to_owned(),
        format!("${:.4}", usage.today.used),
        of(usage.today.limit, format!("${:.2}", usage.today.limit)),
        usage.today.resets_at.clone(),
    ]);
    table.add_row([
        "Cost this month".to_owned(),
        format!("${:.4}", usage.month.used),
        of(usage.month.limit, format!("${:.2}", usage.month.limit)),
        usage.month.resets_at.clone(),
    ]);
    let mut text = table.to_string();
    if !usage.by_model.is_empty() {
        let mut models = Table::new();
        models.load_preset(UTF8_FULL_CONDENSED);
        models.set_header([
            "Model",
            "Requests",
            "Prompt tokens",
            "Completion tokens",
            "Cost",
        ]);
        for model in &usage.by_model {
            models.add_row([
                model.model.clone(),
                model.requests.to_string(),
                model.prompt_tokens.to_string(),
                model.completion_tokens.to_string(),
                format!("${:.4}", model.cost_usd),
            ]);
        }
        text.push_str("\n\nThis month by model:\n");
        text.push_str(&models.to_string());
    }
    text
}

/// The key from a prompt at a terminal, else the first line of stdin.
fn read_key() -> Result<SecretString> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        output::print_prompt("API key (input is shown; paste and press Enter): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|error| Error::io("could not read the API key from stdin", &error))?;
    let key = line.trim().to_owned();
    if key.is_empty() {
        return Err(Error::invalid_field("api_key", "is empty"));
    }
    Ok(SecretString::from(key))
}

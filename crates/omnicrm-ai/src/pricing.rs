//! What a call may cost before it is made: the price of each model and a call's worst case.
//!
//! The guardrails hold a call's worst case against the cost caps before it leaves, so the caps
//! hold even when the provider reports no cost (Ollama, LM Studio, OpenAI itself) and even when
//! a reply is long. The worst case is the prompt's tokens (counted high: never more tokens than
//! bytes) at the model's prompt price plus the longest reply the call allows (`max_tokens`) at
//! its completion price.
//!
//! A model's price is, in order: the price the user set for it (Settings → AI, or
//! `omnicrm ai config --price MODEL=INPUT/OUTPUT`); zero on a local provider, which costs
//! nothing; the table below. A cloud model with none of them is refused: without a price the
//! caps cannot be kept.

use omnicrm_core::{Error, ErrorCode, Result};

use crate::settings::{AiSettings, ModelPrice};
use crate::wire::{ChatMessage, ToolDefinition};

/// Published prices of common models, US dollars per million tokens (prompt, completion), by
/// their OpenRouter names; OpenAI's own names (`gpt-4o-mini`) find the `openai/` row. Where a
/// model has tiers, the dearest one is listed, so the caps hold on every tier. Kept up to date
/// by hand: a model missing here needs a price set by the user.
const PRICE_TABLE: &[(&str, f64, f64)] = &[
    ("openai/gpt-4o-mini", 0.15, 0.60),
    ("openai/gpt-4o", 2.50, 10.00),
    ("openai/gpt-4.1", 2.00, 8.00),
    ("openai/gpt-4.1-mini", 0.40, 1.60),
    ("openai/gpt-4.1-nano", 0.10, 0.40),
    ("openai/gpt-5", 1.25, 10.00),
    ("openai/gpt-5-mini", 0.25, 2.00),
    ("openai/gpt-5-nano", 0.05, 0.40),
    ("openai/o3", 2.00, 8.00),
    ("openai/o3-mini", 1.10, 4.40),
    ("openai/o4-mini", 1.10, 4.40),
    ("anthropic/claude-3.5-haiku", 0.80, 4.00),
    ("anthropic/claude-haiku-4.5", 1.00, 5.00),
    ("anthropic/claude-3.5-sonnet", 3.00, 15.00),
    ("anthropic/claude-3.7-sonnet", 3.00, 15.00),
    ("anthropic/claude-sonnet-4", 6.00, 22.50),
    ("anthropic/claude-sonnet-4.5", 6.00, 22.50),
    ("anthropic/claude-opus-4", 15.00, 75.00),
    ("anthropic/claude-opus-4.1", 15.00, 75.00),
    ("google/gemini-2.0-flash-001", 0.10, 0.40),
    ("google/gemini-2.5-flash-lite", 0.10, 0.40),
    ("google/gemini-2.5-flash", 0.30, 2.50),
    ("google/gemini-2.5-pro", 2.50, 15.00),
    ("mistralai/mistral-small-3.2-24b-instruct", 0.10, 0.30),
    ("mistralai/mistral-medium-3", 0.40, 2.00),
    ("mistralai/mistral-large", 2.00, 6.00),
];

/// How many tokens a message adds beyond its text (the chat template's markers).
const TOKENS_PER_MESSAGE: u64 = 8;

/// Where a model's price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    /// The user set it.
    User,
    /// The provider runs on this machine: free.
    Local,
    /// The built-in table.
    Table,
}

/// A model's price, US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub prompt_usd_per_million: f64,
    pub completion_usd_per_million: f64,
    pub source: PriceSource,
}

impl Price {
    /// What `prompt_tokens` in and `completion_tokens` out cost, in US dollars.
    pub fn cost_of(&self, prompt_tokens: u64, completion_tokens: u64) -> f64 {
        (prompt_tokens as f64 * self.prompt_usd_per_million
            + completion_tokens as f64 * self.completion_usd_per_million)
            / 1_000_000.0
    }
}

/// The built-in price of `model`, if the table has it.
pub fn table_price(model: &str) -> Option<(f64, f64)> {
    let model = model.trim();
    let find = |name: &str| {
        PRICE_TABLE
            .iter()
            .find(|(known, _, _)| *known == name)
            .map(|(_, prompt, completion)| (*prompt, *completion))
    };
    find(model).or_else(|| {
        (!model.contains('/'))
            .then(|| find(&format!("openai/{model}")))
            .flatten()
    })
}

/// The price of `model` under `settings`: the user's, free when local, else the table's.
pub fn price_of(settings: &AiSettings, model: &str) -> Option<Price> {
    if let Some(ModelPrice {
        prompt_usd_per_million,
        completion_usd_per_million,
        ..
    }) = settings.price_of(model.trim())
    {
        return Some(Price {
            prompt_usd_per_million: *prompt_usd_per_million,
            completion_usd_per_million: *completion_usd_per_million,
            source: PriceSource::User,
        });
    }
    if settings.is_local() {
        return Some(Price {
            prompt_usd_per_million: 0.0,
            completion_usd_per_million: 0.0,
            source: PriceSource::Local,
        });
    }
    table_price(model).map(|(prompt, completion)| Price {
        prompt_usd_per_million: prompt,
        completion_usd_per_million: completion,
        source: PriceSource::Table,
    })
}

/// The models of `settings` (the model and its fallbacks) that have no price.
pub fn unpriced_models(settings: &AiSettings) -> Vec<String> {
    settings
        .models()
        .into_iter()
        .filter(|model| price_of(settings, model).is_none())
        .collect()
}

/// The plain-words refusal when models have no price.
pub fn unpriced_message(models: &[String]) -> String {
    let example = models.first().map_or("MODEL", String::as_str);
    format!(
        "OmniCRM does not know the price of {}, so it cannot keep AI spending under the cost \
         caps. Set each price in US dollars per million prompt and completion tokens, as the \
         provider lists them: in Settings → AI, or with `omnicrm ai config --price \
         {example}=INPUT/OUTPUT` (for example --price {example}=0.15/0.60).",
        models.join(", ")
    )
}

/// The most tokens `messages` and `tools` can be: every byte of their JSON as one token (no
/// tokenizer makes a token of less than a byte), plus the template's markers per message.
pub fn prompt_tokens_at_most(messages: &[ChatMessage], tools: &[ToolDefinition]) -> u64 {
    let markers = TOKENS_PER_MESSAGE.saturating_mul(messages.len() as u64 + 1);
    messages
        .iter()
        .map(json_len)
        .chain(tools.iter().map(json_len))
        .fold(markers, u64::saturating_add)
}

/// The most one call can cost in US dollars, whichever of `models` answers: `prompt_tokens`
/// in and `max_output_tokens` out at the dearest model's price. Refuses when a model has no
/// price.
pub fn worst_case_usd(
    settings: &AiSettings,
    models: &[String],
    prompt_tokens: u64,
    max_output_tokens: u32,
) -> Result<f64> {
    let unpriced: Vec<String> = models
        .iter()
        .filter(|model| price_of(settings, model).is_none())
        .cloned()
        .collect();
    if !unpriced.is_empty() {
        return Err(Error::new(
            ErrorCode::AiUnavailable,
            unpriced_message(&unpriced),
        ));
    }
    Ok(models
        .iter()
        .filter_map(|model| price_of(settings, model))
        .map(|price| price.cost_of(prompt_tokens, u64::from(max_output_tokens)))
        .fold(0.0, f64::max))
}

/// How many bytes `value` is as JSON, without keeping the text.
fn json_len<T: serde::Serialize>(value: &T) -> u64 {
    let mut counter = ByteCounter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        // Plain data always serializes; were it not to, the prompt counts as too large to
        // afford, so the call is refused rather than under-counted.
        Err(_) => u64::MAX,
    }
}

struct ByteCounter(u64);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.0 += buffer.len() as u64;
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ProviderLocation;

    #[test]
    fn openai_names_find_the_openrouter_row_and_unknown_models_have_no_price() {
        assert_eq!(table_price("openai/gpt-4o-mini"), Some((0.15, 0.60)));
        assert_eq!(table_price("gpt-4o-mini"), Some((0.15, 0.60)));
        assert_eq!(table_price("someone/unknown-model"), None);
    }

    #[test]
    fn the_users_price_wins_and_a_local_provider_is_free() {
        let mut settings = AiSettings {
            prices: vec![ModelPrice {
                model: "openai/gpt-4o-mini".to_owned(),
                prompt_usd_per_million: 1.0,
                completion_usd_per_million: 2.0,
            }],
            ..AiSettings::default()
        };
        let price = price_of(&settings, "openai/gpt-4o-mini");
        assert_eq!(price.map(|price| price.source), Some(PriceSource::User));
        settings.base_url = "http://localhost:11434/v1".to_owned();
        settings.location = ProviderLocation::Auto;
        let price = price_of(&settings, "llama3.2");
        assert_eq!(price.map(|price| price.source), Some(PriceSource::Local));
    }

    #[test]
    fn a_prompt_counts_no_fewer_tokens_than_its_bytes() {
        let text = "x".repeat(1000);
        let tokens = prompt_tokens_at_most(&[ChatMessage::user(text)], &[]);
        assert!(tokens >= 1000, "{tokens}");
    }
}

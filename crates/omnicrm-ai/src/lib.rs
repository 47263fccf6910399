//! OmniCRM's AI assistant.
//!
//! - [`client`]: one call to an OpenAI-compatible chat-completions API (OpenRouter by default,
//!   Ollama or LM Studio on localhost), streamed over server-sent events or not.
//! - [`guardrails`]: requests per minute, a daily cost cap, monthly credits and the usage ledger,
//!   checked and reserved atomically in the database.
//! - [`pricing`]: each model's price and a call's worst case, which the guardrails hold.
//! - [`breaker`]: a persisted circuit breaker per model.
//! - [`engine`]: the one path every call takes (status, redaction, guardrails, breaker, retries,
//!   fallback, settlement, restoration).
//! - [`redaction`]: reversible PII placeholders for cloud providers.
//! - [`settings`]: provider settings in SQLite, the API key in the OS keyring.
//! - [`chat`], [`tools`], [`retrieval`]: threads, the tool loop and citations.
//! - [`proposals`]: writes held for the user's approval.
//! - [`features`], [`prompts`]: contact features with cached, fingerprinted results.

pub mod breaker;
pub mod chat;
pub mod client;
pub mod engine;
pub mod features;
pub mod guardrails;
pub mod pricing;
pub mod prompts;
pub mod proposals;
pub mod redaction;
pub mod retrieval;
pub mod settings;
pub mod sse;
pub mod tools;
pub mod wire;

use std::sync::Arc;

use omnicrm_core::{Core, Result};

pub use chat::{ChatAnswer, ChatService, Message, MessageRole, Thread};
pub use engine::{
    AiEngine, AiStatus, CompletionRequest, ProviderKind, QuestionPlan, StreamEvent,
    UnavailableReason, DEFAULT_MAX_OUTPUT_TOKENS,
};
pub use features::{ContactFeature, FeatureOutput, FeatureResult, FeatureService};
pub use guardrails::{BudgetHold, Guardrails, UsageSummary};
pub use proposals::{Proposal, ProposalService, ProposalStatus, ProposedAction};
pub use retrieval::{
    Citation, ContactKeywordSearch, HybridRecordSearch, RecordHit, RecordSearch,
    RecordSearchFuture, RecordType,
};
pub use settings::{
    AiLimits, AiSettings, ModelPrice, ProviderLocation, ResilienceSettings, SettingsStore,
};

/// The assistant over one core: what the desktop app and the CLI hold.
#[derive(Debug, Clone)]
pub struct Assistant {
    pub engine: AiEngine,
    pub chat: ChatService,
    pub proposals: ProposalService,
    pub features: FeatureService,
    search: Arc<dyn RecordSearch>,
}

impl Assistant {
    /// With core's contact keyword search for retrieval.
    pub fn new(core: Core) -> Self {
        let search = Arc::new(ContactKeywordSearch::new(core.contacts.clone()));
        Self::with_search(core, search)
    }

    /// With another retrieval (the hybrid search, when it is there).
    pub fn with_search(core: Core, search: Arc<dyn RecordSearch>) -> Self {
        let engine = AiEngine::new(core.database.clone(), &core.data_dir);
        let proposals = ProposalService::new(core.clone());
        Self {
            chat: ChatService::new(core.clone(), engine.clone(), proposals.clone()),
            features: FeatureService::new(core, engine.clone(), proposals.clone()),
            engine,
            proposals,
            search,
        }
    }

    pub fn status(&self) -> Result<AiStatus> {
        self.engine.status()
    }

    /// Each limit with how much of it is used.
    pub fn usage(&self) -> Result<UsageSummary> {
        let settings = self.engine.settings().load()?;
        self.engine.guardrails().usage(&settings.limits)
    }

    /// Asks a question (see [`ChatService::ask`]).
    pub async fn ask(
        &self,
        thread_id: Option<&str>,
        question: &str,
        today: &str,
        on_event: &mut (dyn FnMut(StreamEvent) + Send),
    ) -> Result<ChatAnswer> {
        self.chat
            .ask(thread_id, question, today, self.search.as_ref(), on_event)
            .await
    }
}

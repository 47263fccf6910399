//! A real SQLite database in a temporary directory, the fake provider on loopback, and settings
//! pointing one at the other with short timeouts and backoffs.

#![allow(dead_code)]

use std::sync::Once;

use omnicrm_ai::settings::ResilienceSettings;
use omnicrm_ai::{AiLimits, AiSettings, Assistant, ModelPrice, ProviderLocation};
use omnicrm_core::Core;
use omnicrm_secrets::SecretString;

#[path = "fake_provider.rs"]
pub mod fake_provider;

pub use fake_provider::{usage, FakeProvider, Reply};

pub struct Harness {
    pub directory: tempfile::TempDir,
    pub core: Core,
    pub assistant: Assistant,
    pub provider: FakeProvider,
}

pub const KEY: &str = "sk-test-key-1234";

/// Fast, generous-limit settings against the fake provider, which counts as a cloud provider
/// (so redaction is on and the key is sent).
pub fn settings_for(provider: &FakeProvider) -> AiSettings {
    AiSettings {
        base_url: provider.base_url.clone(),
        location: ProviderLocation::Cloud,
        model: "primary-model".to_owned(),
        fallback_models: Vec::new(),
        limits: AiLimits {
            requests_per_minute: 1000,
            daily_cost_cap_usd: 100.0,
            monthly_credits_usd: 1000.0,
            reserve_per_request_usd: 0.0,
        },
        resilience: ResilienceSettings {
            request_timeout_ms: 2_000,
            first_token_timeout_ms: 2_000,
            max_attempts: 3,
            backoff_base_ms: 10,
            backoff_max_ms: 2_000,
            breaker_failure_threshold: 3,
            breaker_cooldown_ms: 60_000,
        },
        // The test models' prices, so the cost caps can be kept (a cloud model without one is
        // refused). Small enough that the caps above are never near.
        prices: ["primary-model", "backup-model", "word-test-model"]
            .into_iter()
            .map(|model| ModelPrice {
                model: model.to_owned(),
                prompt_usd_per_million: 1.0,
                completion_usd_per_million: 2.0,
            })
            .collect(),
        ..AiSettings::default()
    }
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(change: impl FnOnce(&mut AiSettings)) -> Self {
        use_encrypted_file_secrets();
        let directory = tempfile::tempdir().unwrap();
        let core = Core::open(directory.path()).unwrap();
        let provider = FakeProvider::start().await;
        let assistant = Assistant::new(core.clone());
        let mut settings = settings_for(&provider);
        change(&mut settings);
        assistant.engine.settings().save(&settings).unwrap();
        assistant
            .engine
            .settings()
            .set_api_key(&SecretString::from(KEY.to_owned()))
            .unwrap();
        Self {
            directory,
            core,
            assistant,
            provider,
        }
    }

    pub fn update_settings(&self, change: impl FnOnce(&mut AiSettings)) {
        let mut settings = self.assistant.engine.settings().load().unwrap();
        change(&mut settings);
        self.assistant.engine.settings().save(&settings).unwrap();
    }

    pub fn settings(&self) -> AiSettings {
        self.assistant.engine.settings().load().unwrap()
    }
}

/// Tests never touch the machine's keyring: every test in the process asks for the encrypted
/// file in its own temporary data directory.
fn use_encrypted_file_secrets() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var(omnicrm_secrets::STORAGE_ENV, "encrypted_file");
    });
}

import type { AiSettings, AiSettingsState, AiStatus, Proposal, UsageSummary } from "../api";

export const aiSettings: AiSettings = {
  base_url: "https://openrouter.ai/api/v1",
  location: "auto",
  model: "openai/gpt-4o-mini",
  fallback_models: ["anthropic/claude-3.5-haiku"],
  enabled: true,
  redact_cloud: true,
  limits: { requests_per_minute: 20, daily_cost_cap_usd: 1, monthly_credits_usd: 10, reserve_per_request_usd: 0.01 },
  prices: [],
  resilience: {
    request_timeout_ms: 60000,
    first_token_timeout_ms: 15000,
    max_attempts: 3,
    backoff_base_ms: 500,
    backoff_max_ms: 20000,
    breaker_failure_threshold: 3,
    breaker_cooldown_ms: 60000,
  },
  api_key_backend: null,
};

export function settingsState(change: Partial<AiSettings> = {}, apiKeyStored = false): AiSettingsState {
  return { settings: { ...aiSettings, ...change }, api_key_stored: apiKeyStored };
}

export const aiOn: AiStatus = {
  available: true,
  reason: null,
  message: null,
  provider: "cloud",
  base_url: "https://openrouter.ai/api/v1",
  models: ["openai/gpt-4o-mini"],
  redacts: true,
  privacy: "Personal data is replaced by placeholders before it is sent.",
};

export const aiOffNoKey: AiStatus = {
  ...aiOn,
  available: false,
  reason: "missing_api_key",
  message: "Add an API key in Settings → AI assistant.",
};

export const usage: UsageSummary = {
  minute: { limit: 20, used: 5, resets_at: "2026-11-22T12:01:00.000Z" },
  today: { limit: 1, used: 0.25, resets_at: "2026-11-23T00:00:00.000Z" },
  month: { limit: 10, used: 7.5, resets_at: "2026-12-01T00:00:00.000Z" },
  by_model: [{ model: "openai/gpt-4o-mini", requests: 42, prompt_tokens: 12000, completion_tokens: 3400, cost_usd: 7.5 }],
};

export const taskProposal: Proposal = {
  id: "prop-1",
  thread_id: "thread-1",
  action: { kind: "create_task", title: "Call Maya about rescheduling", description: null, due_date: "2026-11-25", contact_id: "contact-maya" },
  status: "pending",
  result: null,
  created_at: "2026-11-22T12:00:00.000Z",
  decided_at: null,
};

-- 0009: the AI assistant (crate omnicrm-ai). Device-local state, not in the change log: provider
-- settings (never the API key, which lives in the OS keyring), the usage ledger the guardrails
-- count, circuit breakers, chat threads, proposals awaiting approval and cached feature results.

-- One row: the non-secret provider settings and limits as JSON (see omnicrm-ai settings.rs).
CREATE TABLE ai_settings (
    id            INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    settings_json TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- One row per provider call. A call is `reserved` (checked against the limits and counted)
-- before it leaves, then `settled` with the provider's usage, or `failed` (counted as a request,
-- cost zero). Costs are in millionths of a US dollar so sums are exact.
CREATE TABLE ai_usage (
    id                TEXT PRIMARY KEY NOT NULL,
    purpose           TEXT NOT NULL,
    model             TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('reserved', 'settled', 'failed')),
    reserved_at       TEXT NOT NULL,
    settled_at        TEXT,
    reserved_micros   INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micros       INTEGER NOT NULL DEFAULT 0,
    -- 'provider' (usage.cost), 'price_table', or 'unknown' (no price for the model).
    cost_source       TEXT NOT NULL DEFAULT 'unknown'
);
CREATE INDEX ai_usage_by_time ON ai_usage (reserved_at);

-- A circuit breaker per model: shared by every process on this database.
CREATE TABLE ai_breakers (
    model                TEXT PRIMARY KEY NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    open_until           TEXT,
    probe_started_at     TEXT,
    last_error           TEXT,
    updated_at           TEXT NOT NULL
);

CREATE TABLE ai_threads (
    id         TEXT PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);

CREATE TABLE ai_messages (
    id             TEXT PRIMARY KEY NOT NULL,
    thread_id      TEXT NOT NULL REFERENCES ai_threads (id),
    role           TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content        TEXT NOT NULL,
    -- [{record_type, id, title}]: the records the answer used.
    citations_json TEXT NOT NULL DEFAULT '[]',
    model          TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX ai_messages_by_thread ON ai_messages (thread_id, created_at, id);

-- Writes the model asked for; nothing happens until the user approves one.
CREATE TABLE ai_proposals (
    id           TEXT PRIMARY KEY NOT NULL,
    thread_id    TEXT REFERENCES ai_threads (id),
    contact_id   TEXT,
    kind         TEXT NOT NULL CHECK (kind IN ('create_task', 'add_note', 'draft_email',
                     'set_lifecycle_stage', 'add_tags')),
    payload_json TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    result_json  TEXT,
    created_at   TEXT NOT NULL,
    decided_at   TEXT
);
CREATE INDEX ai_proposals_by_status ON ai_proposals (status, created_at);

-- Contact feature results, keyed by a hash of the prompt inputs and the model, so an identical
-- request is answered from here instead of paid for again.
CREATE TABLE ai_results (
    fingerprint TEXT PRIMARY KEY NOT NULL,
    feature     TEXT NOT NULL,
    contact_id  TEXT,
    model       TEXT NOT NULL,
    output_json TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX ai_results_by_contact ON ai_results (contact_id, feature, created_at);

-- 0008: Gmail and Calendar sync. A sync runs as a batch: the user previews, approves, jobs fetch
-- raw events, raw events are normalized into interactions, and unknown people become contact
-- suggestions. The batch id is also the change_log batch of every interaction and contact the
-- sync created, so undoing the batch reverts them together with the rows below.

-- One approved sync of one account.
CREATE TABLE sync_batches (
    id             TEXT PRIMARY KEY NOT NULL,   -- also the change_log batch_id
    account_id     TEXT NOT NULL,
    account_email  TEXT NOT NULL,
    providers_json TEXT NOT NULL,               -- ["gmail", "google_calendar"]
    finished_providers_json TEXT NOT NULL DEFAULT '[]', -- whose job has finished
    settings_json  TEXT NOT NULL,               -- queries and time window as approved
    status         TEXT NOT NULL CHECK (status IN ('approved', 'running', 'completed',
                       'failed', 'undone')),
    fetched        INTEGER NOT NULL DEFAULT 0,
    normalized     INTEGER NOT NULL DEFAULT 0,
    suggested      INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    completed_at   TEXT,
    undone_at      TEXT
);
CREATE INDEX sync_batches_by_account ON sync_batches (account_id, created_at);

-- Every step the user or a job took: preview, approve, run, reconcile, undo.
CREATE TABLE sync_audit (
    id           TEXT PRIMARY KEY NOT NULL,
    batch_id     TEXT,
    account_id   TEXT NOT NULL,
    provider     TEXT,
    action       TEXT NOT NULL CHECK (action IN ('preview', 'approve', 'run', 'reconcile',
                     'undo')),
    outcome      TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    details_json TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
CREATE INDEX sync_audit_by_batch ON sync_audit (batch_id, created_at);
CREATE INDEX sync_audit_by_account ON sync_audit (account_id, created_at);

-- Where the next incremental sync starts (Gmail historyId, Calendar syncToken), and, while a
-- full sync runs, the page it has reached, so a crashed job resumes where it stopped.
CREATE TABLE sync_cursors (
    account_id  TEXT NOT NULL,
    provider    TEXT NOT NULL,
    cursor      TEXT,
    page_token  TEXT,
    page_stream TEXT,
    batch_id    TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, provider)
) WITHOUT ROWID;

-- Everything fetched, stored as the provider sent it, once per (provider, source id).
CREATE TABLE raw_events (
    id              TEXT PRIMARY KEY NOT NULL,
    provider        TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    batch_id        TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    normalized_json TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'normalized', 'unlinked',
                        'skipped', 'failed')),
    status_reason   TEXT,
    interaction_id  TEXT,
    fetched_at      TEXT NOT NULL,
    processed_at    TEXT
);
CREATE UNIQUE INDEX raw_events_by_source ON raw_events (provider, source_id);
CREATE INDEX raw_events_by_batch ON raw_events (batch_id, status);

-- The addresses each raw event mentions, so approving a suggestion can link earlier mail.
CREATE TABLE raw_event_addresses (
    raw_event_id     TEXT NOT NULL REFERENCES raw_events (id) ON DELETE CASCADE,
    email_normalized TEXT NOT NULL,
    PRIMARY KEY (raw_event_id, email_normalized)
) WITHOUT ROWID;
CREATE INDEX raw_event_addresses_by_email ON raw_event_addresses (email_normalized);

-- People seen in mail and calendars who are not contacts yet, held for the user to approve.
CREATE TABLE contact_suggestions (
    id               TEXT PRIMARY KEY NOT NULL,
    batch_id         TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_normalized TEXT NOT NULL,
    display_name     TEXT,
    reason           TEXT NOT NULL,
    source           TEXT NOT NULL,
    occurrences      INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'dismissed')),
    contact_id       TEXT,
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    decided_at       TEXT
);
CREATE UNIQUE INDEX contact_suggestions_open ON contact_suggestions (email_normalized)
    WHERE status = 'pending';
CREATE INDEX contact_suggestions_by_batch ON contact_suggestions (batch_id);

-- Addresses the user said are not contacts; never suggested again, even after an undo.
CREATE TABLE contact_suggestion_dismissals (
    email_normalized TEXT PRIMARY KEY NOT NULL,
    email            TEXT NOT NULL,
    dismissed_at     TEXT NOT NULL
) WITHOUT ROWID;

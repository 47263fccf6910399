-- 0003: the durable job queue. A job is claimed under a lease; a worker that dies leaves its
-- lease to expire and the job is claimed again.

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    payload_json     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed',
                         'dead', 'canceled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    last_error       TEXT,
    batch_id         TEXT,
    idempotency_key  TEXT UNIQUE,
    progress_done    INTEGER NOT NULL DEFAULT 0,
    progress_total   INTEGER,
    run_at           TEXT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT
);

-- Ready work, oldest due first; expired leases.
CREATE INDEX jobs_due     ON jobs (run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_leased  ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_by_status ON jobs (status, updated_at);
CREATE INDEX jobs_by_batch  ON jobs (batch_id) WHERE batch_id IS NOT NULL;

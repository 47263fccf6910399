-- 0005: one row per import, so the UI and CLI can list imports and undo one as a whole. The
-- import's batch id is the change-log batch of everything it wrote.

CREATE TABLE imports (
    id          TEXT PRIMARY KEY NOT NULL,   -- also the change_log batch_id
    file_name   TEXT,
    format      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'undone')),
    created     INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    merged      INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    undone_at   TEXT
);
CREATE INDEX imports_by_time ON imports (created_at);

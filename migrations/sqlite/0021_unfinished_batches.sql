-- 0021: writes too large for one short transaction (imports, demo data) are committed in
-- chunks, as one undoable batch. Each is listed here from its first chunk until the
-- transaction of its last one, so a batch a crash cut short is rolled back as a whole when the
-- data folder is next opened.
CREATE TABLE unfinished_batches (
    batch_id   TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    started_at TEXT NOT NULL
);

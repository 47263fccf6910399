-- Fields of synced records that two devices wrote at the same time, as this device last read
-- them from the records' documents (device-local: settling one is a document change, which
-- travels like any other).
CREATE TABLE sync_conflicts (
    id          TEXT PRIMARY KEY NOT NULL,
    record_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    -- The document's field name.
    field       TEXT NOT NULL,
    -- The value every device shows, and one it was chosen over ('' for none).
    chosen      TEXT NOT NULL,
    other       TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    UNIQUE (record_id, field, other)
);

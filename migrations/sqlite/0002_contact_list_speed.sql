-- 0002: indexes and a live-contact counter that keep the contacts list fast at 100k contacts.

-- Filtered lists walk these in name order, and count a filter's range without touching rows.
CREATE INDEX contacts_by_stage_name  ON contacts (lifecycle_stage, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_status_name ON contacts (client_status, sort_name, id)   WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_source_name ON contacts (source, sort_name, id)          WHERE deleted_at IS NULL;

-- The number of live contacts, kept by triggers so the unfiltered list never counts rows.
CREATE TABLE contact_totals (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    live INTEGER NOT NULL
);
INSERT INTO contact_totals (id, live)
SELECT 1, COUNT(*) FROM contacts WHERE deleted_at IS NULL;

CREATE TRIGGER contact_totals_after_insert AFTER INSERT ON contacts
WHEN NEW.deleted_at IS NULL
BEGIN
    UPDATE contact_totals SET live = live + 1 WHERE id = 1;
END;

CREATE TRIGGER contact_totals_after_tombstone AFTER UPDATE OF deleted_at ON contacts
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    UPDATE contact_totals SET live = live - 1 WHERE id = 1;
END;

CREATE TRIGGER contact_totals_after_restore AFTER UPDATE OF deleted_at ON contacts
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    UPDATE contact_totals SET live = live + 1 WHERE id = 1;
END;

CREATE TRIGGER contact_totals_after_delete AFTER DELETE ON contacts
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE contact_totals SET live = live - 1 WHERE id = 1;
END;

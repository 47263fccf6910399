-- 0024: a record of every disclosure (issue 23). Which client record was viewed, exported,
-- printed, sent to an AI provider or shared to the team workspace; when, and from which device.
--
-- Append-only: rows are never changed, and a row is only removed once it is older than the
-- retention the user chose (setting access_log.retention_days, 2190 days = 6 years unless set),
-- or when the user deletes all data (which sets access_log.erasing in the same transaction).
-- contact_id is NULL for a disclosure of many clients at once (a whole export); detail says
-- what, in plain words (the format, the provider and model and the fields sent).
CREATE TABLE access_log (
    id          TEXT PRIMARY KEY NOT NULL,
    occurred_at TEXT NOT NULL,
    contact_id  TEXT,
    action      TEXT NOT NULL CHECK (action IN
                    ('viewed', 'exported', 'printed', 'sent_to_ai', 'shared_with_team')),
    detail      TEXT NOT NULL,
    device      TEXT NOT NULL
);
CREATE INDEX access_log_by_contact ON access_log (contact_id, occurred_at);
CREATE INDEX access_log_by_time ON access_log (occurred_at);

CREATE TRIGGER access_log_is_append_only BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER access_log_keeps_rows_for_the_retention BEFORE DELETE ON access_log
WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = 'access_log.erasing')
 AND OLD.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
        '-' || COALESCE((SELECT value FROM settings WHERE key = 'access_log.retention_days'),
                        '2190') || ' days')
BEGIN
    SELECT RAISE(ABORT, 'the access log keeps every entry for the chosen retention');
END;

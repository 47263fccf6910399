-- 0025: the Today page without reading every contact and every interaction (issue 22: 6.4 s
-- at 100k contacts and 1M interactions). Three parts: the day's meetings and the week's
-- birthdays by index, and the people due from a clock kept by triggers.

-- Today's meetings: the calendar events of one day.
CREATE INDEX interactions_calendar_by_time ON interactions (occurred_at)
    WHERE kind = 'calendar_event' AND deleted_at IS NULL;

-- Birthdays: contacts by the month and day of their date of birth ('MM-DD', from
-- 'YYYY-MM-DD' or '--MM-DD'); '' for a date written any other way, which the read always
-- checks itself. The expression is repeated word for word in reminders.rs.
CREATE INDEX contacts_by_birthday ON contacts (
    CASE WHEN date_of_birth GLOB '--[0-9][0-9]-[0-9][0-9]' THEN substr(date_of_birth, 3, 5)
         WHEN date_of_birth GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
             THEN substr(date_of_birth, 6, 5)
         ELSE '' END)
    WHERE deleted_at IS NULL AND date_of_birth IS NOT NULL;

-- People due ---------------------------------------------------------------------------------
--
-- keep_in_touch_clock: one row per live contact, kept by the triggers below on every write
-- that can change it (whatever the path: a service, undo, a merge, an import, team sync's
-- remote changes, Google sync), never written by the services themselves:
-- - own, snoozed_until: the contact's live own setting (keep_in_touch);
-- - tag_cadence, tag_name: the most frequent default among the contact's live tags (the
--   shortest cadence; of equal ones the tag whose name sorts first), NULL when none has one;
-- - touch_*: the newest interaction or note that had happened when the row was last
--   refreshed (the "last contact": an interaction wins over a note at the same instant);
--   for a note, touch_subject is its first words as keep_in_touch.rs `first_words` writes
--   them: the first line that is not blank, trimmed of Unicode white space (the 25 characters
--   listed), cut to 80 characters with '…' after;
-- - rule: the contact's own cadence, else its tag default ('none' when turned off for them);
--   NULL when the stage default (read from keep_in_touch_defaults) is all that can apply;
-- - since_at: the last contact, else when the contact was added: the cadence runs from it.
-- The stage default is not copied here: the page reads each stage's people by (stage,
-- since_at), so changing a stage default rewrites nothing.
--
-- Meetings still to come: an interaction (or note) whose time is later than the moment it
-- is written cannot be the last contact yet. It is put in keep_in_touch_pending; once its
-- time has passed, the Today read works out that contact's last contact afresh (a bounded
-- number: the meetings that passed since), and the next interaction or note written settles
-- every passed entry (refreshes those contacts and drops the entries).
CREATE TABLE keep_in_touch_clock (
    contact_id    TEXT PRIMARY KEY NOT NULL,
    display_name  TEXT NOT NULL,
    stage         TEXT,
    created_at    TEXT NOT NULL,
    own           TEXT,
    snoozed_until TEXT,
    tag_cadence   TEXT,
    tag_name      TEXT,
    touch_at      TEXT,
    touch_kind    TEXT,
    touch_subject TEXT,
    touch_source  TEXT,
    rule          TEXT GENERATED ALWAYS AS (coalesce(own, tag_cadence)) VIRTUAL,
    since_at      TEXT GENERATED ALWAYS AS (coalesce(touch_at, created_at)) VIRTUAL
) WITHOUT ROWID;
-- Each row is in one of these two indexes, which hold every column the read needs, so the
-- people due are one index range each, with no lookup of their rows.
CREATE INDEX keep_in_touch_clock_by_rule ON keep_in_touch_clock (
    rule, since_at, display_name, stage, created_at, own, snoozed_until, tag_cadence, tag_name,
    touch_at, touch_kind, touch_subject, touch_source)
    WHERE rule IS NOT NULL;
CREATE INDEX keep_in_touch_clock_by_stage ON keep_in_touch_clock (
    stage, since_at, display_name, created_at, own, snoozed_until, tag_cadence, tag_name,
    touch_at, touch_kind, touch_subject, touch_source, rule)
    WHERE rule IS NULL;

CREATE TABLE keep_in_touch_pending (
    contact_id TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX keep_in_touch_pending_by_time ON keep_in_touch_pending (at);

-- Inserting (contact_id, part) here recomputes that part of the contact's clock row: 'touch'
-- (the last contact) or 'tags' (the tag default). The row itself is never stored.
CREATE TABLE keep_in_touch_refresh (
    contact_id TEXT NOT NULL,
    part       TEXT NOT NULL
);

CREATE TRIGGER keep_in_touch_refresh_touch BEFORE INSERT ON keep_in_touch_refresh
WHEN NEW.part = 'touch'
BEGIN
    UPDATE keep_in_touch_clock
    SET (touch_at, touch_kind, touch_subject, touch_source) = (
        SELECT at, kind, subject, source FROM (
            SELECT * FROM (
                SELECT ic.occurred_at AS at, 1 AS rank, i.kind AS kind, i.subject AS subject,
                       i.source AS source
                FROM interaction_contacts ic
                JOIN interactions i ON i.id = ic.interaction_id AND i.deleted_at IS NULL
                WHERE ic.contact_id = NEW.contact_id
                  AND ic.occurred_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                ORDER BY ic.occurred_at DESC, ic.interaction_id DESC
                LIMIT 1
            )
            UNION ALL
            SELECT * FROM (
                SELECT n.created_at AS at, 0 AS rank, 'note' AS kind,
                       (SELECT CASE WHEN length(line) > 80 THEN substr(line, 1, 80) || '…'
                                    ELSE line END
                        FROM (SELECT rtrim(CASE WHEN instr(rest, char(10)) > 0
                                                THEN substr(rest, 1, instr(rest, char(10)) - 1)
                                                ELSE rest END,
                                           char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)) AS line
                              FROM (SELECT ltrim(n.body, char(9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)) AS rest))) AS subject,
                       NULL AS source
                FROM notes n
                WHERE n.contact_id = NEW.contact_id AND n.deleted_at IS NULL
                  AND n.created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                ORDER BY n.created_at DESC, n.id DESC
                LIMIT 1
            )
        )
        ORDER BY at DESC, rank DESC
        LIMIT 1
    )
    WHERE contact_id = NEW.contact_id;
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER keep_in_touch_refresh_tags BEFORE INSERT ON keep_in_touch_refresh
WHEN NEW.part = 'tags'
BEGIN
    UPDATE keep_in_touch_clock
    SET (tag_cadence, tag_name) = (
        SELECT d.cadence, t.name
        FROM contact_tags ct
        JOIN tags t ON t.id = ct.tag_id AND t.deleted_at IS NULL
        JOIN keep_in_touch_defaults d
          ON d.scope = 'tag' AND d.target = ct.tag_id AND d.deleted_at IS NULL
        WHERE ct.contact_id = NEW.contact_id
        ORDER BY CAST(substr(d.cadence, 1, length(d.cadence) - 1) AS INTEGER)
                     * CASE substr(d.cadence, -1) WHEN 'd' THEN 1 WHEN 'w' THEN 7 ELSE 30 END,
                 t.name COLLATE BINARY
        LIMIT 1
    )
    WHERE contact_id = NEW.contact_id;
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER keep_in_touch_refresh_ignored BEFORE INSERT ON keep_in_touch_refresh
WHEN NEW.part NOT IN ('touch', 'tags')
BEGIN
    SELECT RAISE(IGNORE);
END;

-- Contacts ---------------------------------------------------------------------------------
-- A new contact (an import writes 100k) has no interactions, notes or tags yet, so the parts
-- are refreshed only when there are some (a contact brought back by team sync may).
CREATE TRIGGER keep_in_touch_clock_after_contact_insert AFTER INSERT ON contacts
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT OR REPLACE INTO keep_in_touch_clock
        (contact_id, display_name, stage, created_at, own, snoozed_until)
    SELECT NEW.id, NEW.display_name, NEW.lifecycle_stage, NEW.created_at,
           (SELECT cadence FROM keep_in_touch WHERE contact_id = NEW.id AND deleted_at IS NULL),
           (SELECT snoozed_until FROM keep_in_touch
            WHERE contact_id = NEW.id AND deleted_at IS NULL);
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT NEW.id, 'touch'
    WHERE EXISTS (SELECT 1 FROM interaction_contacts WHERE contact_id = NEW.id)
       OR EXISTS (SELECT 1 FROM notes WHERE contact_id = NEW.id AND deleted_at IS NULL);
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT NEW.id, 'tags' WHERE EXISTS (SELECT 1 FROM contact_tags WHERE contact_id = NEW.id);
END;

CREATE TRIGGER keep_in_touch_clock_after_contact_restore AFTER UPDATE OF deleted_at ON contacts
WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL
BEGIN
    INSERT OR REPLACE INTO keep_in_touch_clock
        (contact_id, display_name, stage, created_at, own, snoozed_until)
    SELECT NEW.id, NEW.display_name, NEW.lifecycle_stage, NEW.created_at,
           (SELECT cadence FROM keep_in_touch WHERE contact_id = NEW.id AND deleted_at IS NULL),
           (SELECT snoozed_until FROM keep_in_touch
            WHERE contact_id = NEW.id AND deleted_at IS NULL);
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (NEW.id, 'touch'), (NEW.id, 'tags');
END;

CREATE TRIGGER keep_in_touch_clock_after_contact_tombstone AFTER UPDATE OF deleted_at ON contacts
WHEN NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM keep_in_touch_clock WHERE contact_id = OLD.id;
END;

CREATE TRIGGER keep_in_touch_clock_after_contact_update AFTER UPDATE ON contacts
WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NULL
 AND (NEW.display_name IS NOT OLD.display_name
      OR NEW.lifecycle_stage IS NOT OLD.lifecycle_stage
      OR NEW.created_at IS NOT OLD.created_at)
BEGIN
    UPDATE keep_in_touch_clock
    SET display_name = NEW.display_name, stage = NEW.lifecycle_stage, created_at = NEW.created_at
    WHERE contact_id = NEW.id;
END;

CREATE TRIGGER keep_in_touch_clock_after_contact_delete AFTER DELETE ON contacts
BEGIN
    DELETE FROM keep_in_touch_clock WHERE contact_id = OLD.id;
END;

-- Own settings -----------------------------------------------------------------------------
CREATE TRIGGER keep_in_touch_clock_after_own_insert AFTER INSERT ON keep_in_touch
BEGIN
    UPDATE keep_in_touch_clock
    SET (own, snoozed_until) = (
        SELECT k.cadence, k.snoozed_until FROM keep_in_touch k
        WHERE k.contact_id = keep_in_touch_clock.contact_id AND k.deleted_at IS NULL)
    WHERE contact_id = NEW.contact_id;
END;

CREATE TRIGGER keep_in_touch_clock_after_own_update AFTER UPDATE ON keep_in_touch
BEGIN
    UPDATE keep_in_touch_clock
    SET (own, snoozed_until) = (
        SELECT k.cadence, k.snoozed_until FROM keep_in_touch k
        WHERE k.contact_id = keep_in_touch_clock.contact_id AND k.deleted_at IS NULL)
    WHERE contact_id IN (NEW.contact_id, OLD.contact_id);
END;

CREATE TRIGGER keep_in_touch_clock_after_own_delete AFTER DELETE ON keep_in_touch
BEGIN
    UPDATE keep_in_touch_clock
    SET (own, snoozed_until) = (
        SELECT k.cadence, k.snoozed_until FROM keep_in_touch k
        WHERE k.contact_id = keep_in_touch_clock.contact_id AND k.deleted_at IS NULL)
    WHERE contact_id = OLD.contact_id;
END;

-- Tag defaults -----------------------------------------------------------------------------
-- Only a tag with a live default can change a contact's tag cadence.
CREATE TRIGGER keep_in_touch_clock_after_tagging AFTER INSERT ON contact_tags
WHEN EXISTS (SELECT 1 FROM keep_in_touch_defaults
             WHERE scope = 'tag' AND target = NEW.tag_id AND deleted_at IS NULL)
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (NEW.contact_id, 'tags');
END;

CREATE TRIGGER keep_in_touch_clock_after_untagging AFTER DELETE ON contact_tags
WHEN EXISTS (SELECT 1 FROM keep_in_touch_defaults
             WHERE scope = 'tag' AND target = OLD.tag_id AND deleted_at IS NULL)
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (OLD.contact_id, 'tags');
END;

CREATE TRIGGER keep_in_touch_clock_after_tag_update AFTER UPDATE ON tags
WHEN (NEW.name IS NOT OLD.name OR NEW.deleted_at IS NOT OLD.deleted_at OR NEW.id IS NOT OLD.id)
 AND EXISTS (SELECT 1 FROM keep_in_touch_defaults
             WHERE scope = 'tag' AND target IN (NEW.id, OLD.id) AND deleted_at IS NULL)
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'tags' FROM contact_tags WHERE tag_id IN (NEW.id, OLD.id);
END;

CREATE TRIGGER keep_in_touch_clock_after_tag_delete AFTER DELETE ON tags
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'tags' FROM contact_tags WHERE tag_id = OLD.id;
END;

CREATE TRIGGER keep_in_touch_clock_after_default_insert AFTER INSERT ON keep_in_touch_defaults
WHEN NEW.scope = 'tag'
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'tags' FROM contact_tags WHERE tag_id = NEW.target;
END;

CREATE TRIGGER keep_in_touch_clock_after_default_update AFTER UPDATE ON keep_in_touch_defaults
WHEN OLD.scope = 'tag' OR NEW.scope = 'tag'
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'tags' FROM contact_tags
    WHERE tag_id IN (NEW.target, OLD.target);
END;

CREATE TRIGGER keep_in_touch_clock_after_default_delete AFTER DELETE ON keep_in_touch_defaults
WHEN OLD.scope = 'tag'
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'tags' FROM contact_tags WHERE tag_id = OLD.target;
END;

-- Interactions and notes: the last contact --------------------------------------------------
-- Each trigger that adds an interaction link or a note also settles the pending entries whose
-- time has passed (one index probe when there are none).
CREATE TRIGGER keep_in_touch_clock_after_link_insert AFTER INSERT ON interaction_contacts
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (NEW.contact_id, 'touch');
    INSERT INTO keep_in_touch_pending (contact_id, at)
    SELECT NEW.contact_id, NEW.occurred_at
    WHERE NEW.occurred_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT DISTINCT contact_id, 'touch' FROM keep_in_touch_pending
    WHERE at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
    DELETE FROM keep_in_touch_pending WHERE at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;

CREATE TRIGGER keep_in_touch_clock_after_link_update AFTER UPDATE ON interaction_contacts
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    VALUES (OLD.contact_id, 'touch'), (NEW.contact_id, 'touch');
    INSERT INTO keep_in_touch_pending (contact_id, at)
    SELECT NEW.contact_id, NEW.occurred_at
    WHERE NEW.occurred_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;

CREATE TRIGGER keep_in_touch_clock_after_link_delete AFTER DELETE ON interaction_contacts
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (OLD.contact_id, 'touch');
END;

-- The service rewrites an interaction's links on every save (so the triggers above run);
-- this one covers a change of the interaction row alone.
CREATE TRIGGER keep_in_touch_clock_after_interaction_update AFTER UPDATE ON interactions
WHEN NEW.deleted_at IS NOT OLD.deleted_at OR NEW.kind IS NOT OLD.kind
  OR NEW.subject IS NOT OLD.subject OR NEW.source IS NOT OLD.source
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT contact_id, 'touch' FROM interaction_contacts WHERE interaction_id = NEW.id;
END;

CREATE TRIGGER keep_in_touch_clock_after_note_insert AFTER INSERT ON notes
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (NEW.contact_id, 'touch');
    INSERT INTO keep_in_touch_pending (contact_id, at)
    SELECT NEW.contact_id, NEW.created_at
    WHERE NEW.deleted_at IS NULL AND NEW.created_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    SELECT DISTINCT contact_id, 'touch' FROM keep_in_touch_pending
    WHERE at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
    DELETE FROM keep_in_touch_pending WHERE at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;

CREATE TRIGGER keep_in_touch_clock_after_note_update AFTER UPDATE ON notes
WHEN NEW.contact_id IS NOT OLD.contact_id OR NEW.created_at IS NOT OLD.created_at
  OR NEW.deleted_at IS NOT OLD.deleted_at OR NEW.body IS NOT OLD.body
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part)
    VALUES (OLD.contact_id, 'touch'), (NEW.contact_id, 'touch');
    INSERT INTO keep_in_touch_pending (contact_id, at)
    SELECT NEW.contact_id, NEW.created_at
    WHERE NEW.deleted_at IS NULL AND NEW.created_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
END;

CREATE TRIGGER keep_in_touch_clock_after_note_delete AFTER DELETE ON notes
BEGIN
    INSERT INTO keep_in_touch_refresh (contact_id, part) VALUES (OLD.contact_id, 'touch');
END;

-- The rows for the data already there.
INSERT INTO keep_in_touch_clock (contact_id, display_name, stage, created_at, own, snoozed_until)
SELECT c.id, c.display_name, c.lifecycle_stage, c.created_at, k.cadence, k.snoozed_until
FROM contacts c
LEFT JOIN keep_in_touch k ON k.contact_id = c.id AND k.deleted_at IS NULL
WHERE c.deleted_at IS NULL;
INSERT INTO keep_in_touch_refresh (contact_id, part)
SELECT id, 'touch' FROM contacts WHERE deleted_at IS NULL;
INSERT INTO keep_in_touch_refresh (contact_id, part)
SELECT id, 'tags' FROM contacts WHERE deleted_at IS NULL;
INSERT INTO keep_in_touch_pending (contact_id, at)
SELECT contact_id, occurred_at FROM interaction_contacts
WHERE occurred_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
INSERT INTO keep_in_touch_pending (contact_id, at)
SELECT contact_id, created_at FROM notes
WHERE deleted_at IS NULL AND created_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- 0022: keep in touch and reminders (issue 22).
--
-- A contact's own keep-in-touch setting (one live setting per contact).
-- cadence: '30d', '2w', '3m'; 'none' when the practitioner turned it off for this person; NULL
-- when the contact follows the defaults of its tags and stage. snoozed_until: a local date
-- (YYYY-MM-DD) before which the person is not shown as due.
CREATE TABLE keep_in_touch (
    id            TEXT PRIMARY KEY NOT NULL,
    contact_id    TEXT NOT NULL REFERENCES contacts (id),
    cadence       TEXT,
    snoozed_until TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE UNIQUE INDEX keep_in_touch_by_contact ON keep_in_touch (contact_id)
    WHERE deleted_at IS NULL;

-- Default cadences: for every contact carrying a tag (target = the tag's id), or at a
-- lifecycle stage (target = the stage). A contact's own setting wins; of several tag defaults
-- the most frequent one applies, and a tag default wins over the stage's.
CREATE TABLE keep_in_touch_defaults (
    id         TEXT PRIMARY KEY NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('tag', 'stage')),
    target     TEXT NOT NULL,
    cadence    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX keep_in_touch_defaults_by_target
    ON keep_in_touch_defaults (scope, target) WHERE deleted_at IS NULL;

-- "Remind me about this person on DATE", and dates that matter (yearly: an anniversary, the
-- day a client started). due_on is a local date; days_ahead says how early it shows.
-- done_through: the latest occurrence marked done (for a yearly reminder, that year's).
CREATE TABLE reminders (
    id            TEXT PRIMARY KEY NOT NULL,
    contact_id    TEXT NOT NULL REFERENCES contacts (id),
    title         TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    yearly        INTEGER NOT NULL DEFAULT 0,
    days_ahead    INTEGER NOT NULL DEFAULT 0,
    done_through  TEXT,
    snoozed_until TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE INDEX reminders_by_contact ON reminders (contact_id) WHERE deleted_at IS NULL;

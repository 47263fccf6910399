-- 0001: contacts, their emails/phones/tags, keyword search, notes, settings and the change log.
-- Timestamps are RFC 3339 UTC strings; ids are UUIDv7 strings; deletes are soft (deleted_at).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE contacts (
    -- Explicit integer key: it is the rowid of contacts_fts, and VACUUM keeps it stable.
    seq                     INTEGER PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE,
    display_name            TEXT NOT NULL,
    sort_name               TEXT NOT NULL,
    organization            TEXT,
    primary_email           TEXT,
    primary_phone           TEXT,
    address_json            TEXT,
    date_of_birth           TEXT,
    photo                   TEXT,
    lifecycle_stage         TEXT CHECK (lifecycle_stage IN ('prospect', 'new_client', 'core_client',
                                'referring_client', 'vip_client', 'lost_client', 'at_risk_client')),
    stage_rank              INTEGER NOT NULL,
    client_status           TEXT NOT NULL CHECK (client_status IN ('active', 'inactive', 'at_risk', 'churned')),
    source                  TEXT NOT NULL CHECK (source IN ('manual', 'upload', 'gmail_import',
                                'calendar_import', 'onboarding_form')),
    referral_source         TEXT,
    emergency_contact_name  TEXT,
    emergency_contact_phone TEXT,
    health_context_json     TEXT NOT NULL DEFAULT 'null',
    preferences_json        TEXT NOT NULL DEFAULT 'null',
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    deleted_at              TEXT
);

CREATE INDEX contacts_by_name    ON contacts (sort_name, id)             WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_updated ON contacts (updated_at, id)            WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_stage   ON contacts (stage_rank, sort_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_by_created ON contacts (created_at)                WHERE deleted_at IS NULL;

CREATE TABLE contact_emails (
    contact_id         TEXT NOT NULL REFERENCES contacts (id),
    position           INTEGER NOT NULL,
    address            TEXT NOT NULL,
    address_normalized TEXT NOT NULL,
    label              TEXT,
    is_primary         INTEGER NOT NULL,
    PRIMARY KEY (contact_id, position)
) WITHOUT ROWID;
CREATE INDEX contact_emails_by_address ON contact_emails (address_normalized);

CREATE TABLE contact_phones (
    contact_id  TEXT NOT NULL REFERENCES contacts (id),
    position    INTEGER NOT NULL,
    number_e164 TEXT NOT NULL,
    label       TEXT,
    is_primary  INTEGER NOT NULL,
    PRIMARY KEY (contact_id, position)
) WITHOUT ROWID;
CREATE INDEX contact_phones_by_number ON contact_phones (number_e164);

CREATE TABLE tags (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);

CREATE TABLE contact_tags (
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    tag_id     TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_by_tag ON contact_tags (tag_id, contact_id);

-- Keyword search over live contacts; rowid = contacts.seq. Maintained by the contact service.
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    display_name, emails, phones, organization,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

CREATE TABLE notes (
    id         TEXT PRIMARY KEY NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX notes_by_contact ON notes (contact_id, created_at);

-- Every write appends here: sync replays it, undo reverts it.
CREATE TABLE change_log (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    entity              TEXT NOT NULL,
    entity_id           TEXT NOT NULL,
    operation           TEXT NOT NULL CHECK (operation IN ('create', 'update', 'delete', 'restore')),
    before_json         TEXT,
    after_json          TEXT,
    batch_id            TEXT,
    reverts_change_id   TEXT,
    undone_by_change_id TEXT,
    created_at          TEXT NOT NULL
);
CREATE INDEX change_log_by_entity ON change_log (entity, entity_id, seq);
CREATE INDEX change_log_by_batch  ON change_log (batch_id) WHERE batch_id IS NOT NULL;


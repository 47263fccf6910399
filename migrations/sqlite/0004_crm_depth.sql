-- 0004: the rest of the CRM around a contact: tag categories and colours, rich notes,
-- interactions, identities and the ignore list, consents, and zones, projects, tasks and goals.
-- Seeded rows carry fixed UUIDv7 ids so every install (and sync) agrees on them.

-- Tags -------------------------------------------------------------------------------------------
ALTER TABLE tags ADD COLUMN category TEXT CHECK (category IN ('services_modalities',
    'client_demographics', 'schedule_attendance', 'health_wellness', 'marketing_engagement',
    'emotional_mental'));
ALTER TABLE tags ADD COLUMN color TEXT NOT NULL DEFAULT '#64748b';
ALTER TABLE tags ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tags ADD COLUMN updated_at TEXT;
ALTER TABLE tags ADD COLUMN deleted_at TEXT;
UPDATE tags SET updated_at = created_at WHERE updated_at IS NULL;

INSERT INTO tags (id, name, category, color, is_system, created_at, updated_at) VALUES
    ('01a2008d-7400-77ad-a92f-c7638b5a11b2', 'Massage',               'services_modalities',  '#0ea5e9', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7401-71b2-aad4-d3d4e6193caf', 'Yoga',                  'services_modalities',  '#0284c7', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7402-7717-9c09-a436a4485962', 'Reiki',                 'services_modalities',  '#0369a1', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7403-7ef8-8acb-b8ba3317b218', 'Acupuncture',           'services_modalities',  '#38bdf8', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7404-7c67-a445-f3a81ed2153b', 'Meditation',            'services_modalities',  '#7dd3fc', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7405-7fbe-99bc-add3be4b0f06', 'Nutrition',             'services_modalities',  '#075985', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7406-701d-9eae-64b748e5d3ba', 'Prenatal',              'client_demographics',  '#a855f7', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7407-799f-96fc-814a831d7339', 'Senior',                'client_demographics',  '#9333ea', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7408-7a6b-a327-562a084a3670', 'Athlete',               'client_demographics',  '#7e22ce', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7409-7655-a783-e64087a7e6f4', 'Corporate',             'client_demographics',  '#c084fc', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740a-72f5-8a60-8ee08df588eb', 'Weekly',                'schedule_attendance',  '#16a34a', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740b-7249-9774-a5b5fa41fe19', 'Monthly',               'schedule_attendance',  '#15803d', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740c-7831-b371-aa7337b532e3', 'Evening Slots',         'schedule_attendance',  '#22c55e', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740d-7fdd-a23b-dcc1f0d7d017', 'No-Show Risk',          'schedule_attendance',  '#dc2626', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740e-7804-b041-8fba42409644', 'Chronic Pain',          'health_wellness',      '#f97316', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-740f-7fd8-a935-25cbfa74f15a', 'Sleep',                 'health_wellness',      '#ea580c', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7410-721d-8f84-ca3d7f9cbd1e', 'Sports Recovery',       'health_wellness',      '#c2410c', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7411-71f5-b9fc-d063b50f1de5', 'Stress Management',     'health_wellness',      '#fb923c', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7412-71e4-bbfd-94cb858f359f', 'Newsletter',            'marketing_engagement', '#eab308', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7413-73aa-80f4-cb44b07ebfff', 'Referral Partner',      'marketing_engagement', '#ca8a04', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7414-7ad9-86ce-7442ebad304a', 'Event Attendee',        'marketing_engagement', '#a16207', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7415-728d-a4a6-dcddbbf75c47', 'Anxiety Support',       'emotional_mental',     '#db2777', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7416-7061-9901-b360bcb4dc2b', 'Grief Support',         'emotional_mental',     '#be185d', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7417-7e73-80b6-a2bb958b9413', 'Burnout Recovery',      'emotional_mental',     '#f472b6', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z')
ON CONFLICT (name) DO UPDATE SET category = excluded.category, color = excluded.color,
    is_system = 1;

-- Notes: rich text beside the plain text (`body`, used for search), where the note came from,
-- what personal data the detector found in it, and whether it stays on this device.
ALTER TABLE notes ADD COLUMN body_html TEXT;
ALTER TABLE notes ADD COLUMN source_type TEXT NOT NULL DEFAULT 'typed'
    CHECK (source_type IN ('typed', 'voice', 'upload'));
ALTER TABLE notes ADD COLUMN pii_kinds_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE notes ADD COLUMN is_private INTEGER NOT NULL DEFAULT 0;
DROP INDEX notes_by_contact;
CREATE INDEX notes_by_contact ON notes (contact_id, created_at, id) WHERE deleted_at IS NULL;

-- Interactions -----------------------------------------------------------------------------------
CREATE TABLE interactions (
    id                   TEXT PRIMARY KEY NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('email', 'call', 'meeting', 'note', 'web',
                             'calendar_event')),
    subject              TEXT,
    body                 TEXT,
    occurred_at          TEXT NOT NULL,
    duration_minutes     INTEGER,
    source               TEXT NOT NULL,
    source_id            TEXT,
    source_metadata_json TEXT NOT NULL DEFAULT 'null',
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    deleted_at           TEXT
);
CREATE UNIQUE INDEX interactions_by_source ON interactions (source, source_id)
    WHERE source_id IS NOT NULL;

-- Which contacts took part; occurred_at is copied here so a contact's timeline is one index walk.
CREATE TABLE interaction_contacts (
    interaction_id TEXT NOT NULL REFERENCES interactions (id),
    contact_id     TEXT NOT NULL REFERENCES contacts (id),
    occurred_at    TEXT NOT NULL,
    PRIMARY KEY (interaction_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX interaction_contacts_by_contact
    ON interaction_contacts (contact_id, occurred_at, interaction_id);

-- Identities and the ignore list -------------------------------------------------------------
-- Identifiers beyond a contact's own emails and phones (those are identities already).
CREATE TABLE contact_identities (
    id               TEXT PRIMARY KEY NOT NULL,
    contact_id       TEXT NOT NULL REFERENCES contacts (id),
    kind             TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'handle')),
    value            TEXT NOT NULL,
    value_normalized TEXT NOT NULL,
    provider         TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX contact_identities_by_value ON contact_identities (kind, value_normalized)
    WHERE deleted_at IS NULL;
CREATE INDEX contact_identities_by_contact ON contact_identities (contact_id);

-- Every identifier of every contact, live or not; lookups join contacts for liveness.
CREATE VIEW identities AS
    SELECT contact_id, 'email' AS kind, address AS value, address_normalized AS value_normalized,
           'contact' AS provider, NULL AS id
    FROM contact_emails
    UNION ALL
    SELECT contact_id, 'phone', number_e164, number_e164, 'contact', NULL FROM contact_phones
    UNION ALL
    SELECT contact_id, kind, value, value_normalized, provider, id
    FROM contact_identities WHERE deleted_at IS NULL;

-- Identifiers never suggested as contacts: exact addresses, whole domains, or `*` patterns.
CREATE TABLE ignored_identifiers (
    id         TEXT PRIMARY KEY NOT NULL,
    pattern    TEXT NOT NULL,
    reason     TEXT,
    is_system  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX ignored_identifiers_by_pattern ON ignored_identifiers (pattern)
    WHERE deleted_at IS NULL;
INSERT INTO ignored_identifiers (id, pattern, reason, is_system, created_at, updated_at) VALUES
    ('01a2008d-7418-7883-bbe7-d88c407db140', 'noreply@*',        'automated sender', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7419-74ce-a9d2-13d85e95f425', 'no-reply@*',       'automated sender', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-741a-7919-957e-02c389381229', 'donotreply@*',     'automated sender', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-741b-73eb-8229-ec06bde93b46', 'do-not-reply@*',   'automated sender', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-741c-7bef-88fe-fe84e1bb50bf', 'mailer-daemon@*',  'bounce messages',  1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-741d-71e6-987d-81674147cf97', 'notifications@*',  'automated sender', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-741e-7e1b-a08a-ac4b0a14ff79', '*@calendar.google.com', 'calendar robot', 1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z');

-- Consents: each grant or revocation is a row; the newest row of a kind is the current state.
CREATE TABLE consents (
    id          TEXT PRIMARY KEY NOT NULL,
    contact_id  TEXT NOT NULL REFERENCES contacts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('data_processing', 'marketing', 'hipaa',
                    'photography')),
    granted     INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    note        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX consents_by_contact ON consents (contact_id, kind, recorded_at);

-- Productivity -----------------------------------------------------------------------------------
CREATE TABLE zones (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    color      TEXT NOT NULL,
    icon       TEXT,
    position   INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
INSERT INTO zones (id, name, color, icon, position, created_at, updated_at) VALUES
    ('01a2008d-741f-7da6-8584-703594ec0b00', 'Personal Wellness',         '#16a34a', 'leaf',      1, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7420-7033-89e0-7c4691ca7658', 'Self Care',                 '#db2777', 'heart',     2, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7421-7aa7-9251-c21b3dddbdae', 'Admin & Finances',          '#64748b', 'briefcase', 3, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7422-7243-8745-7553c400cc31', 'Business Development',      '#0284c7', 'trending',  4, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7423-742a-be74-77aeaa13b2d3', 'Social Media & Marketing',  '#ca8a04', 'megaphone', 5, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z'),
    ('01a2008d-7424-702d-9426-effc9198982d', 'Client Care',               '#7c3aed', 'users',     6, '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z');

CREATE TABLE projects (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    zone_id     TEXT REFERENCES zones (id),
    status      TEXT NOT NULL CHECK (status IN ('active', 'on_hold', 'completed', 'archived')),
    due_date    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE tasks (
    id             TEXT PRIMARY KEY NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'canceled')),
    priority       TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    due_date       TEXT,
    completed_at   TEXT,
    project_id     TEXT REFERENCES projects (id),
    zone_id        TEXT REFERENCES zones (id),
    parent_task_id TEXT REFERENCES tasks (id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
);
CREATE INDEX tasks_open_by_due ON tasks (due_date, id)
    WHERE deleted_at IS NULL AND status IN ('todo', 'in_progress');
CREATE INDEX tasks_by_parent ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL;
CREATE INDEX tasks_by_project ON tasks (project_id) WHERE project_id IS NOT NULL;

CREATE TABLE task_contacts (
    task_id    TEXT NOT NULL REFERENCES tasks (id),
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (task_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX task_contacts_by_contact ON task_contacts (contact_id, task_id);

CREATE TABLE goals (
    id          TEXT PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL,
    description TEXT,
    kind        TEXT NOT NULL CHECK (kind IN ('practitioner_business', 'practitioner_personal',
                    'client_wellness')),
    status      TEXT NOT NULL CHECK (status IN ('on_track', 'at_risk', 'achieved', 'abandoned')),
    contact_id  TEXT REFERENCES contacts (id),
    target_date TEXT,
    progress    INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX goals_by_contact ON goals (contact_id) WHERE contact_id IS NOT NULL;

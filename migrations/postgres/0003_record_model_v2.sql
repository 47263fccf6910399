-- Schema version 2 of the record documents: every field a user can edit, and the goal, zone,
-- tag and consent kinds. The projection is derived from documents only, so existing rows gain
-- the new columns empty and fill in as documents change or on `omnicrm-sync rebuild-projection`.

ALTER TABLE projected_contacts
    ADD COLUMN emails jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN phones jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN address jsonb,
    ADD COLUMN date_of_birth text,
    ADD COLUMN lifecycle_stage text,
    ADD COLUMN client_status text,
    ADD COLUMN source text,
    ADD COLUMN referral_source text,
    ADD COLUMN preferences jsonb,
    -- Null unless the workspace shares health details (health context, emergency contact).
    ADD COLUMN health jsonb;

ALTER TABLE projected_notes
    ADD COLUMN body_html text,
    ADD COLUMN source_type text;

ALTER TABLE projected_tasks
    ADD COLUMN description text,
    ADD COLUMN status text,
    ADD COLUMN priority text,
    ADD COLUMN due_date text,
    ADD COLUMN completed_at text,
    ADD COLUMN zone_id uuid,
    ADD COLUMN parent_task_id uuid,
    ADD COLUMN contact_ids jsonb NOT NULL DEFAULT '[]';

ALTER TABLE projected_projects
    ADD COLUMN description text,
    ADD COLUMN zone_id uuid,
    ADD COLUMN due_date text;

ALTER TABLE projected_interactions
    ADD COLUMN body text,
    ADD COLUMN duration_minutes integer,
    ADD COLUMN contact_ids jsonb NOT NULL DEFAULT '[]';

CREATE TABLE projected_goals (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    title text NOT NULL,
    description text,
    goal_kind text NOT NULL,
    status text NOT NULL,
    contact_id uuid,
    target_date text,
    progress integer NOT NULL,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_zones (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    name text NOT NULL,
    color text NOT NULL,
    icon text,
    position integer NOT NULL,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_tags (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    name text NOT NULL,
    category text,
    color text NOT NULL,
    is_system boolean NOT NULL,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_consents (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    contact_id uuid,
    consent_kind text NOT NULL,
    granted boolean NOT NULL,
    recorded_at text NOT NULL,
    note text,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

-- Workspaces, members and device tokens.
CREATE TABLE workspaces (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- The workspace root document (indexes the record documents); created with the workspace.
    root_document_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, name)
);

-- Only the SHA-256 of a token is stored; the token itself is shown once, at issue.
CREATE TABLE tokens (
    id uuid PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id uuid REFERENCES members(id) ON DELETE CASCADE,
    token_sha256 bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- A document belongs to the first workspace that wrote it; no other workspace can read it.
-- `seq` grows under the row lock with every stored chunk, so chunk order per document is
-- commit order, which is what other instances catch up by.
CREATE TABLE documents (
    id text PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    seq bigint NOT NULL DEFAULT 0,
    stored_bytes bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_workspace ON documents (workspace_id);

-- Incremental chunks and compacted snapshots. Loading a document loads all its rows in seq
-- order; compaction replaces the rows it read by one snapshot, in one transaction.
CREATE TABLE document_chunks (
    document_id text NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('incremental', 'snapshot')),
    data bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, seq)
);

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    workspace_id uuid NOT NULL,
    document_id text NOT NULL,
    token_id uuid NOT NULL,
    member_id uuid,
    connection_id uuid NOT NULL,
    change_bytes bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_document ON audit_log (document_id, at);

-- Fixed-window counters shared by all instances.
CREATE TABLE rate_limit_counters (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- The projection: merged records as rows, rebuildable from the documents.
CREATE TABLE projected_contacts (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    display_name text NOT NULL,
    company text,
    identities jsonb NOT NULL,
    tags jsonb NOT NULL,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_notes (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    body text NOT NULL,
    contact_id uuid,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_tasks (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    title text NOT NULL,
    done boolean NOT NULL,
    due_at text,
    contact_id uuid,
    project_id uuid,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_projects (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

CREATE TABLE projected_interactions (
    workspace_id uuid NOT NULL,
    record_id uuid NOT NULL,
    document_id text NOT NULL,
    interaction_kind text NOT NULL,
    occurred_at text NOT NULL,
    summary text NOT NULL,
    contact_id uuid,
    deleted_at text,
    PRIMARY KEY (workspace_id, record_id)
);

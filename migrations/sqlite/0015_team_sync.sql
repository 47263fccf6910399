-- Team sync, device-local (none of this syncs): the connection to the team's server (its
-- device token is kept in the secret store, never here), each synced record's Automerge
-- document with the heads the server is known to hold, and how far the change log has been
-- turned into document changes.
CREATE TABLE sync_connection (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    server               TEXT NOT NULL,
    workspace_id         TEXT NOT NULL,
    workspace_name       TEXT NOT NULL,
    root_document_id     TEXT NOT NULL,
    -- The secret store account that holds the device token (unique per data folder, since
    -- the OS keyring is shared by every data folder of the user).
    token_account        TEXT NOT NULL,
    share_health_details INTEGER NOT NULL DEFAULT 0,
    -- The newest change-log seq already turned into document changes.
    change_log_seq       INTEGER NOT NULL DEFAULT 0,
    connected_at         TEXT NOT NULL,
    last_synced_at       TEXT,
    last_error           TEXT
);

CREATE TABLE sync_documents (
    document_id  TEXT PRIMARY KEY NOT NULL,
    -- NULL for the workspace root.
    record_id    TEXT UNIQUE,
    kind         TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    -- The document's heads, and the heads the server is known to hold ('' for none).
    heads        TEXT NOT NULL,
    sent_heads   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL
);

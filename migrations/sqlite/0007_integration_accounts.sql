-- 0007: accounts of outside services (Google) connected on this device. Only state that is not
-- secret lives here; tokens are in the OS keyring or the encrypted secrets file, never in SQLite.
-- This is device-local state: it is not recorded in the change log and does not sync (each
-- device signs in for itself and holds its own tokens).

CREATE TABLE integration_accounts (
    id                TEXT PRIMARY KEY NOT NULL,
    provider          TEXT NOT NULL CHECK (provider IN ('google')),
    email             TEXT NOT NULL,
    -- The scopes granted, space-separated (as OAuth 2 writes them).
    scopes            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('connected', 'disconnected')),
    -- Why the account is disconnected, in plain words for the user.
    status_reason     TEXT,
    -- Where the tokens are: the OS keyring or the encrypted file.
    token_storage     TEXT NOT NULL CHECK (token_storage IN ('keyring', 'encrypted_file')),
    connected_at      TEXT NOT NULL,
    disconnected_at   TEXT,
    last_sync_at      TEXT,
    last_sync_summary TEXT,
    last_error        TEXT,
    last_error_at     TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- One row per provider and address; connecting again reuses it.
CREATE UNIQUE INDEX integration_accounts_by_email
    ON integration_accounts (provider, email COLLATE NOCASE);

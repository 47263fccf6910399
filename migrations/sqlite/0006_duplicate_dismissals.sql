-- 0006: pairs of contacts the user said are not duplicates. Each pair is stored once with its
-- ids sorted (first_contact_id < second_contact_id); a soft-deleted row no longer hides the pair.

CREATE TABLE duplicate_dismissals (
    id                TEXT PRIMARY KEY NOT NULL,
    first_contact_id  TEXT NOT NULL REFERENCES contacts (id),
    second_contact_id TEXT NOT NULL REFERENCES contacts (id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT,
    CHECK (first_contact_id < second_contact_id)
);
CREATE UNIQUE INDEX duplicate_dismissals_by_pair
    ON duplicate_dismissals (first_contact_id, second_contact_id) WHERE deleted_at IS NULL;

-- A tag of this device that follows an older team tag of the same name (two devices each made
-- a tag of the name before they shared): its edits are written into that tag's document, so
-- both devices edit one definition. Device-local, like every sync_ table.
CREATE TABLE sync_tag_aliases (
    tag_id    TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL
);

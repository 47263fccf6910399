-- 0011: calendar events change after they are synced (moved, renamed, new attendees, cancelled),
-- so raw events keep every version the provider sent rather than one row per item. A version
-- is named by the provider's tag (Calendar: the event's `etag`; Gmail messages never change,
-- so theirs is ''); the same version twice is stored once, a newer one is applied to the
-- interaction made from the item (through the change log, in the newer version's batch), an
-- older one is kept but ignored. See crates/omnicrm-core/src/ingest/revisions.rs.

-- The provider's version tag ('' for items that never change).
ALTER TABLE raw_events ADD COLUMN version TEXT NOT NULL DEFAULT '';
-- The provider's last-modified time (Calendar `updated`), UTC RFC 3339; orders versions.
ALTER TABLE raw_events ADD COLUMN source_updated_at TEXT;
-- 1 when the provider says the item is gone (a cancelled event): its interaction is removed.
ALTER TABLE raw_events ADD COLUMN removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1));
-- The newer version that replaced this one (NULL: this is the item's current version, or a
-- newer version waits to be applied). Set back to NULL when the newer version's batch is undone.
ALTER TABLE raw_events ADD COLUMN superseded_by TEXT;

UPDATE raw_events
-- The same tag the sync gives a new version: the etag, else the update time, else `cancelled`
-- for a bare cancellation.
SET version = COALESCE(json_extract(payload_json, '$.etag'), json_extract(payload_json, '$.updated'),
                       CASE WHEN json_extract(payload_json, '$.status') = 'cancelled'
                            THEN 'cancelled' END, ''),
    source_updated_at = json_extract(payload_json, '$.updated'),
    removed = CASE WHEN json_extract(payload_json, '$.status') = 'cancelled' THEN 1 ELSE 0 END
WHERE provider = 'google_calendar' AND json_valid(payload_json);

DROP INDEX raw_events_by_source;
CREATE UNIQUE INDEX raw_events_by_version ON raw_events (provider, source_id, version);

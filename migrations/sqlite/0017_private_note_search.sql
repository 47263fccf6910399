-- 0017: private notes get their own keyword index.
--
-- A private note's text must never reach the assistant or anything else that leaves the
-- device, yet the practitioner's own search should still find it. Kept in `search_notes_fts`,
-- a private note matched, ranked (its words counted in every other note's score) and was
-- dropped only afterwards. Now `search_notes_fts` holds the notes that are not private and
-- `search_private_notes_fts` the private ones: the user's search reads both, the assistant's
-- search (omnicrm-search `SearchAudience::Assistant`) never opens the private index, so a
-- private word cannot match, rank or show in a snippet there. Making a note private or not
-- moves it between the two (the update trigger now also fires on `is_private`).

CREATE VIRTUAL TABLE search_private_notes_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search_private_notes_terms USING fts5vocab(search_private_notes_fts, instance);

-- Private notes indexed so far move to the private index.
INSERT INTO search_private_notes_fts (rowid, title, body)
SELECT d.doc, '', n.body FROM search_documents d JOIN notes n ON n.id = d.item_id
WHERE d.kind = 'note' AND n.is_private <> 0;
DELETE FROM search_notes_fts WHERE rowid IN (
    SELECT d.doc FROM search_documents d JOIN notes n ON n.id = d.item_id
    WHERE d.kind = 'note' AND n.is_private <> 0
);

DROP TRIGGER search_notes_after_insert;
DROP TRIGGER search_notes_after_update;
DROP TRIGGER search_notes_after_delete;

CREATE TRIGGER search_notes_after_insert AFTER INSERT ON notes
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at);
    INSERT INTO search_notes_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body
    WHERE NEW.is_private = 0;
    INSERT INTO search_private_notes_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body
    WHERE NEW.is_private <> 0;
END;

CREATE TRIGGER search_notes_after_update AFTER UPDATE ON notes
WHEN OLD.body IS NOT NEW.body OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.is_private IS NOT NEW.is_private
BEGIN
    DELETE FROM search_notes_fts
    WHERE OLD.is_private = 0 AND rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_private_notes_fts
    WHERE OLD.is_private <> 0 AND rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'note' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_notes_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body
    WHERE NEW.deleted_at IS NULL AND NEW.is_private = 0;
    INSERT INTO search_private_notes_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body
    WHERE NEW.deleted_at IS NULL AND NEW.is_private <> 0;
END;

CREATE TRIGGER search_notes_after_delete AFTER DELETE ON notes
BEGIN
    DELETE FROM search_notes_fts
    WHERE OLD.is_private = 0 AND rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_private_notes_fts
    WHERE OLD.is_private <> 0 AND rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'note' AND item_id = OLD.id;
END;

-- Search (omnicrm-search). Keyword search over notes, interactions, tasks and projects, and
-- the stored chunk embeddings of semantic search. Contacts keep their own index (contacts_fts).
--
-- Index rows are kept in step with the records by triggers, in the writing transaction: every
-- path that writes these tables (services, undo, imports, sync, delete-all) updates the index
-- without knowing about it. Tombstoned or deleted records leave the index; a restore (undo of
-- a delete) puts them back.

-- One row per live searchable record. `doc` is the FTS rowid and encodes the record's time
-- (milliseconds since 1970 × 2^20, plus a counter for records of the same millisecond), so
-- FTS5 walks matches newest first (`ORDER BY rowid DESC`) and a date range is a rowid range.
-- `embedded_model` names the model whose chunks are current; NULL means "embed me" (set by
-- the triggers whenever the text changes), so the embedding job never misses a change, even
-- across crashes, and a new model re-embeds everything whose value differs.
CREATE TABLE search_documents (
    doc            INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('note', 'interaction', 'task', 'project')),
    item_id        TEXT NOT NULL,
    happened_at    TEXT NOT NULL,
    embedded_model TEXT,
    UNIQUE (kind, item_id)
);
CREATE INDEX search_documents_to_embed ON search_documents (embedded_model, doc);

-- Contentless: the text lives in the records; snippets are cut from them when shown.
-- `kind` is a column so each result group is one FTS query (`kind : note AND ...`).
CREATE VIRTUAL TABLE search_fts USING fts5 (
    kind, title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Chunks of a record's text (long notes and mail are split with overlap) with their
-- embedding: float32 little-endian, `dimensions` long, made by `model_id`. The bit-quantized
-- copies used for the coarse pass live in a sqlite-vec table that omnicrm-search creates
-- (vec0 needs the extension loaded; the core opens databases without it).
CREATE TABLE search_chunks (
    chunk_id   INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    position   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    model_id   TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    embedding  BLOB NOT NULL,
    UNIQUE (kind, item_id, position)
);
CREATE INDEX search_chunks_by_model ON search_chunks (model_id, chunk_id);

-- notes
CREATE TRIGGER search_notes_after_insert AFTER INSERT ON notes
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at);
    INSERT INTO search_fts (rowid, kind, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), 'note', '', NEW.body);
END;

CREATE TRIGGER search_notes_after_update AFTER UPDATE ON notes
WHEN OLD.body IS NOT NEW.body OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'note' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_fts (rowid, kind, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), 'note', '', NEW.body
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_notes_after_delete AFTER DELETE ON notes
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'note' AND item_id = OLD.id;
END;

-- interactions
CREATE TRIGGER search_interactions_after_insert AFTER INSERT ON interactions
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'interaction', NEW.id, NEW.occurred_at);
    INSERT INTO search_fts (rowid, kind, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = NEW.id), 'interaction', coalesce(NEW.subject, ''), coalesce(NEW.body, ''));
END;

CREATE TRIGGER search_interactions_after_update AFTER UPDATE ON interactions
WHEN OLD.subject IS NOT NEW.subject OR OLD.body IS NOT NEW.body OR OLD.occurred_at IS NOT NEW.occurred_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'interaction' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'interaction', NEW.id, NEW.occurred_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_fts (rowid, kind, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = NEW.id), 'interaction', coalesce(NEW.subject, ''), coalesce(NEW.body, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_interactions_after_delete AFTER DELETE ON interactions
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'interaction' AND item_id = OLD.id;
END;

-- tasks
CREATE TRIGGER search_tasks_after_insert AFTER INSERT ON tasks
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'task', NEW.id, NEW.created_at);
    INSERT INTO search_fts (rowid, kind, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = NEW.id), 'task', NEW.title, coalesce(NEW.description, ''));
END;

CREATE TRIGGER search_tasks_after_update AFTER UPDATE ON tasks
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'task' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'task' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'task', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_fts (rowid, kind, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = NEW.id), 'task', NEW.title, coalesce(NEW.description, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_tasks_after_delete AFTER DELETE ON tasks
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'task' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'task' AND item_id = OLD.id;
END;

-- projects
CREATE TRIGGER search_projects_after_insert AFTER INSERT ON projects
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'project', NEW.id, NEW.created_at);
    INSERT INTO search_fts (rowid, kind, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = NEW.id), 'project', NEW.name, coalesce(NEW.description, ''));
END;

CREATE TRIGGER search_projects_after_update AFTER UPDATE ON projects
WHEN OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'project' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'project' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'project', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_fts (rowid, kind, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = NEW.id), 'project', NEW.name, coalesce(NEW.description, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_projects_after_delete AFTER DELETE ON projects
BEGIN
    DELETE FROM search_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'project' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'project' AND item_id = OLD.id;
END;

-- Records written before this migration.
CREATE TEMP TABLE search_backfill AS
SELECT CAST(unixepoch(happened_at, 'subsec') * 1000 AS INTEGER) * 1048576
         + row_number() OVER (PARTITION BY CAST(unixepoch(happened_at, 'subsec') * 1000 AS INTEGER)
                              ORDER BY kind, item_id) - 1 AS doc,
       kind, item_id, happened_at, title, body
FROM (
    SELECT 'note' AS kind, t.id AS item_id, t.created_at AS happened_at, '' AS title, t.body AS body FROM notes t WHERE t.deleted_at IS NULL
    UNION ALL SELECT 'interaction' AS kind, t.id AS item_id, t.occurred_at AS happened_at, coalesce(t.subject, '') AS title, coalesce(t.body, '') AS body FROM interactions t WHERE t.deleted_at IS NULL
    UNION ALL SELECT 'task' AS kind, t.id AS item_id, t.created_at AS happened_at, t.title AS title, coalesce(t.description, '') AS body FROM tasks t WHERE t.deleted_at IS NULL
    UNION ALL SELECT 'project' AS kind, t.id AS item_id, t.created_at AS happened_at, t.name AS title, coalesce(t.description, '') AS body FROM projects t WHERE t.deleted_at IS NULL
);
INSERT INTO search_documents (doc, kind, item_id, happened_at)
SELECT doc, kind, item_id, happened_at FROM search_backfill;
INSERT INTO search_fts (rowid, kind, title, body)
SELECT doc, kind, title, body FROM search_backfill;
DROP TABLE search_backfill;

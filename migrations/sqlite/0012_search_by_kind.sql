-- 0012: one keyword index per kind of record instead of one with a `kind` column.
--
-- With one index, a search of one kind ANDed the `kind` column's term with the query: FTS5
-- steps through that term's doclist (a million entries for interactions) for every match, and
-- when a kind has no match, it walks every match of the other kinds to find that out (65 ms
-- for "massage follow" among notes, 11 ms for a rare word among interactions, at 100k
-- contacts and 1M interactions). Separate indexes answer the same searches in under a
-- millisecond. Rowids stay `search_documents.doc`, so time order and date ranges still work.
--
-- Each index gets a vocabulary table (`fts5vocab`, `instance`: read lazily, so finding the
-- next indexed word after a given one is one seek). FTS5 answers a prefix longer than its
-- prefix index (2 and 3 characters) by merging the full doclist of every word it covers before
-- the first row (80 ms for "session"*); keyword search expands such a prefix into the words
-- it covers, read from here, and FTS5 walks `("session" OR "sessions")` lazily.

DROP TRIGGER search_notes_after_insert;
DROP TRIGGER search_notes_after_update;
DROP TRIGGER search_notes_after_delete;
DROP TRIGGER search_interactions_after_insert;
DROP TRIGGER search_interactions_after_update;
DROP TRIGGER search_interactions_after_delete;
DROP TRIGGER search_tasks_after_insert;
DROP TRIGGER search_tasks_after_update;
DROP TRIGGER search_tasks_after_delete;
DROP TRIGGER search_projects_after_insert;
DROP TRIGGER search_projects_after_update;
DROP TRIGGER search_projects_after_delete;
DROP TABLE search_fts;

CREATE VIRTUAL TABLE search_notes_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search_notes_terms USING fts5vocab(search_notes_fts, instance);

CREATE VIRTUAL TABLE search_interactions_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search_interactions_terms USING fts5vocab(search_interactions_fts, instance);

CREATE VIRTUAL TABLE search_tasks_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search_tasks_terms USING fts5vocab(search_tasks_fts, instance);

CREATE VIRTUAL TABLE search_projects_fts USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE VIRTUAL TABLE search_projects_terms USING fts5vocab(search_projects_fts, instance);

-- The records indexed so far (search_documents holds every live one).
INSERT INTO search_notes_fts (rowid, title, body)
SELECT d.doc, '', t.body FROM search_documents d JOIN notes t ON t.id = d.item_id WHERE d.kind = 'note';
INSERT INTO search_interactions_fts (rowid, title, body)
SELECT d.doc, coalesce(t.subject, ''), coalesce(t.body, '') FROM search_documents d JOIN interactions t ON t.id = d.item_id WHERE d.kind = 'interaction';
INSERT INTO search_tasks_fts (rowid, title, body)
SELECT d.doc, t.title, coalesce(t.description, '') FROM search_documents d JOIN tasks t ON t.id = d.item_id WHERE d.kind = 'task';
INSERT INTO search_projects_fts (rowid, title, body)
SELECT d.doc, t.name, coalesce(t.description, '') FROM search_documents d JOIN projects t ON t.id = d.item_id WHERE d.kind = 'project';

-- The triggers of 0010, writing to the index of their kind.
-- notes
CREATE TRIGGER search_notes_after_insert AFTER INSERT ON notes
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at);
    INSERT INTO search_notes_fts (rowid, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body);
END;

CREATE TRIGGER search_notes_after_update AFTER UPDATE ON notes
WHEN OLD.body IS NOT NEW.body OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_notes_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'note' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'note', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_notes_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = NEW.id), '', NEW.body
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_notes_after_delete AFTER DELETE ON notes
BEGIN
    DELETE FROM search_notes_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'note' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'note' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'note' AND item_id = OLD.id;
END;

-- interactions
CREATE TRIGGER search_interactions_after_insert AFTER INSERT ON interactions
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'interaction', NEW.id, NEW.occurred_at);
    INSERT INTO search_interactions_fts (rowid, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = NEW.id), coalesce(NEW.subject, ''), coalesce(NEW.body, ''));
END;

CREATE TRIGGER search_interactions_after_update AFTER UPDATE ON interactions
WHEN OLD.subject IS NOT NEW.subject OR OLD.body IS NOT NEW.body OR OLD.occurred_at IS NOT NEW.occurred_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_interactions_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'interaction' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.occurred_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'interaction', NEW.id, NEW.occurred_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_interactions_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = NEW.id), coalesce(NEW.subject, ''), coalesce(NEW.body, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_interactions_after_delete AFTER DELETE ON interactions
BEGIN
    DELETE FROM search_interactions_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'interaction' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'interaction' AND item_id = OLD.id;
END;

-- tasks
CREATE TRIGGER search_tasks_after_insert AFTER INSERT ON tasks
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'task', NEW.id, NEW.created_at);
    INSERT INTO search_tasks_fts (rowid, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = NEW.id), NEW.title, coalesce(NEW.description, ''));
END;

CREATE TRIGGER search_tasks_after_update AFTER UPDATE ON tasks
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_tasks_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'task' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'task' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'task', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_tasks_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = NEW.id), NEW.title, coalesce(NEW.description, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_tasks_after_delete AFTER DELETE ON tasks
BEGIN
    DELETE FROM search_tasks_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'task' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'task' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'task' AND item_id = OLD.id;
END;

-- projects
CREATE TRIGGER search_projects_after_insert AFTER INSERT ON projects
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    VALUES (coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'project', NEW.id, NEW.created_at);
    INSERT INTO search_projects_fts (rowid, title, body)
    VALUES ((SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = NEW.id), NEW.name, coalesce(NEW.description, ''));
END;

CREATE TRIGGER search_projects_after_update AFTER UPDATE ON projects
WHEN OLD.name IS NOT NEW.name OR OLD.description IS NOT NEW.description OR OLD.created_at IS NOT NEW.created_at OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    DELETE FROM search_projects_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'project' AND item_id = OLD.id;
    DELETE FROM search_chunks
    WHERE NEW.deleted_at IS NOT NULL AND kind = 'project' AND item_id = OLD.id;
    INSERT INTO search_documents (doc, kind, item_id, happened_at)
    SELECT coalesce((SELECT max(doc) + 1 FROM search_documents WHERE doc BETWEEN (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) AND (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576) + 1048575), (CAST(unixepoch(NEW.created_at, 'subsec') * 1000 AS INTEGER) * 1048576)), 'project', NEW.id, NEW.created_at
    WHERE NEW.deleted_at IS NULL;
    INSERT INTO search_projects_fts (rowid, title, body)
    SELECT (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = NEW.id), NEW.name, coalesce(NEW.description, '')
    WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER search_projects_after_delete AFTER DELETE ON projects
BEGIN
    DELETE FROM search_projects_fts WHERE rowid = (SELECT doc FROM search_documents WHERE kind = 'project' AND item_id = OLD.id);
    DELETE FROM search_documents WHERE kind = 'project' AND item_id = OLD.id;
    DELETE FROM search_chunks WHERE kind = 'project' AND item_id = OLD.id;
END;

-- Team sync status counts the documents with changes the server is not known to hold at
-- every sync; without an index that read every stored document (250k at 100k contacts).
CREATE INDEX sync_documents_unsent ON sync_documents (document_id) WHERE heads <> sent_heads;

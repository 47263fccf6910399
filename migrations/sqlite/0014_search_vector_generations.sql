-- A token per table of bit vectors (`search_vector_bits_{dimensions}`, created by
-- omnicrm-search with sqlite-vec), replaced by a new random one in the transaction of every
-- write to that table. Search keeps the bit vectors in memory between queries and reloads them
-- when the token differs. Random, not a counter: a restored backup can never present the token
-- of other contents.
CREATE TABLE search_vector_generations (
    dimensions INTEGER PRIMARY KEY,
    token      BLOB NOT NULL
);

-- Tables created before this migration.
INSERT INTO search_vector_generations (dimensions, token)
SELECT CAST(substr(name, length('search_vector_bits_') + 1) AS INTEGER), randomblob(16)
FROM sqlite_schema
WHERE type = 'table' AND name GLOB 'search_vector_bits_[0-9]*' AND sql LIKE '%USING vec0%';

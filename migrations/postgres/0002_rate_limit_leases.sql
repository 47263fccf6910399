-- Rate limits are leased in blocks: an instance claims part of a window's remaining budget
-- with one upsert and spends it from memory. `count` is now what has been claimed (spent or
-- leased) in the window; `quota` is the limit of the instance that claimed last, and
-- `granted` what that claim obtained (read back through RETURNING, since the upsert's
-- SET sees the row before the claim).
ALTER TABLE rate_limit_counters
    ADD COLUMN quota bigint NOT NULL DEFAULT 0,
    ADD COLUMN granted bigint NOT NULL DEFAULT 0;

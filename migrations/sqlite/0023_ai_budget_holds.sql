-- 0023: AI spending that can never pass a cap (issue 19).
--
-- Every provider call already reserved before it left; the amount held is now the call's worst
-- case (its prompt and the longest answer it may write, at the model's price), so settling can
-- never find more spent than was allowed.
--
-- A question takes up to five calls (tool rounds). Before the first one, the question's worst
-- case is set aside as a hold, so a question that starts can finish instead of being refused
-- at its third round after paying for two. Its calls draw on the hold (hold_id); while a hold is
-- open it counts as the larger of what it set aside and what its calls used, and so many
-- requests of the minute as it still has unused. Closing a hold deletes it: its calls then count
-- on their own. A hold left by a process that died stops counting at expires_at.
CREATE TABLE ai_budget_holds (
    id              TEXT PRIMARY KEY NOT NULL,
    purpose         TEXT NOT NULL,
    reserved_at     TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    reserved_micros INTEGER NOT NULL,
    requests        INTEGER NOT NULL
);

-- The hold a call drew on, if any.
ALTER TABLE ai_usage ADD COLUMN hold_id TEXT;
-- The time whose day and month the call's cost counts in: its hold's start for a call in a
-- hold (a question that runs past midnight is paid from the day it was allowed in), else
-- reserved_at. NULL on rows written before 0023, which count at reserved_at.
ALTER TABLE ai_usage ADD COLUMN charged_at TEXT;
CREATE INDEX ai_usage_by_hold ON ai_usage (hold_id) WHERE hold_id IS NOT NULL;

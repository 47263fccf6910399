-- 0013: one index fewer on contacts. `contacts_by_stage_name` (lifecycle_stage, sort_name, id)
-- repeated `contacts_by_stage` (stage_rank, sort_name, id): a stage's sort position stands for
-- the stage, so the stage filter and the dashboard's counts per stage now use stage_rank.
-- Every contact written (a 100k import writes 100k) paid for both.
DROP INDEX contacts_by_stage_name;

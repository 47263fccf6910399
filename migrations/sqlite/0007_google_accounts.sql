-- 0007 is the Google accounts table of the sign-in work (another branch). This file only keeps
-- the numbering contiguous on the sync branch; when both are merged, the sign-in branch's
-- 0007 replaces it.
SELECT 1;

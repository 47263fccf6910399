-- Who is behind this device on the team's server (the member its device token belongs to):
-- the name each document change it writes is signed with. And, for each conflict, who wrote
-- the value the chosen one was chosen over, and when (UTC), as that change says.
ALTER TABLE sync_connection ADD COLUMN member_name TEXT;
ALTER TABLE sync_conflicts ADD COLUMN other_by TEXT;
ALTER TABLE sync_conflicts ADD COLUMN other_at TEXT;

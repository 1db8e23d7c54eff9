-- Placeholder on branch issue19-faults only: main's 0011 (chosen topic) was not committed when this branch
-- began. Delete this file when merging (main's 0011 takes its place).
SELECT 1;

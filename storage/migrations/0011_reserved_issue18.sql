-- Placeholder so this branch (issue 18) can number its migration 0014 as agreed: other branches own 0011.
-- Delete this file when merging (the other branch's 0011 takes its place).
SELECT 1;

-- Audit entries name who acted by kind (`operator`, `workspace`, `system`), token id and
-- role; `actor` keeps the token's name as a label. Entries written before have no kind
-- and are shown as unrecorded, with their old `actor` text as the label.
ALTER TABLE audit ADD COLUMN actor_kind TEXT;
ALTER TABLE audit ADD COLUMN actor_id TEXT;
ALTER TABLE audit ADD COLUMN actor_role TEXT;

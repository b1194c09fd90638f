-- An approval's editable fields: `[{name, type, description, max_length, value}]`, the
-- values as the step offered them, then as decided; how many different people must
-- approve, and the approvals given so far: `[{by, at, comment, changes}]`.
ALTER TABLE approvals ADD COLUMN fields TEXT;
ALTER TABLE approvals ADD COLUMN quorum BIGINT NOT NULL DEFAULT 1;
ALTER TABLE approvals ADD COLUMN votes TEXT;

-- An approval's editable fields: `[{name, type, description, max_length, value}]`, the
-- values as the step offered them, then as decided.
ALTER TABLE approvals ADD COLUMN fields TEXT;

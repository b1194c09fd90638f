-- Why the current revision of a workflow no longer loads (null while it loads): set when
-- the service finds it broken at start, cleared when a new revision is saved.
ALTER TABLE workflows ADD COLUMN error TEXT;

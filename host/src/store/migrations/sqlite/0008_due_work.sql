-- The runs a worker may have work in: running or waiting. The worker's due-work query
-- reads only these, so its cost follows the live runs, not the history of finished ones.
CREATE INDEX runs_active ON runs (workspace, id) WHERE status IN ('running', 'waiting');

-- Retention: a workspace's own retention period in days (NULL: the instance default), and
-- indexes that keep pruning, deleting a run and the periodic queries bounded as history grows.
ALTER TABLE workspaces ADD COLUMN retention_days BIGINT;

-- Finished runs of a workspace, oldest first: what pruning walks.
CREATE INDEX runs_by_finish ON runs (workspace, finished_at);
-- Trigger events and delivery ids by age (pruning) and by run (deleting a run).
CREATE INDEX trigger_events_by_age ON trigger_events (workspace, fired_at);
CREATE INDEX trigger_events_by_run ON trigger_events (run_id);
CREATE INDEX hook_deliveries_by_age ON hook_deliveries (workspace, received_at);
CREATE INDEX hook_deliveries_by_run ON hook_deliveries (run_id);
-- The daily step quota counts today's attempts, not every attempt ever made.
CREATE INDEX attempts_by_start ON attempts (started_at);
-- Waiting approvals for metrics, without reading every approval ever decided.
CREATE INDEX approvals_by_status ON approvals (status, workspace);

-- The runs of one workflow, newest first: the runs list filtered by workflow and the
-- newest run of each workflow read an index range, not every run of the workspace.
CREATE INDEX runs_by_workflow ON runs (workspace, workflow, id);

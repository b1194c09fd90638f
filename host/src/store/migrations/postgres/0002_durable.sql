-- Durable execution: the workflow a run follows, for_each items, every attempt, the job
-- queue with leases, and approvals.
ALTER TABLE runs ADD COLUMN source TEXT;
ALTER TABLE runs ADD COLUMN source_name TEXT;
ALTER TABLE runs ADD COLUMN trigger TEXT;
ALTER TABLE runs ADD COLUMN started_at BIGINT;

CREATE TABLE step_items (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    status  TEXT NOT NULL,
    item    TEXT,
    output  TEXT,
    error   TEXT,
    attempt INTEGER NOT NULL,
    PRIMARY KEY (run_id, step_id, idx)
);

CREATE TABLE attempts (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id     TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    error_kind  TEXT,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, step_id, idx, attempt)
);

-- A row per unit of work not yet done; deleted in the transaction that records its result.
CREATE TABLE jobs (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id      TEXT NOT NULL,
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    available_at BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    PRIMARY KEY (run_id, step_id, idx)
);
CREATE INDEX jobs_ready ON jobs (available_at);

CREATE TABLE approvals (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id      TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    status       TEXT NOT NULL,
    message      TEXT NOT NULL,
    preview      TEXT,
    approvers    TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    expires_at   BIGINT,
    decided_by   TEXT,
    decided_at   BIGINT,
    comment      TEXT,
    PRIMARY KEY (run_id, step_id)
);
CREATE INDEX approvals_waiting ON approvals (workspace, status);

-- What `roost serve` adds: workspaces and their tokens, encrypted secrets, variables,
-- stored workflows with revisions, the audit log, webhook deliveries and trigger events.

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    quotas     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    workspace    TEXT REFERENCES workspaces (id) ON DELETE CASCADE,
    role         TEXT NOT NULL,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE secrets (
    workspace  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    hosts      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, name)
);

CREATE TABLE variables (
    workspace  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, name)
);

CREATE TABLE workflows (
    workspace  TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    enabled    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, name)
);

CREATE TABLE workflow_revisions (
    workspace  TEXT NOT NULL,
    name       TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    source     TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, name, revision)
);

CREATE TABLE audit (
    id        TEXT PRIMARY KEY,
    workspace TEXT,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT,
    at        BIGINT NOT NULL
);
CREATE INDEX audit_by_workspace ON audit (workspace, at);

CREATE TABLE hook_deliveries (
    workspace   TEXT NOT NULL,
    workflow    TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    run_id      TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, workflow, delivery_id)
);

CREATE TABLE trigger_events (
    id           TEXT PRIMARY KEY,
    workspace    TEXT NOT NULL,
    workflow     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    due_at       BIGINT,
    fired_at     BIGINT NOT NULL,
    run_id       TEXT,
    outcome      TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX trigger_events_by_workflow ON trigger_events (workspace, workflow, fired_at);

CREATE TABLE schedule_marks (
    workspace TEXT NOT NULL,
    workflow  TEXT NOT NULL,
    trigger   TEXT NOT NULL,
    last_due  BIGINT NOT NULL,
    PRIMARY KEY (workspace, workflow, trigger)
);

CREATE INDEX runs_by_status ON runs (workspace, status);

-- What a run sees besides its inputs: `{ "trigger": {...}, "vars": {...} }`, fixed at its start.
ALTER TABLE runs ADD COLUMN context TEXT;

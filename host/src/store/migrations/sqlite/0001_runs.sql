-- Runs, their steps and step logs, and the plugins' key-value store.
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    workspace   TEXT NOT NULL,
    workflow    TEXT NOT NULL,
    status      TEXT NOT NULL,
    inputs      TEXT NOT NULL,
    outputs     TEXT,
    error       TEXT,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX runs_by_workspace ON runs (workspace, created_at);

CREATE TABLE steps (
    run_id         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id        TEXT NOT NULL,
    workspace      TEXT NOT NULL,
    plugin         TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    digest         TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempt        INTEGER NOT NULL,
    input          TEXT,
    output         TEXT,
    error          TEXT,
    error_kind     TEXT,
    started_at     BIGINT,
    finished_at    BIGINT,
    duration_us    BIGINT,
    PRIMARY KEY (run_id, step_id)
);

CREATE TABLE step_logs (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    level   TEXT NOT NULL,
    message TEXT NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (run_id, step_id, seq)
);

CREATE TABLE kv (
    workspace  TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (workspace, plugin, key)
);

-- Client links: one approval decided by whoever holds the link's secret, without an
-- account. Stored by the hash of the secret; single use, expiring, revocable; the
-- comments sent through the link are kept with it as a JSON array.
CREATE TABLE approval_links (
    run_id     TEXT NOT NULL,
    id         TEXT NOT NULL UNIQUE,
    step_id    TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    outcome    TEXT,
    comments   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_id, id)
);

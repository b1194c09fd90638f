-- Leases that elect one process of several for a duty (the scheduler): who holds it and
-- until when (ms since the epoch). A holder renews before it lapses; another process
-- takes it over once it has.
CREATE TABLE leader_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

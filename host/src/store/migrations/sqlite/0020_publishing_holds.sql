-- A workspace's crisis stop: while its row exists, no step of an action that publishes
-- runs in that workspace. Held jobs stay in `jobs`, parked past every real time (see
-- store/holds.rs), and are released when the row goes.
CREATE TABLE publishing_holds (
    workspace TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    since BIGINT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL
);

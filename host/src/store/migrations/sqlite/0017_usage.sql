-- What each workspace used per UTC day, for billing: plugin executions, wasm time, the
-- most memory one execution held, outgoing HTTP requests and bytes, and model tokens as
-- the models' APIs reported them. Added to by each process every few seconds.
CREATE TABLE usage (
    workspace TEXT NOT NULL,
    day TEXT NOT NULL,
    steps BIGINT NOT NULL DEFAULT 0,
    wasm_ms BIGINT NOT NULL DEFAULT 0,
    memory_peak_bytes BIGINT NOT NULL DEFAULT 0,
    http_requests BIGINT NOT NULL DEFAULT 0,
    http_bytes_out BIGINT NOT NULL DEFAULT 0,
    http_bytes_in BIGINT NOT NULL DEFAULT 0,
    model_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, day)
);

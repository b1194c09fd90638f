-- A constant sealed with the master key the first time the database met one: a process
-- started with another key refuses to start, rather than failing every step that reads a
-- secret. One row, id 1.
CREATE TABLE vault_check (
    id BIGINT PRIMARY KEY,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL
);

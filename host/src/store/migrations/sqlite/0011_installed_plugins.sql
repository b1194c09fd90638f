-- Plugins installed into the database, for the instance (scope '') or one workspace
-- (scope = its id): every process on the database loads the same components. Versions
-- live side by side; one (scope, id, version) holds one component.
CREATE TABLE installed_plugins (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    manifest TEXT NOT NULL,
    component BLOB NOT NULL,
    source TEXT NOT NULL,
    signer TEXT,
    installed_by TEXT NOT NULL,
    installed_at BIGINT NOT NULL,
    PRIMARY KEY (scope, id, version)
);

-- Bootstrap run before every `atlas schema apply` (idempotent, not itself versioned):
-- the table that records which versioned migrations are applied.
CREATE SCHEMA IF NOT EXISTS atlas;
CREATE TABLE IF NOT EXISTS atlas.schema_migrations (
    version int PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

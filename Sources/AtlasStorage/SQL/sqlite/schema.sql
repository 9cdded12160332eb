-- The spec's tables (Part A §1) adapted to SQLite. Times are INTEGER microseconds
-- since the Unix epoch; decimal(20,5) is REAL holding values already rounded to 5 places.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS tenants (
    tenant_id   INTEGER PRIMARY KEY,
    tenant_name TEXT NOT NULL,
    is_active   INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS attributes (
    attribute_id   INTEGER PRIMARY KEY,
    attribute_name TEXT NOT NULL UNIQUE,
    data_type      TEXT NOT NULL CHECK (data_type IN ('int','decimal','bool','timestamp','text')),
    is_hot         INTEGER NOT NULL DEFAULT 0
);

-- An entity id belongs to one tenant (the validator enforces it), so entity_id alone is the key.
CREATE TABLE IF NOT EXISTS entities (
    entity_id   INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL,
    entity_type TEXT NOT NULL,
    is_deleted  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entities_tenant ON entities (tenant_id);

-- Time-series EAV. The log offset is the idempotency key (rowid alias: appends are
-- sequential); two distinct readings with the same timestamp both survive.
CREATE TABLE IF NOT EXISTS entity_values_ts (
    log_offset      INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    entity_id       INTEGER NOT NULL,
    attribute_id    INTEGER NOT NULL,
    value           TEXT,
    value_int       INTEGER,
    value_decimal   REAL,
    value_bool      INTEGER,
    value_timestamp INTEGER,
    ingested_at     INTEGER NOT NULL
);
-- History of one entity's attribute, and Query 2's join on entity. The spec's second
-- index (tenant_id, attribute_id, ingested_at) is left out on purpose: every random-key
-- index costs a dirty page per row per flush in SQLite's WAL, and Query 2 (analytical,
-- seconds are fine) can walk this one by tenant.
CREATE INDEX IF NOT EXISTS entity_values_ts_series ON entity_values_ts (tenant_id, entity_id, attribute_id, ingested_at);

-- Hot projection: JSON keyed by attribute name; attr_ts holds, per attribute, the
-- sortable key 'ingested_at:log_offset' (zero-padded) of the value held, so a late,
-- older reading never overwrites a newer one.
CREATE TABLE IF NOT EXISTS entity_jsonb (
    entity_id  INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL,
    hot_attrs  TEXT NOT NULL DEFAULT '{}',
    attr_ts    TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entity_jsonb_tenant_updated ON entity_jsonb (tenant_id, updated_at DESC, entity_id);

CREATE TABLE IF NOT EXISTS flush_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    flushed_offset INTEGER NOT NULL
);
INSERT OR IGNORE INTO flush_state (id, flushed_offset) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS replication_heartbeat (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp INTEGER NOT NULL,
    source    TEXT NOT NULL
);

-- Staging (the spec's UNLOGGED entity_values_ingest): a TEMP table lives in memory and
-- vanishes with the connection, exactly what UNLOGGED does on a crash. hot_json is the
-- JSON literal of a hot value (NULL for cold attributes), rendered by the write path.
CREATE TEMP TABLE IF NOT EXISTS entity_values_ingest (
    log_offset      INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL,
    entity_id       INTEGER NOT NULL,
    entity_type     TEXT NOT NULL,
    attribute_id    INTEGER NOT NULL,
    attribute_name  TEXT NOT NULL,
    value           TEXT,
    value_int       INTEGER,
    value_decimal   REAL,
    value_bool      INTEGER,
    value_timestamp INTEGER,
    ingested_at     INTEGER NOT NULL,
    hot_json        TEXT,
    -- 1 when the entity was not registered at staging time: only these rows register.
    is_new_entity   INTEGER NOT NULL DEFAULT 0
);

CREATE TEMP TABLE IF NOT EXISTS flush_winners (
    entity_id  INTEGER NOT NULL,
    attr_name  TEXT NOT NULL,
    hot_json   TEXT NOT NULL,
    cell_key   TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    wins       INTEGER NOT NULL
);

-- The spec's tables (Part A §1) adapted to SQLite. Times are INTEGER microseconds
-- since the Unix epoch; decimal(20,5) is REAL holding values already rounded to 5 places.
-- 8 KiB pages (new files only): fewer, larger WAL frames for the hot projection's
-- scattered updates; measured against 1, 2 and 4 KiB as the least CPU per reading.
PRAGMA page_size = 8192;
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

-- Time-series EAV (the spec's entity_values_ts) is stored in segments: tables
-- entity_values_ts_s<N> with the columns below (statements.sql: segment_create), each
-- holding a consecutive range of log offsets. The log offset is the idempotency key and
-- the rowid, so a flush appends at the right edge of one B-tree and touches no random
-- page. The open segment has no secondary index; when it reaches its row budget it is
-- sealed: its index (tenant_id, entity_id, attribute_id, ingested_at) is built in one
-- sorted pass. Queries visit only the segments whose [min, max] ingested_at overlaps
-- their range (sealed: by the index; open: by a scan bounded by the row budget).
-- file_name: a sealed segment moved to its own database file (beside this one, same
-- table and index) by a background connection, so the seal's sort never runs in a flush;
-- NULL while the segment lives in this file.
CREATE TABLE IF NOT EXISTS ts_segments (
    segment_id      INTEGER PRIMARY KEY,
    table_name      TEXT NOT NULL UNIQUE,
    first_offset    INTEGER NOT NULL,
    last_offset     INTEGER NOT NULL,
    min_ingested_at INTEGER NOT NULL,
    max_ingested_at INTEGER NOT NULL,
    row_count       INTEGER NOT NULL,
    sealed          INTEGER NOT NULL DEFAULT 0,
    file_name       TEXT
);

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

-- Staging (the spec's UNLOGGED entity_values_ingest) is not a table: staged records are
-- held in the store's memory and vanish with the process, exactly what UNLOGGED does on
-- a crash; the remedy is the same (replay from the durable log).

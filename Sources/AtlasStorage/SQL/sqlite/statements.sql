-- Named statements of the SQLite store. Every value is a bound parameter; {table} is a
-- time-series segment table name (entity_values_ts_s<N>) substituted by the store.

-- name: upsert_tenant
INSERT INTO tenants (tenant_id, tenant_name, is_active) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant_id) DO UPDATE SET tenant_name = excluded.tenant_name, is_active = excluded.is_active;

-- name: upsert_attribute
INSERT INTO attributes (attribute_id, attribute_name, data_type, is_hot) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (attribute_id) DO UPDATE SET attribute_name = excluded.attribute_name,
    data_type = excluded.data_type, is_hot = excluded.is_hot;

-- name: page_size
PRAGMA page_size;

-- name: flushed_offset
SELECT flushed_offset FROM flush_state WHERE id = 1;

-- name: load_owners
SELECT entity_id, tenant_id FROM entities;

-- name: load_segments
SELECT segment_id, table_name, first_offset, last_offset, min_ingested_at, max_ingested_at, row_count, sealed, file_name
FROM ts_segments ORDER BY segment_id;

-- name: segments_have_file_column
SELECT count(*) FROM pragma_table_info('ts_segments') WHERE name = 'file_name';

-- name: segments_add_file_column
-- Databases created before sealed segments moved to their own files.
ALTER TABLE ts_segments ADD COLUMN file_name TEXT;

-- name: segment_create
CREATE TABLE {table} (
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

-- name: segment_register
INSERT INTO ts_segments (segment_id, table_name, first_offset, last_offset, min_ingested_at, max_ingested_at, row_count, sealed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0);

-- name: segment_update
UPDATE ts_segments SET last_offset = ?2, min_ingested_at = ?3, max_ingested_at = ?4, row_count = ?5
WHERE segment_id = ?1;

-- name: segment_seal_index
CREATE INDEX IF NOT EXISTS {table}_series ON {table} (tenant_id, entity_id, attribute_id, ingested_at);

-- name: segment_mark_sealed
UPDATE ts_segments SET sealed = 1 WHERE segment_id = ?1;

-- name: segment_file_attach
-- The background sealer's connection: the new segment file beside the store's file.
ATTACH DATABASE ?1 AS seg;

-- name: segment_file_detach
DETACH DATABASE seg;

-- name: segment_file_pragmas
-- The file is built once, then fsync'd and renamed into place by the sealer: no journal.
PRAGMA seg.page_size = 8192; PRAGMA seg.journal_mode = OFF; PRAGMA seg.synchronous = OFF;

-- name: segment_file_copy
-- A slice of offsets [?1, ?2) in rowid (= log offset) order. Slices keep each read
-- snapshot of the store short, so checkpoints can finish and the WAL can restart meanwhile.
INSERT INTO seg.{table} SELECT * FROM main.{table} WHERE log_offset >= ?1 AND log_offset < ?2 ORDER BY log_offset;

-- name: segment_file_count
-- The copy must hold every row the catalog counts before the file may replace the table.
SELECT count(*) FROM seg.{table};

-- name: segment_file_index
CREATE INDEX seg.{table}_series ON {table} (tenant_id, entity_id, attribute_id, ingested_at);

-- name: segment_adopt_file
-- The file is durable (fsync'd, renamed, directory synced) before this runs; the table's
-- pages are dropped in the same transaction, so either the catalog names the file or the
-- table is still here.
UPDATE ts_segments SET sealed = 1, file_name = ?2 WHERE segment_id = ?1 AND sealed = 0;

-- name: segment_drop
DROP TABLE {table};

-- name: segment_insert_row
(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: segment_insert
INSERT INTO {table} (log_offset, tenant_id, entity_id, attribute_id, value, value_int, value_decimal,
    value_bool, value_timestamp, ingested_at) VALUES {rows};

-- name: register_entity
INSERT INTO entities (entity_id, tenant_id, entity_type) VALUES (?1, ?2, ?3)
ON CONFLICT (entity_id) DO NOTHING;

-- name: projection_upsert
-- One statement per entity and flush: ?2/?3 are the objects of a new row; an existing
-- row merges the cells ?6 newest-wins (SQLiteHotMerge) and is left alone when none is
-- newer. ?4 is the newest cell's ingested_at: no older cell can raise updated_at, which
-- is at least every key already held.
INSERT INTO entity_jsonb (entity_id, hot_attrs, attr_ts, updated_at, tenant_id) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (entity_id) DO UPDATE SET
    hot_attrs = atlas_hot_attrs(hot_attrs, attr_ts, ?6),
    attr_ts = atlas_hot_keys(attr_ts, ?6),
    updated_at = max(updated_at, excluded.updated_at)
WHERE atlas_hot_newer(attr_ts, ?6);

-- name: record_offset
UPDATE flush_state SET flushed_offset = max(flushed_offset, ?1) WHERE id = 1;

-- name: hot_attributes
SELECT ej.entity_id, en.entity_type, ej.hot_attrs, ej.updated_at
FROM entity_jsonb ej JOIN entities en ON en.entity_id = ej.entity_id AND en.tenant_id = ej.tenant_id
WHERE ej.tenant_id = ?1 AND ej.entity_id = ?2 AND ej.hot_attrs <> '{}';

-- name: segment_history
SELECT ingested_at, log_offset, value, value_int, value_decimal, value_bool, value_timestamp
FROM {table}
WHERE tenant_id = ?1 AND entity_id = ?2 AND attribute_id = ?3 AND ingested_at >= ?4 AND ingested_at < ?5;

-- name: segment_window
-- Query 2's input from one segment: the tenant's category readings and decimal readings in the window.
SELECT entity_id, attribute_id, value, value_decimal
FROM {table}
WHERE tenant_id = ?1 AND ingested_at >= ?2 AND ingested_at < ?3
  AND ((attribute_id = ?4 AND value IS NOT NULL) OR value_decimal IS NOT NULL);

-- name: segment_count
SELECT count(*) FROM {table} WHERE tenant_id = ?1;

-- name: count_entities
SELECT count(*) FROM entities WHERE tenant_id = ?1;

-- name: count_hot_entities
SELECT count(*) FROM entity_jsonb WHERE tenant_id = ?1 AND hot_attrs <> '{}';

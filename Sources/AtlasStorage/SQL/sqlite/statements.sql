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
SELECT segment_id, table_name, first_offset, last_offset, min_ingested_at, max_ingested_at, row_count, sealed
FROM ts_segments ORDER BY segment_id;

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

-- name: segment_insert_row
(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: segment_insert
INSERT INTO {table} (log_offset, tenant_id, entity_id, attribute_id, value, value_int, value_decimal,
    value_bool, value_timestamp, ingested_at) VALUES {rows};

-- name: register_entity
INSERT INTO entities (entity_id, tenant_id, entity_type) VALUES (?1, ?2, ?3)
ON CONFLICT (entity_id) DO NOTHING;

-- name: projection_read
SELECT hot_attrs, attr_ts, updated_at FROM entity_jsonb WHERE entity_id = ?1;

-- name: projection_insert
-- The objects are merged by the store (FlatJSONSplice): newest value per attribute.
INSERT INTO entity_jsonb (entity_id, hot_attrs, attr_ts, updated_at, tenant_id) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: projection_update
UPDATE entity_jsonb SET hot_attrs = ?2, attr_ts = ?3, updated_at = ?4 WHERE entity_id = ?1;

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

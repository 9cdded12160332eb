-- Named statements of the SQLite store. Every value is a bound parameter.

-- name: upsert_tenant
INSERT INTO tenants (tenant_id, tenant_name, is_active) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant_id) DO UPDATE SET tenant_name = excluded.tenant_name, is_active = excluded.is_active;

-- name: upsert_attribute
INSERT INTO attributes (attribute_id, attribute_name, data_type, is_hot) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (attribute_id) DO UPDATE SET attribute_name = excluded.attribute_name,
    data_type = excluded.data_type, is_hot = excluded.is_hot;

-- name: stage
INSERT INTO temp.entity_values_ingest (log_offset, tenant_id, entity_id, entity_type, attribute_id, attribute_name,
    value, value_int, value_decimal, value_bool, value_timestamp, ingested_at, hot_json, is_new_entity)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT (log_offset) DO NOTHING;

-- name: staged_count
SELECT count(*) FROM temp.entity_values_ingest;

-- name: clear_staging
DELETE FROM temp.entity_values_ingest;

-- name: flushed_offset
SELECT flushed_offset FROM flush_state WHERE id = 1;

-- name: load_owners
SELECT entity_id, tenant_id FROM entities;

-- name: flush_register_entities
INSERT INTO entities (entity_id, tenant_id, entity_type)
SELECT entity_id, tenant_id, entity_type FROM (
    SELECT entity_id, tenant_id, entity_type, min(log_offset) FROM temp.entity_values_ingest
    WHERE log_offset > ?1 AND is_new_entity = 1 GROUP BY entity_id)
WHERE true
ON CONFLICT (entity_id) DO NOTHING;

-- name: flush_time_series
INSERT INTO entity_values_ts (log_offset, tenant_id, entity_id, attribute_id, value, value_int, value_decimal,
    value_bool, value_timestamp, ingested_at)
SELECT log_offset, tenant_id, entity_id, attribute_id, value, value_int, value_decimal, value_bool,
    value_timestamp, ingested_at
FROM temp.entity_values_ingest WHERE log_offset > ?1 ORDER BY log_offset
ON CONFLICT (log_offset) DO NOTHING;

-- name: flush_winners
-- The newest staged value per (entity, attribute), and whether it beats what the projection holds.
INSERT INTO temp.flush_winners (entity_id, attr_name, hot_json, cell_key, ingested_at, wins)
SELECT w.entity_id, w.attribute_name, w.hot_json, w.cell_key, w.ingested_at,
       coalesce(json_extract(e.attr_ts, '$."' || w.attribute_name || '"') < w.cell_key, 1)
FROM (
    SELECT s.entity_id, s.attribute_name, s.hot_json, s.ingested_at,
           printf('%020d:%020d', s.ingested_at, s.log_offset) AS cell_key,
           row_number() OVER (PARTITION BY s.entity_id, s.attribute_id
                              ORDER BY s.ingested_at DESC, s.log_offset DESC) AS rn
    FROM temp.entity_values_ingest s
    WHERE s.hot_json IS NOT NULL AND s.log_offset > ?1
) w
LEFT JOIN entity_jsonb e ON e.entity_id = w.entity_id
WHERE w.rn = 1;

-- name: flush_winner_counts
SELECT count(*), coalesce(sum(wins), 0) FROM temp.flush_winners;

-- name: flush_insert_projection
INSERT INTO entity_jsonb (entity_id, tenant_id, hot_attrs, attr_ts, updated_at)
SELECT DISTINCT w.entity_id, en.tenant_id, '{}', '{}', 0
FROM temp.flush_winners w JOIN entities en ON en.entity_id = w.entity_id
WHERE w.wins = 1
ON CONFLICT (entity_id) DO NOTHING;

-- name: flush_merge_projection
-- One json_patch per entity with every winning cell of this flush.
UPDATE entity_jsonb
SET hot_attrs = json_patch(hot_attrs, p.attrs),
    attr_ts = json_patch(attr_ts, p.keys),
    updated_at = max(updated_at, p.max_ts)
FROM (
    SELECT entity_id, json_group_object(attr_name, json(hot_json)) AS attrs,
           json_group_object(attr_name, cell_key) AS keys, max(ingested_at) AS max_ts
    FROM temp.flush_winners WHERE wins = 1 GROUP BY entity_id
) p
WHERE entity_jsonb.entity_id = p.entity_id;

-- name: flush_clear_winners
DELETE FROM temp.flush_winners;

-- name: flush_record_offset
UPDATE flush_state SET flushed_offset = max(flushed_offset,
    coalesce((SELECT max(log_offset) FROM temp.entity_values_ingest), 0)) WHERE id = 1;

-- name: hot_attributes
SELECT ej.entity_id, en.entity_type, ej.hot_attrs, ej.updated_at
FROM entity_jsonb ej JOIN entities en ON en.entity_id = ej.entity_id AND en.tenant_id = ej.tenant_id
WHERE ej.tenant_id = ?1 AND ej.entity_id = ?2 AND ej.hot_attrs <> '{}';

-- name: history
SELECT ingested_at, value, value_int, value_decimal, value_bool, value_timestamp
FROM entity_values_ts
WHERE tenant_id = ?1 AND entity_id = ?2 AND attribute_id = ?3 AND ingested_at >= ?4 AND ingested_at < ?5
ORDER BY ingested_at, log_offset;

-- name: distribution_samples
WITH category_entities AS (
    SELECT DISTINCT entity_id, value AS category
    FROM entity_values_ts
    WHERE tenant_id = ?1 AND attribute_id = ?2 AND ingested_at >= ?3 AND ingested_at < ?4 AND value IS NOT NULL
)
SELECT ce.category, a.attribute_name, ev.entity_id, ev.value_decimal
FROM category_entities ce
JOIN entity_values_ts ev ON ev.tenant_id = ?1 AND ev.entity_id = ce.entity_id
JOIN attributes a ON a.attribute_id = ev.attribute_id
WHERE a.data_type = 'decimal' AND ev.value_decimal IS NOT NULL
  AND ev.ingested_at >= ?3 AND ev.ingested_at < ?4;

-- name: count_entities
SELECT count(*) FROM entities WHERE tenant_id = ?1;

-- name: count_time_series
SELECT count(*) FROM entity_values_ts WHERE tenant_id = ?1;

-- name: count_hot_entities
SELECT count(*) FROM entity_jsonb WHERE tenant_id = ?1 AND hot_attrs <> '{}';

-- Atlas PostgreSQL schema, version 1: the spec's tables (Part A §1), partitioned.
--
-- Run by `atlas schema apply` inside one transaction, as a superuser (it creates roles).
-- Settings read from session GUCs set (parameterized) by the runner before this file:
--   atlas.entity_partition_width  ids per `entities` RANGE partition (default 1000000)
--   atlas.jsonb_modulus           HASH partitions of `entity_jsonb` (default 100)
--   atlas.months_ahead            monthly `entity_values_ts` partitions kept ahead (default 3)
--
-- Roles (cluster-wide, created once):
--   atlas_owner   NOLOGIN, no BYPASSRLS: owns the schema and tables; FORCE RLS applies to it.
--   atlas_flusher NOLOGIN, BYPASSRLS: owns only the SECURITY DEFINER functions that are
--                 cross-tenant by nature (stage_flush, entity_owner, staging admin).
--   atlas_app     LOGIN, no BYPASSRLS: what PostgresStore connects as.

-- Roles are shared by every database of the cluster: create each once, with its
-- attributes, and alter only what differs (parallel applies in other databases).
DO $roles$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ['atlas_owner', 'NOLOGIN NOBYPASSRLS', 'f', 'f'],
        ['atlas_flusher', 'NOLOGIN BYPASSRLS', 'f', 't'],
        ['atlas_app', 'LOGIN NOBYPASSRLS', 't', 'f']] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = spec[1]) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I %s', spec[1], spec[2]);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- a parallel apply in another database created it first
            END;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = spec[1]
                       AND rolcanlogin = spec[3]::boolean AND rolbypassrls = spec[4]::boolean) THEN
            EXECUTE format('ALTER ROLE %I %s', spec[1], spec[2]);
        END IF;
    END LOOP;
END
$roles$;

DO $db$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO atlas_app, atlas_flusher, atlas_owner',
                   current_database());
END
$db$;

CREATE SCHEMA IF NOT EXISTS atlas;
ALTER SCHEMA atlas OWNER TO atlas_owner;
GRANT USAGE ON SCHEMA atlas TO atlas_app, atlas_flusher;

SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

-- Settings that later DDL (partition maintenance) reads.
CREATE TABLE atlas.settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO atlas.settings (key, value) VALUES
    ('entity_partition_width', COALESCE(NULLIF(current_setting('atlas.entity_partition_width', true), ''), '1000000')),
    ('jsonb_modulus', COALESCE(NULLIF(current_setting('atlas.jsonb_modulus', true), ''), '100')),
    ('months_ahead', COALESCE(NULLIF(current_setting('atlas.months_ahead', true), ''), '3'));

-- The tenant a transaction runs as: `SELECT set_config('app.tenant_id', $1, true)`.
-- NULL (no tenant set) matches no row in any policy.
CREATE FUNCTION atlas.current_tenant() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint $$;

-- 1. tenants
CREATE TABLE atlas.tenants (
    tenant_id bigint PRIMARY KEY,
    tenant_name varchar(255) NOT NULL,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    is_active boolean DEFAULT TRUE
);

-- 2. attributes (global metadata, not tenant-owned)
CREATE TABLE atlas.attributes (
    attribute_id bigint PRIMARY KEY,
    attribute_name varchar(255) NOT NULL UNIQUE,
    data_type varchar(50) NOT NULL CHECK (data_type IN ('int', 'decimal', 'bool', 'timestamp', 'text')),
    is_hot boolean DEFAULT FALSE,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP
);

-- 3. entities, RANGE-partitioned by entity_id (partitions made as ids appear).
CREATE TABLE atlas.entities (
    entity_id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    entity_type varchar(100) NOT NULL,
    created_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    is_deleted boolean DEFAULT FALSE,
    PRIMARY KEY (entity_id, tenant_id)
) PARTITION BY RANGE (entity_id);
-- Tenant-first access (counts, Query 1's join from the tenant side).
CREATE INDEX entities_tenant_idx ON atlas.entities (tenant_id, entity_id);

-- 4. entity_values_ts, RANGE by month on ingested_at. The key ends with log_offset so
-- two distinct readings with the same timestamp both survive (see notes: the spec's
-- PK would silently drop one under ON CONFLICT DO NOTHING).
CREATE TABLE atlas.entity_values_ts (
    entity_id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    attribute_id bigint NOT NULL,
    value text,
    value_int bigint,
    value_decimal decimal(20,5),
    value_bool boolean,
    value_timestamp timestamptz,
    ingested_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP,
    log_offset bigint NOT NULL,
    PRIMARY KEY (tenant_id, entity_id, attribute_id, ingested_at, log_offset)
) PARTITION BY RANGE (ingested_at);
CREATE INDEX idx_entity_values_ts_brin ON atlas.entity_values_ts USING BRIN (ingested_at);
CREATE INDEX idx_entity_values_ts_attr_time ON atlas.entity_values_ts (tenant_id, attribute_id, ingested_at);

-- 5. entity_values_ingest: UNLOGGED staging, filled by COPY, emptied by stage_flush.
-- No RLS here: COPY FROM refuses tables with row security, so the app role may only
-- INSERT (COPY); it has no SELECT, and counts/clears go through definer functions.
CREATE UNLOGGED TABLE atlas.entity_values_ingest (
    log_offset bigint NOT NULL,
    entity_id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    entity_type varchar(100) NOT NULL,
    attribute_id bigint NOT NULL,
    value text,
    value_int bigint,
    value_decimal decimal(20,5),
    value_bool boolean,
    value_timestamp timestamptz,
    ingested_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- 6. entity_jsonb: the hot projection, HASH-partitioned by entity_id. attr_ts holds, per
-- attribute name, [ingested_at micros, log_offset] of the value in hot_attrs, so the
-- flush can apply newest-wins and never let a late arrival overwrite.
CREATE TABLE atlas.entity_jsonb (
    entity_id bigint NOT NULL,
    tenant_id bigint NOT NULL,
    hot_attrs jsonb NOT NULL DEFAULT '{}',
    attr_ts jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (entity_id, tenant_id)
) PARTITION BY HASH (entity_id);
DO $parts$
DECLARE
    m int := (SELECT value::int FROM atlas.settings WHERE key = 'jsonb_modulus');
BEGIN
    IF m < 1 OR m > 1000 THEN
        RAISE EXCEPTION 'atlas.jsonb_modulus must be 1..1000, got %', m;
    END IF;
    FOR i IN 0 .. m - 1 LOOP
        EXECUTE format('CREATE TABLE atlas.entity_jsonb_p%s PARTITION OF atlas.entity_jsonb '
                       'FOR VALUES WITH (MODULUS %s, REMAINDER %s)', i, m, i);
    END LOOP;
END
$parts$;
-- jsonb_path_ops: Query 1 uses GIN only for containment (@>), and path_ops entries
-- (one hash per path+value) are smaller and cheaper to maintain on every hot upsert.
CREATE INDEX idx_entity_jsonb_hot_attrs ON atlas.entity_jsonb USING GIN (hot_attrs jsonb_path_ops);
-- Query 1 walks one tenant's entities newest first and stops after LIMIT matches; the
-- spec's indexes (PK entity-first, GIN) cannot give that order (measured: see bench query).
CREATE INDEX idx_entity_jsonb_tenant_updated ON atlas.entity_jsonb (tenant_id, updated_at DESC, entity_id);

-- 7. Supporting tables.
CREATE TABLE atlas.replication_heartbeat (
    id serial PRIMARY KEY,
    "timestamp" timestamptz DEFAULT CURRENT_TIMESTAMP,
    source varchar(50) NOT NULL
);

CREATE MATERIALIZED VIEW atlas.mv_entity_attribute_stats AS
SELECT ev.tenant_id, ev.attribute_id, a.attribute_name,
       COUNT(DISTINCT ev.entity_id) AS distinct_entities,
       COUNT(*) AS total_values
FROM atlas.entity_values_ts ev
JOIN atlas.attributes a ON ev.attribute_id = a.attribute_id
GROUP BY 1, 2, 3
WITH NO DATA;
CREATE UNIQUE INDEX mv_entity_attribute_stats_key ON atlas.mv_entity_attribute_stats (tenant_id, attribute_id);

-- The write path's durable bookkeeping: the highest log offset flushed (one row).
CREATE TABLE atlas.flush_state (
    id int PRIMARY KEY CHECK (id = 1),
    flushed_offset bigint NOT NULL
);
INSERT INTO atlas.flush_state VALUES (1, 0);

-- Atlas PostgreSQL schema, version 2: partition maintenance and the write path's
-- server-side functions (stage_flush and the staging helpers).
--
-- Partition maintenance is the project's own (not pg_partman): a flush creates the
-- monthly `entity_values_ts` partition of any month it writes (late or back-filled data
-- included) and the `entities` range partition of any id bucket it registers, and keeps
-- `months_ahead` months pre-made past now(). pg_partman's premake only covers a window
-- around now() and sends everything else to a default partition, which a back-fill
-- would then block from being split.

SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

-- Creates the monthly partition holding `p_at` if missing. Owner's rights: creating a
-- partition needs ownership of the parent.
CREATE FUNCTION atlas.ensure_ts_partition(p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atlas, pg_catalog
SET TimeZone = 'UTC'
AS $$
DECLARE
    lo timestamptz := date_trunc('month', p_at);
    hi timestamptz := date_trunc('month', p_at) + interval '1 month';
    part text := 'entity_values_ts_' || to_char(date_trunc('month', p_at), 'YYYY_MM');
BEGIN
    IF to_regclass('atlas.' || quote_ident(part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Two flushers (or a flusher and `schema apply`) may race for the same month.
    PERFORM pg_advisory_xact_lock(hashtext('atlas.partition.' || part));
    IF to_regclass('atlas.' || quote_ident(part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE atlas.%I PARTITION OF atlas.entity_values_ts FOR VALUES FROM (%L) TO (%L)',
                   part, lo, hi);
    RETURN true;
END
$$;

-- Creates the `entities` partition for id bucket `p_bucket` (ids bucket*width ..) if missing.
CREATE FUNCTION atlas.ensure_entity_partition(p_bucket bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atlas, pg_catalog
AS $$
DECLARE
    width bigint := (SELECT value::bigint FROM atlas.settings WHERE key = 'entity_partition_width');
    part text := 'entities_p' || CASE WHEN p_bucket < 0 THEN 'm' || (-p_bucket)::text ELSE p_bucket::text END;
BEGIN
    IF to_regclass('atlas.' || quote_ident(part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('atlas.partition.' || part));
    IF to_regclass('atlas.' || quote_ident(part)) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE atlas.%I PARTITION OF atlas.entities FOR VALUES FROM (%s) TO (%s)',
                   part, p_bucket * width, (p_bucket + 1) * width);
    RETURN true;
END
$$;

-- Keeps monthly partitions from last month through `months_ahead` months ahead, and
-- optionally the first `p_entity_buckets` entity partitions up front. Returns how many
-- partitions it created.
CREATE FUNCTION atlas.maintain_partitions(p_entity_buckets int DEFAULT 0) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atlas, pg_catalog
SET TimeZone = 'UTC'
AS $$
DECLARE
    ahead int := (SELECT value::int FROM atlas.settings WHERE key = 'months_ahead');
    made int := 0;
BEGIN
    FOR i IN -1 .. ahead LOOP
        IF atlas.ensure_ts_partition(date_trunc('month', now()) + make_interval(months => i)) THEN
            made := made + 1;
        END IF;
    END LOOP;
    FOR b IN 0 .. p_entity_buckets - 1 LOOP
        IF atlas.ensure_entity_partition(b) THEN
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END
$$;

-- A hot value as the JSON the projection stores (AtlasCore's Value.jsonLiteral):
-- numbers for int/decimal (decimal without trailing zeros), JSON bool, ISO-8601 UTC
-- text with microseconds only when non-zero for timestamps, strings for text.
CREATE FUNCTION atlas.hot_json(p_type text, p_text text, p_int bigint, p_dec numeric,
                               p_bool boolean, p_ts timestamptz) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CASE p_type
    WHEN 'int' THEN to_jsonb(p_int)
    WHEN 'decimal' THEN to_jsonb(trim_scale(p_dec))
    WHEN 'bool' THEN to_jsonb(p_bool)
    WHEN 'timestamp' THEN to_jsonb(
        to_char(p_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || CASE WHEN to_char(p_ts AT TIME ZONE 'UTC', 'US') <> '000000'
                THEN '.' || to_char(p_ts AT TIME ZONE 'UTC', 'US') ELSE '' END
        || 'Z')
    ELSE to_jsonb(p_text)
END
$$;

-- Session-local work table of one flush (created once per session, emptied at commit).
-- stage_flush: in ONE transaction (the calling statement's),
--   1. takes every committed staged row (DELETE .. RETURNING; rows a concurrent COPY
--      has not committed yet stay staged for the next flush),
--   2. drops rows at or below the recorded flushed offset (replays are idempotent),
--   3. inserts the rest into entity_values_ts and registers unseen entities,
--   4. merges hot attributes into entity_jsonb, newest (ingested_at, log_offset) wins
--      per attribute; a late arrival never overwrites a newer value,
--   5. records the highest offset taken.
-- Flushes are serialised by the row lock on flush_state. `p_fault` is a test hook:
-- 'afterTimeSeriesInsert' / 'beforeOffsetRecord' raise SQLSTATE AT001 at that point,
-- which rolls the whole flush back.
-- Runs as atlas_flusher (BYPASSRLS): the flush is cross-tenant by nature. It moves only
-- what was staged, and the caller chooses nothing but the fault point.
CREATE FUNCTION atlas.stage_flush(p_fault text DEFAULT NULL)
RETURNS TABLE (rows_taken bigint, rows_inserted bigint, hot_cells_written bigint,
               hot_cells_skipped bigint, entities_registered bigint, flushed_through bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atlas, pg_catalog, pg_temp
SET client_min_messages = warning
-- The work table has no statistics; joins from a flush batch into the big tables must be
-- index probes (a hash join scanned all of entity_jsonb: measured 25 ms per flush at 100k rows).
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_prev bigint;
    v_max bigint;
    v_taken bigint;
    v_ins bigint;
    v_cand bigint;
    v_written bigint;
    v_reg bigint;
    v_width bigint := (SELECT value::bigint FROM atlas.settings WHERE key = 'entity_partition_width');
    v_ahead int := (SELECT value::int FROM atlas.settings WHERE key = 'months_ahead');
    r record;
BEGIN
    SELECT f.flushed_offset INTO v_prev FROM atlas.flush_state f WHERE f.id = 1 FOR UPDATE;

    CREATE TEMP TABLE IF NOT EXISTS flush_batch (LIKE atlas.entity_values_ingest) ON COMMIT DELETE ROWS;
    TRUNCATE flush_batch;

    -- A record staged twice (a COPY retried after its acknowledgement was lost) is
    -- taken once: the log offset identifies it.
    WITH taken AS (
        DELETE FROM atlas.entity_values_ingest RETURNING *
    ), kept AS (
        INSERT INTO flush_batch
        SELECT DISTINCT ON (t.log_offset) t.* FROM taken t WHERE t.log_offset > v_prev ORDER BY t.log_offset
        RETURNING log_offset
    )
    SELECT (SELECT count(*) FROM taken), (SELECT max(k.log_offset) FROM kept k) INTO v_taken, v_max;

    -- Partitions for what this flush writes, and the months kept ahead.
    FOR r IN SELECT DISTINCT date_trunc('month', b.ingested_at AT TIME ZONE 'UTC') AS m FROM flush_batch b LOOP
        PERFORM atlas.ensure_ts_partition(r.m AT TIME ZONE 'UTC');
    END LOOP;
    PERFORM atlas.ensure_ts_partition(now() + make_interval(months => v_ahead));
    FOR r IN SELECT DISTINCT floor(b.entity_id::numeric / v_width)::bigint AS bucket FROM flush_batch b LOOP
        PERFORM atlas.ensure_entity_partition(r.bucket);
    END LOOP;

    -- In key order: neighbouring inserts touch neighbouring index pages.
    INSERT INTO atlas.entity_values_ts
        (entity_id, tenant_id, attribute_id, value, value_int, value_decimal, value_bool,
         value_timestamp, ingested_at, log_offset)
    SELECT b.entity_id, b.tenant_id, b.attribute_id, b.value, b.value_int, b.value_decimal,
           b.value_bool, b.value_timestamp, b.ingested_at, b.log_offset
    FROM flush_batch b
    ORDER BY b.tenant_id, b.entity_id, b.attribute_id, b.ingested_at, b.log_offset;
    GET DIAGNOSTICS v_ins = ROW_COUNT;

    INSERT INTO atlas.entities (entity_id, tenant_id, entity_type)
    SELECT n.entity_id, n.tenant_id, n.entity_type
    FROM (SELECT DISTINCT ON (b.entity_id) b.entity_id, b.tenant_id, b.entity_type
          FROM flush_batch b ORDER BY b.entity_id, b.log_offset) n
    WHERE NOT EXISTS (SELECT 1 FROM atlas.entities e WHERE e.entity_id = n.entity_id)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_reg = ROW_COUNT;

    IF p_fault = 'afterTimeSeriesInsert' THEN
        RAISE EXCEPTION 'injected fault in flush at afterTimeSeriesInsert' USING ERRCODE = 'AT001';
    END IF;

    WITH cand AS (
        SELECT DISTINCT ON (b.entity_id, a.attribute_name)
               b.entity_id, b.tenant_id, a.attribute_name::text AS name,
               atlas.hot_json(a.data_type, b.value, b.value_int, b.value_decimal, b.value_bool,
                              b.value_timestamp) AS val,
               b.ingested_at,
               (extract(epoch FROM b.ingested_at) * 1000000)::bigint AS at_us,
               b.log_offset
        FROM flush_batch b
        JOIN atlas.attributes a ON a.attribute_id = b.attribute_id
        WHERE a.is_hot
        ORDER BY b.entity_id, a.attribute_name, b.ingested_at DESC, b.log_offset DESC
    ), cmp AS (
        SELECT c.*, ej.attr_ts -> c.name AS cur
        FROM cand c
        LEFT JOIN atlas.entity_jsonb ej ON ej.entity_id = c.entity_id AND ej.tenant_id = c.tenant_id
    ), win AS (
        SELECT * FROM cmp
        WHERE cur IS NULL OR (at_us, log_offset) > ((cur ->> 0)::bigint, (cur ->> 1)::bigint)
    ), up AS (
        INSERT INTO atlas.entity_jsonb AS ej (entity_id, tenant_id, hot_attrs, attr_ts, updated_at)
        SELECT w.entity_id, w.tenant_id, jsonb_object_agg(w.name, w.val),
               jsonb_object_agg(w.name, jsonb_build_array(w.at_us, w.log_offset)), max(w.ingested_at)
        FROM win w
        GROUP BY w.entity_id, w.tenant_id
        ON CONFLICT (entity_id, tenant_id) DO UPDATE
        SET hot_attrs = ej.hot_attrs || EXCLUDED.hot_attrs,
            attr_ts = ej.attr_ts || EXCLUDED.attr_ts,
            updated_at = GREATEST(ej.updated_at, EXCLUDED.updated_at)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM cand), (SELECT count(*) FROM win), (SELECT count(*) FROM up)
    INTO v_cand, v_written;

    IF p_fault = 'beforeOffsetRecord' THEN
        RAISE EXCEPTION 'injected fault in flush at beforeOffsetRecord' USING ERRCODE = 'AT001';
    END IF;

    UPDATE atlas.flush_state f SET flushed_offset = GREATEST(v_prev, COALESCE(v_max, v_prev)) WHERE f.id = 1;
    TRUNCATE flush_batch;

    rows_taken := v_taken;
    rows_inserted := v_ins;
    hot_cells_written := v_written;
    hot_cells_skipped := v_cand - v_written;
    entities_registered := v_reg;
    flushed_through := GREATEST(v_prev, COALESCE(v_max, v_prev));
    RETURN NEXT;
END
$$;

-- Rows currently staged (the app role cannot read staging itself).
CREATE FUNCTION atlas.staged_count() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$ SELECT count(*) FROM atlas.entity_values_ingest $$;

-- Empties staging before a replay (after a crash emptied or half-filled it).
CREATE FUNCTION atlas.clear_staging() RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$ TRUNCATE atlas.entity_values_ingest $$;

-- The tenant owning an entity id, registered or staged (validation rejects a reading
-- that claims another tenant's entity). Reveals only the owner's id.
CREATE FUNCTION atlas.entity_owner(p_entity_id bigint) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$
    SELECT owner FROM (
        SELECT e.tenant_id AS owner, 0 AS pref, 0::bigint AS ord FROM atlas.entities e WHERE e.entity_id = p_entity_id
        UNION ALL
        SELECT s.tenant_id, 1, s.log_offset FROM atlas.entity_values_ingest s WHERE s.entity_id = p_entity_id
    ) o ORDER BY pref, ord LIMIT 1
$$;

-- Owners of many entity ids at once (registered ones; warms a writer's owner cache).
CREATE FUNCTION atlas.entity_owners(p_entity_ids bigint[]) RETURNS TABLE (entity_id bigint, tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$
    SELECT e.entity_id, e.tenant_id FROM atlas.entities e WHERE e.entity_id = ANY(p_entity_ids)
$$;

-- Catalog upsert: existing ids are kept as they are (first definition wins), a new
-- attribute whose name is taken fails with a unique violation naming the constraint.
CREATE FUNCTION atlas.install_catalog(
    p_tenant_ids bigint[], p_tenant_names text[], p_tenant_active boolean[],
    p_attr_ids bigint[], p_attr_names text[], p_attr_types text[], p_attr_hot boolean[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$
    INSERT INTO atlas.tenants (tenant_id, tenant_name, is_active)
    SELECT * FROM unnest(p_tenant_ids, p_tenant_names, p_tenant_active)
    ON CONFLICT (tenant_id) DO NOTHING;
    INSERT INTO atlas.attributes (attribute_id, attribute_name, data_type, is_hot)
    SELECT * FROM unnest(p_attr_ids, p_attr_names, p_attr_types, p_attr_hot)
    ON CONFLICT (attribute_id) DO NOTHING;
$$;

RESET ROLE;
ALTER FUNCTION atlas.stage_flush(text) OWNER TO atlas_flusher;
ALTER FUNCTION atlas.staged_count() OWNER TO atlas_flusher;
ALTER FUNCTION atlas.clear_staging() OWNER TO atlas_flusher;
ALTER FUNCTION atlas.entity_owner(bigint) OWNER TO atlas_flusher;
ALTER FUNCTION atlas.entity_owners(bigint[]) OWNER TO atlas_flusher;
ALTER FUNCTION atlas.install_catalog(bigint[], text[], boolean[], bigint[], text[], text[], boolean[]) OWNER TO atlas_flusher;

-- What atlas_flusher may touch (it bypasses RLS, so grants are its only fence).
GRANT SELECT, INSERT, UPDATE ON atlas.tenants, atlas.attributes TO atlas_flusher;
GRANT SELECT, INSERT ON atlas.entities, atlas.entity_values_ts TO atlas_flusher;
GRANT SELECT, INSERT, UPDATE ON atlas.entity_jsonb TO atlas_flusher;
GRANT SELECT, DELETE, TRUNCATE ON atlas.entity_values_ingest TO atlas_flusher;
GRANT SELECT, UPDATE ON atlas.flush_state TO atlas_flusher;
GRANT SELECT ON atlas.settings TO atlas_flusher;

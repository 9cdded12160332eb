-- Atlas PostgreSQL schema, version 9: a cheaper flush (measured on the 2-core box,
-- 2026-11-26, 5,000-row flushes back to back, pg_stat_statements):
--
--   * entity_values_ts KEEPS its primary key (tenant, entity, attribute, time, offset),
--     although the flush does not need it (it is idempotent by the offset recorded in
--     flush_state and takes a record staged twice once). Dropping it was measured: +25 %
--     sustained ingest (35.3k -> 44.1k readings/s in 60 s runs back to back) and the flush's
--     time-series statement 104 -> 62 ms per 5,000 rows, but a one-entity history read over
--     an hour of 5M rows went from 0.1-0.4 ms to 300 ms (the spec's btree is tenant/attribute
--     first). The store serves that query, so the key stays.
--   * entity_values_ingest is emptied by DELETE on every flush (TRUNCATE would take a lock
--     that waits for, and would then erase, rows of a COPY committing meanwhile). Its dead
--     rows are only reusable after VACUUM, and with the default thresholds (20 % of a table
--     that is empty after each flush) autovacuum visited it once a minute: at 50,000 rows/s
--     the table grew by ~38,000 pages a minute and every flush scanned all of them twice
--     (6,359 pages took 12 ms per scan). Vacuum it after a fixed number of dead rows, without
--     cost delay, whenever autovacuum looks (the server's autovacuum_naptime; 1s instead of
--     1min gave no measurable gain in `atlas bench write --store postgres`, so it is left).
--   * stage_flush (same semantics as version 5): no pass over staging for partitions before
--     every flush (5-15 ms; missing partitions are made on the statement's check_violation,
--     as before for rows staged meanwhile), only hot rows probe `attributes`, and the time
--     series goes in in the order of its tenant btree. Back to back against version 5's
--     function on the same data: 257 -> 196 and 296 -> 239 ms per 5,000-row flush.
-- Semantics of the write path are unchanged.

SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

ALTER TABLE atlas.entity_values_ingest SET (
    autovacuum_vacuum_threshold = 20000,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 20000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_cost_delay = 0
);

RESET ROLE;

CREATE OR REPLACE FUNCTION atlas.stage_flush(p_fault text DEFAULT NULL)
RETURNS TABLE (rows_taken bigint, rows_inserted bigint, hot_cells_written bigint,
               hot_cells_skipped bigint, entities_registered bigint, flushed_through bigint)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = atlas, pg_catalog, pg_temp
SET client_min_messages = warning
-- Joins from a flush batch into the big tables must be index probes (a hash join scanned
-- all of entity_jsonb: measured 25 ms per flush at 100k rows).
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off
AS $$
DECLARE
    v_prev bigint;
    v_max bigint;
    v_taken bigint;
    v_ins bigint;
    v_cand bigint;
    v_written bigint;
    v_reg bigint;
    v_upserted bigint;
    v_attempt int := 0;
    v_ahead int := (SELECT value::int FROM atlas.settings WHERE key = 'months_ahead');
    -- Hot attribute ids, so only hot rows probe `attributes` for their name and type.
    v_hot bigint[] := ARRAY(SELECT a.attribute_id FROM atlas.attributes a WHERE a.is_hot);
BEGIN
    SELECT f.flushed_offset INTO v_prev FROM atlas.flush_state f WHERE f.id = 1 FOR UPDATE;

    -- Hot candidates of this flush: newest value per (entity, attribute name) in the batch.
    CREATE TEMP TABLE IF NOT EXISTS flush_hot (
        entity_id bigint NOT NULL,
        tenant_id bigint NOT NULL,
        name text NOT NULL,
        val jsonb,
        ingested_at timestamptz NOT NULL,
        at_us bigint NOT NULL,
        log_offset bigint NOT NULL
    ) ON COMMIT DELETE ROWS;

    -- Partitions: the months kept ahead here; a staged row needing a partition that does
    -- not exist (a new month, a back-fill, a new entity id bucket) fails the statement below
    -- with check_violation, which makes them and retries. The pass over staging that
    -- version 5 ran before every flush (5-15 ms) now runs only then.
    PERFORM atlas.ensure_ts_partition(now() + make_interval(months => v_ahead));
    LOOP
        BEGIN
            -- A record staged twice (a COPY retried after its acknowledgement was lost) is
            -- taken once: the log offset identifies it. Rows a concurrent COPY has not
            -- committed yet stay staged for the next flush.
            WITH taken AS (
                DELETE FROM atlas.entity_values_ingest RETURNING *
            ), kept AS (
                SELECT DISTINCT ON (t.log_offset) t.* FROM taken t WHERE t.log_offset > v_prev ORDER BY t.log_offset
            ), ins AS (
                -- In the order of the tenant btree (tenant_id, attribute_id, ingested_at).
                INSERT INTO atlas.entity_values_ts
                    (entity_id, tenant_id, attribute_id, value, value_int, value_decimal, value_bool,
                     value_timestamp, ingested_at, log_offset)
                SELECT k.entity_id, k.tenant_id, k.attribute_id, k.value, k.value_int, k.value_decimal,
                       k.value_bool, k.value_timestamp, k.ingested_at, k.log_offset
                FROM kept k
                ORDER BY k.tenant_id, k.attribute_id, k.ingested_at
            ), reg AS (
                INSERT INTO atlas.entities (entity_id, tenant_id, entity_type)
                SELECT n.entity_id, n.tenant_id, n.entity_type
                FROM (SELECT DISTINCT ON (k.entity_id) k.entity_id, k.tenant_id, k.entity_type
                      FROM kept k WHERE NOT k.entity_known ORDER BY k.entity_id, k.log_offset) n
                WHERE NOT EXISTS (SELECT 1 FROM atlas.entities e WHERE e.entity_id = n.entity_id)
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), hot AS (
                INSERT INTO flush_hot (entity_id, tenant_id, name, val, ingested_at, at_us, log_offset)
                SELECT DISTINCT ON (k.entity_id, a.attribute_name)
                       k.entity_id, k.tenant_id, a.attribute_name::text,
                       atlas.hot_json(a.data_type, k.value, k.value_int, k.value_decimal, k.value_bool,
                                      k.value_timestamp),
                       k.ingested_at, (extract(epoch FROM k.ingested_at) * 1000000)::bigint, k.log_offset
                FROM kept k
                JOIN atlas.attributes a ON a.attribute_id = k.attribute_id
                WHERE k.attribute_id = ANY(v_hot) AND a.is_hot
                ORDER BY k.entity_id, a.attribute_name, k.ingested_at DESC, k.log_offset DESC
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM kept), (SELECT max(k.log_offset) FROM kept k),
                   (SELECT count(*) FROM reg), (SELECT count(*) FROM hot)
            INTO v_taken, v_ins, v_max, v_reg, v_cand;
            EXIT;
        EXCEPTION WHEN check_violation THEN
            -- "no partition of relation found for row": a staged row needs a new partition.
            -- Everything above was rolled back; make what staging needs and retry.
            v_attempt := v_attempt + 1;
            IF v_attempt >= 3 THEN
                RAISE;
            END IF;
            PERFORM atlas.ensure_staged_partitions();
        END;
    END LOOP;

    IF p_fault = 'afterTimeSeriesInsert' THEN
        RAISE EXCEPTION 'injected fault in flush at afterTimeSeriesInsert' USING ERRCODE = 'AT001';
    END IF;

    WITH cmp AS (
        SELECT c.*, ej.attr_ts -> c.name AS cur
        FROM flush_hot c
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
    SELECT (SELECT count(*) FROM win), (SELECT count(*) FROM up)
    INTO v_written, v_upserted;

    IF p_fault = 'beforeOffsetRecord' THEN
        RAISE EXCEPTION 'injected fault in flush at beforeOffsetRecord' USING ERRCODE = 'AT001';
    END IF;

    UPDATE atlas.flush_state f SET flushed_offset = GREATEST(v_prev, COALESCE(v_max, v_prev)) WHERE f.id = 1;

    rows_taken := v_taken;
    rows_inserted := v_ins;
    hot_cells_written := v_written;
    hot_cells_skipped := v_cand - v_written;
    entities_registered := v_reg;
    flushed_through := GREATEST(v_prev, COALESCE(v_max, v_prev));
    RETURN NEXT;
END
$$;

-- Atlas PostgreSQL schema, version 3: Row-Level Security and the app role's grants.
--
-- Every tenant-owned table gets ENABLE + FORCE ROW LEVEL SECURITY and one policy:
-- a row is visible and writable only when its tenant_id equals the transaction's
-- `app.tenant_id` (set with set_config('app.tenant_id', $1, true) per transaction).
-- With no tenant set, atlas.current_tenant() is NULL and nothing matches. FORCE makes
-- the owner role subject to the policies too; only atlas_flusher (BYPASSRLS, owning
-- just the definer functions) crosses tenants.
--
-- Partitions are not reachable directly: the app role has no grant on any partition
-- (grants on the parent are not inherited), so every read goes through the parents'
-- policies.

SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

DO $rls$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'entities', 'entity_values_ts', 'entity_jsonb'] LOOP
        EXECUTE format('ALTER TABLE atlas.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE atlas.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON atlas.%I FOR ALL TO PUBLIC '
                       'USING (tenant_id = atlas.current_tenant()) '
                       'WITH CHECK (tenant_id = atlas.current_tenant())', t);
    END LOOP;
END
$rls$;

-- The app role: reads (and may correct) its own tenant's rows; RLS is the fence.
GRANT SELECT, INSERT, UPDATE, DELETE ON atlas.tenants, atlas.entities, atlas.entity_values_ts,
    atlas.entity_jsonb TO atlas_app;
GRANT SELECT ON atlas.attributes, atlas.flush_state, atlas.settings TO atlas_app;
-- Staging: COPY in only (no SELECT, so one tenant's staged rows are unreadable to all).
GRANT INSERT ON atlas.entity_values_ingest TO atlas_app;
GRANT SELECT, INSERT ON atlas.replication_heartbeat TO atlas_app;
GRANT USAGE ON SEQUENCE atlas.replication_heartbeat_id_seq TO atlas_app;

-- The stats view, scoped to the transaction's tenant (the materialized view has no RLS).
CREATE VIEW atlas.entity_attribute_stats WITH (security_barrier) AS
SELECT * FROM atlas.mv_entity_attribute_stats WHERE tenant_id = atlas.current_tenant();
GRANT SELECT ON atlas.entity_attribute_stats TO atlas_app;

RESET ROLE;
-- REFRESH runs the view's query as its owner, and FORCE RLS would show atlas_owner no
-- rows (no tenant set): the cross-tenant aggregate belongs to the BYPASSRLS role.
ALTER MATERIALIZED VIEW atlas.mv_entity_attribute_stats OWNER TO atlas_flusher;
GRANT SELECT ON atlas.mv_entity_attribute_stats TO atlas_owner;
REVOKE EXECUTE ON FUNCTION atlas.stage_flush(text), atlas.staged_count(), atlas.clear_staging(),
    atlas.entity_owner(bigint), atlas.entity_owners(bigint[]),
    atlas.install_catalog(bigint[], text[], boolean[], bigint[], text[], text[], boolean[]),
    atlas.ensure_ts_partition(timestamptz), atlas.ensure_entity_partition(bigint),
    atlas.maintain_partitions(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION atlas.stage_flush(text), atlas.staged_count(), atlas.clear_staging(),
    atlas.entity_owner(bigint), atlas.entity_owners(bigint[]),
    atlas.install_catalog(bigint[], text[], boolean[], bigint[], text[], text[], boolean[]),
    atlas.maintain_partitions(int) TO atlas_app;
GRANT EXECUTE ON FUNCTION atlas.ensure_ts_partition(timestamptz), atlas.ensure_entity_partition(bigint)
    TO atlas_flusher;

-- Atlas PostgreSQL schema, version 7: owners of many entities in one call, staged ones
-- included (what entity_owner answers for one id: a registered owner first, else the
-- tenant of the earliest staged row). The ingest path validates a whole batch with it
-- instead of one round trip per entity its writer has not seen.
SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

CREATE FUNCTION atlas.entity_owners_any(p_entity_ids bigint[])
RETURNS TABLE (entity_id bigint, tenant_id bigint, registered boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = atlas, pg_catalog
AS $$
    SELECT DISTINCT ON (o.entity_id) o.entity_id, o.tenant_id, o.registered FROM (
        SELECT e.entity_id, e.tenant_id, true AS registered, 0::bigint AS ord
        FROM atlas.entities e WHERE e.entity_id = ANY(p_entity_ids)
        UNION ALL
        SELECT s.entity_id, s.tenant_id, false, s.log_offset
        FROM atlas.entity_values_ingest s WHERE s.entity_id = ANY(p_entity_ids)
    ) o ORDER BY o.entity_id, o.registered DESC, o.ord
$$;

RESET ROLE;
ALTER FUNCTION atlas.entity_owners_any(bigint[]) OWNER TO atlas_flusher;
REVOKE EXECUTE ON FUNCTION atlas.entity_owners_any(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION atlas.entity_owners_any(bigint[]) TO atlas_app;

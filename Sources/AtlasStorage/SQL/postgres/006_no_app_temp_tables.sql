-- Atlas PostgreSQL schema, version 6: two privileges the app role must not have.
--
-- stage_flush runs as atlas_flusher (which bypasses RLS) and fills a session temp table,
-- flush_hot, by unqualified name. With TEMPORARY, atlas_app could create pg_temp.flush_hot
-- first, with a trigger of its own, and have it run as atlas_flusher inside the flush:
-- every tenant's rows, readable without a tenant set. Nothing the app does needs a temp
-- table (staging is the UNLOGGED atlas.entity_values_ingest), so the privilege goes,
-- including the one every role gets through PUBLIC. atlas_flusher keeps it: its function
-- creates the table in the caller's session.
DO $db$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM atlas_app, PUBLIC', current_database());
END
$db$;

-- The app role may not delete entities (soft delete is `is_deleted`): a writer that knows an
-- entity as registered stages it with entity_known, and stage_flush then never registers it
-- again, so a deleted row would leave that entity's hot values out of every Query 1.
REVOKE DELETE ON atlas.entities FROM atlas_app;

-- Atlas PostgreSQL schema, version 4: what spec Query 1 needs to plan well.
--
-- The tenant-first btree (tenant_id, updated_at DESC) from 001 gives Query 1 its
-- order; these extended statistics tell the planner how selective the usual hot
-- predicates are and that tenant and JSON fields are correlated (measured in
-- `atlas bench query`; the notes found the spec's indexes alone slower than EAV).
-- Expression statistics are per key; the spec's example keys are covered here, and
-- `atlas schema refresh-stats` re-ANALYZEs after bulk loads.

SET LOCAL ROLE atlas_owner;
SET LOCAL search_path = atlas, pg_catalog;

CREATE STATISTICS atlas.entity_jsonb_hot_stats (ndistinct, dependencies, mcv)
ON tenant_id, (hot_attrs ->> 'status'), (hot_attrs ->> 'environment')
FROM atlas.entity_jsonb;
CREATE STATISTICS atlas.entity_jsonb_priority_stats
ON ((hot_attrs ->> 'priority')), ((hot_attrs ->> 'region'))
FROM atlas.entity_jsonb;

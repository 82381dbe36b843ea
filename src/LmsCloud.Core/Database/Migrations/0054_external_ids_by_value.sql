-- The OneRoster providers find an object by the SIS's sourcedId (a class in a path, a student in a filter) without
-- knowing which source system named it: the primary key leads with source_system, so such a lookup read every id of
-- the district. This index answers it directly.
create index external_ids_by_value on external_ids (tenant_id, entity_type, external_id);

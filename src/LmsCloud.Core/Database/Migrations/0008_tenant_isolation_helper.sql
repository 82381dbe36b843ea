-- One way to make a table a district's table, so no migration writes the RLS DDL by hand again: RLS enabled and
-- forced (the owner obeys it too) and the one permissive policy, USING and WITH CHECK, on the session setting
-- app.tenant_id. Every migration from here on calls it right after creating a tenant table:
--
--   create table course_shells (tenant_id uuid not null references tenants (id), id uuid not null, ...,
--                               primary key (tenant_id, id));
--   select enable_tenant_isolation('course_shells');
--   grant select, insert, update on course_shells to lms_app;
--
-- Grants stay in the migration: what the application may do differs per table. The RLS guard test
-- (tests/LmsCloud.Tests/Tenancy/RlsGuardTests.cs) still checks every table, however it was made.
create function enable_tenant_isolation(t regclass) returns void
language plpgsql
set search_path = pg_catalog, public
as $$
begin
  if not exists (select 1 from pg_attribute where attrelid = t and attname = 'tenant_id' and not attisdropped) then
    raise exception 'table % has no tenant_id column, so it cannot be a tenant table', t;
  end if;
  execute format('alter table %s enable row level security', t);
  execute format('alter table %s force row level security', t);
  execute format($p$create policy tenant_isolation on %s
    using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
    with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
end $$;

-- DDL is the owner's business: the application role may not call it.
revoke execute on function enable_tenant_isolation(regclass) from public;

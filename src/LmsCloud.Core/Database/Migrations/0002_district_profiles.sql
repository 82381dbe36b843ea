-- A district's own profile and settings, editable by the district. The first tenant-scoped table, and the
-- pattern every later one follows: tenant_id leads the primary key, RLS enabled and forced, one policy with
-- USING and WITH CHECK on the session setting app.tenant_id (see docs/tenancy.md).
create table district_profiles (
  tenant_id     uuid not null references tenants (id),
  display_name  text not null check (length(btrim(display_name)) between 1 and 200),
  time_zone     text not null default 'UTC',
  locale        text not null default 'en-US',
  settings      jsonb not null default '{}'::jsonb check (jsonb_typeof(settings) = 'object'),
  updated_at    timestamptz not null default now(),
  primary key (tenant_id)
);

alter table district_profiles enable row level security;
alter table district_profiles force row level security;
create policy tenant_isolation on district_profiles
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

grant select, insert, update on district_profiles to lms_app;

-- Districts (tenants). A global table without RLS: a district is resolved from the host name before any tenant
-- context exists. Everything tenant-scoped references tenants(id).
create table tenants (
  id          uuid primary key,
  slug        text not null unique
              check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  name        text not null check (length(btrim(name)) between 1 and 200),
  status      text not null default 'active' check (status in ('active', 'suspended')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

-- The application role provisions and suspends districts (platform operations) but never deletes them.
grant select, insert, update on tenants to lms_app;

-- Running API nodes LISTEN on this channel and drop their cached copy of the districts at once.
create function notify_tenants_changed() returns trigger
language plpgsql as $$
begin
  perform pg_notify('tenants_changed', coalesce(new.slug, old.slug));
  return null;
end $$;

create trigger tenants_changed after insert or update or delete on tenants
  for each row execute function notify_tenants_changed();

-- The audit log: append-only at the database and a hash chain per district (docs/security.md).
create table audit_events (
  tenant_id        uuid not null references tenants (id),
  seq              bigint not null check (seq > 0),
  occurred_at      timestamptz not null,
  actor_type       text not null check (actor_type in ('user', 'client', 'operator', 'system', 'import', 'anonymous')),
  actor_id         text,
  real_actor_id    text,                  -- the person behind an impersonation
  action           text not null,
  entity_type      text,
  entity_id        text,
  subject_user_id  uuid,                  -- the person the event is about
  before_values    json,                  -- json, not jsonb: the exact text that was hashed
  after_values     json,
  reason           text,
  request_id       text,
  client_address   text,
  prev_hash        bytea not null,
  hash             bytea not null,
  primary key (tenant_id, seq)
);
create index audit_events_action on audit_events (tenant_id, action, occurred_at);
create index audit_events_actor on audit_events (tenant_id, actor_id, occurred_at);
create index audit_events_subject on audit_events (tenant_id, subject_user_id, occurred_at);
create index audit_events_time on audit_events (tenant_id, occurred_at);

alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy tenant_isolation on audit_events
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
  with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));

-- The application may only append and read.
grant select, insert on audit_events to lms_app;

-- Nobody rewrites history by accident, not even the owner: changing a row takes disabling this trigger first,
-- and the hash chain then shows where.
create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'audit_events is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_events_refuse_change();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_refuse_change();

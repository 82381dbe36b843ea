-- Legal holds and retention runs (docs/compliance.md, issue 11 items 4 and 5).
--
-- A legal hold on a district, a school, a class or a person: while it is active (not released, and its `until` not yet
-- passed) nothing it covers is erased or purged. Retention runs find what a district's retention policy says is due,
-- report it (a dry run, with every item and whether a hold blocks it), wait for a compliance officer's approval, and then
-- delete or anonymise in capped, idempotent batches.

create table legal_holds (
  tenant_id       uuid not null references tenants (id),
  id              uuid not null,
  scope_type      text not null check (scope_type in ('district', 'school', 'class', 'person')),
  scope_id        uuid,                      -- the school (orgs), class or person (users); null only for the district
  reason          text not null check (length(reason) between 1 and 2000),
  created_by      uuid,                      -- the compliance officer who placed it; null for an operator at the CLI
  created_at      timestamptz not null,
  until           timestamptz,               -- when it lapses by itself; null: until released
  released_at     timestamptz,
  released_by     uuid,                      -- who released it; null for an operator (the audit log names them)
  release_reason  text check (length(release_reason) <= 2000),
  primary key (tenant_id, id),
  check ((scope_type = 'district') = (scope_id is null)),
  check ((released_at is null) = (release_reason is null)),
  foreign key (tenant_id, created_by) references users (tenant_id, id),
  foreign key (tenant_id, released_by) references users (tenant_id, id)
);
select enable_tenant_isolation('legal_holds'::regclass);
grant select, insert, update on legal_holds to lms_app;
create index legal_holds_scope on legal_holds (tenant_id, scope_type, scope_id) where released_at is null;

-- The active holds covering one person: a district hold, a hold on a school they belong to (user_orgs) or are enrolled
-- at, on a class they are or were enrolled in (enrollments, any status), or on them. Security invoker: RLS on every table
-- keeps it to the caller's district. Retention uses it set-based (`where not person_is_held(u.id)`); LegalHolds.cs reads it.
create function legal_holds_on_person(p uuid) returns setof legal_holds
language sql stable
as $$
  select h.* from legal_holds h
  where h.released_at is null and (h.until is null or h.until > now())
    and (h.scope_type = 'district'
      or (h.scope_type = 'person' and h.scope_id = p)
      or (h.scope_type = 'school' and (exists (select 1 from user_orgs uo where uo.user_id = p and uo.org_id = h.scope_id)
                                    or exists (select 1 from enrollments e where e.user_id = p and e.school_id = h.scope_id)))
      or (h.scope_type = 'class' and exists (select 1 from enrollments e where e.user_id = p and e.class_id = h.scope_id)))
$$;

create function person_is_held(p uuid) returns boolean
language sql stable
as $$ select exists (select 1 from legal_holds_on_person(p)) $$;

-- The active holds covering one class: a district hold, a hold on its school, or on the class itself. (Holds on the
-- people enrolled are checked per person.)
create function legal_holds_on_class(c uuid) returns setof legal_holds
language sql stable
as $$
  select h.* from legal_holds h
  where h.released_at is null and (h.until is null or h.until > now())
    and (h.scope_type = 'district'
      or (h.scope_type = 'class' and h.scope_id = c)
      or (h.scope_type = 'school' and exists (select 1 from classes k where k.id = c and k.school_id = h.scope_id)))
$$;

-- When a person left: set when the SIS (or an admin) marks them tobedeleted, cleared when they come back. Retention of a
-- departed person counts from it (RetentionEvent.PersonDeparted). Existing departed people count from their last change.
alter table users add column departed_at timestamptz;
update users set departed_at = updated_at where status = 'tobedeleted';

create function users_track_departure() returns trigger
language plpgsql
as $$
begin
  if new.status = 'tobedeleted' and (tg_op = 'INSERT' or old.status is distinct from 'tobedeleted') then
    new.departed_at := coalesce(new.departed_at, now());
  elsif new.status <> 'tobedeleted' then
    new.departed_at := null;
  end if;
  return new;
end $$;
create trigger users_track_departure before insert or update of status on users
  for each row execute function users_track_departure();

-- A retention run: reported (the dry run) → approved → running → completed | failed; or cancelled before it runs.
create table retention_runs (
  tenant_id              uuid not null references tenants (id),
  id                     uuid not null,
  state                  text not null check (state in ('reported', 'approved', 'running', 'completed', 'failed', 'cancelled')),
  trigger                text not null check (trigger in ('schedule', 'api', 'cli')),
  as_of                  timestamptz not null,      -- the instant "due" was computed for
  created_at             timestamptz not null,
  requester_actor_type   text not null,
  requester_actor_id     text,
  approved_at            timestamptz,
  approver_actor_type    text,
  approver_actor_id      text,
  started_at             timestamptz,
  finished_at            timestamptz,
  counts                 jsonb not null default '{}'::jsonb,   -- {due, held, done, skipped, failed}
  failure_reason         text,
  certificate_id         uuid,                      -- the deletion certificate issued for the finished run
  primary key (tenant_id, id)
);
select enable_tenant_isolation('retention_runs'::regclass);
grant select, insert, update on retention_runs to lms_app;
create index retention_runs_recent on retention_runs (tenant_id, created_at desc);
-- One unfinished run per district: a new report replaces nothing silently.
create unique index retention_runs_one_open on retention_runs (tenant_id) where state in ('reported', 'approved', 'running');

-- What a run found due: one row per thing to purge or erase, why it is due, whether a hold blocks it, and what happened.
create table retention_run_items (
  tenant_id        uuid not null,
  run_id           uuid not null,
  seq              integer not null,
  kind             text not null check (kind in ('import_package', 'import_row_errors', 'import_changes', 'class_enrollments', 'departed_person')),
  table_name       text not null,              -- the table (or 'storage') the item removes from
  target_id        uuid not null,              -- the import run, class or person
  subject_user_id  uuid,                       -- the person, for departed_person
  rows             bigint not null default 0,  -- rows (or files) found due at report time
  due_since        timestamptz not null,       -- the event + the period
  why              text not null,
  hold_id          uuid,                       -- the hold that blocks it at report time (null: not held)
  outcome          text check (outcome in ('done', 'skipped', 'held', 'failed')),
  outcome_reason   text,
  outcome_rows     bigint,
  done_at          timestamptz,
  primary key (tenant_id, run_id, seq),
  foreign key (tenant_id, run_id) references retention_runs (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('retention_run_items'::regclass);
grant select, insert, update on retention_run_items to lms_app;
create index retention_run_items_pending on retention_run_items (tenant_id, run_id, seq) where outcome is null;

-- The roster a district's SIS sends (OneRoster), and the bookkeeping of every import (docs/sis-import.md).
-- Roster rows are never hard-deleted by an import: a record missing from a bulk file, or sent as tobedeleted in a
-- delta, gets status 'tobedeleted' and comes back ('revived') if it reappears.

-- People are the users who sign in (0003); an imported person has no password until given one.
alter table users
  add column source           text not null default 'local' check (source in ('local', 'sis')),
  add column status           text not null default 'active' check (status in ('active', 'tobedeleted')),
  add column given_name       text,
  add column family_name      text,
  add column middle_name      text,
  add column identifier       text,
  add column enabled_user     boolean not null default true,
  add column grades           text[],
  add column phone            text,
  add column sms              text,
  add column locally_edited   text[] not null default '{}',   -- fields a district admin changed by hand
  add column updated_at       timestamptz not null default now();
alter table users alter column security_stamp set default gen_random_uuid()::text;
alter table users alter column concurrency_stamp set default gen_random_uuid()::text;

-- Roles granted by the SIS are kept in step with it; roles granted by hand ('local') are never touched by an import.
alter table user_roles add column source text not null default 'local' check (source in ('local', 'sis'));

create table orgs (
  tenant_id   uuid not null references tenants (id),
  id          uuid not null,
  name        text not null,
  type        text not null check (type in ('district', 'school', 'department', 'local', 'state', 'national')),
  identifier  text,
  parent_id   uuid,
  status      text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references orgs (tenant_id, id) deferrable initially deferred
);

create table academic_sessions (
  tenant_id    uuid not null references tenants (id),
  id           uuid not null,
  title        text not null,
  type         text not null check (type in ('schoolYear', 'term', 'semester', 'gradingPeriod')),
  start_date   date not null,
  end_date     date not null,
  parent_id    uuid,
  school_year  integer not null,
  status       text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at   timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, parent_id) references academic_sessions (tenant_id, id) deferrable initially deferred
);

create table courses (
  tenant_id       uuid not null references tenants (id),
  id              uuid not null,
  title           text not null,
  course_code     text,
  grades          text[],
  org_id          uuid not null,
  school_year_id  uuid,
  subjects        text[],
  subject_codes   text[],
  status          text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at      timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, org_id) references orgs (tenant_id, id) deferrable initially deferred,
  foreign key (tenant_id, school_year_id) references academic_sessions (tenant_id, id) deferrable initially deferred
);

create table classes (
  tenant_id      uuid not null references tenants (id),
  id             uuid not null,
  title          text not null,
  class_code     text,
  class_type     text not null check (class_type in ('homeroom', 'scheduled')),
  location       text,
  course_id      uuid not null,
  school_id      uuid not null,
  grades         text[],
  subjects       text[],
  subject_codes  text[],
  periods        text[],
  term_ids       uuid[] not null,             -- termSourcedIds, resolved; one row per class keeps imports set-based
  status         text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at     timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, course_id) references courses (tenant_id, id) deferrable initially deferred,
  foreign key (tenant_id, school_id) references orgs (tenant_id, id) deferrable initially deferred
);
create index classes_course on classes (tenant_id, course_id);
create index classes_school on classes (tenant_id, school_id);

-- A person's membership of an org with a OneRoster role (1.1 users.role + orgSourcedIds; 1.2 roles.csv).
create table user_orgs (
  tenant_id   uuid not null,
  user_id     uuid not null,
  org_id      uuid not null,
  role        text not null,
  role_type   text not null default 'primary' check (role_type in ('primary', 'secondary')),
  begin_date  date,
  end_date    date,
  primary key (tenant_id, user_id, org_id, role),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
  foreign key (tenant_id, org_id) references orgs (tenant_id, id) deferrable initially deferred
);

create table guardian_links (
  tenant_id    uuid not null,
  student_id   uuid not null,
  guardian_id  uuid not null,
  primary key (tenant_id, student_id, guardian_id),
  foreign key (tenant_id, student_id) references users (tenant_id, id) on delete cascade,
  foreign key (tenant_id, guardian_id) references users (tenant_id, id) on delete cascade
);
create index guardian_links_guardian on guardian_links (tenant_id, guardian_id);

create table enrollments (
  tenant_id   uuid not null,
  id          uuid not null,
  class_id    uuid not null,
  user_id     uuid not null,
  school_id   uuid not null,
  role        text not null check (role in ('student', 'teacher', 'administrator', 'proctor', 'aide', 'guardian', 'parent')),
  is_primary  boolean not null default false,
  begin_date  date,
  end_date    date,
  status      text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, class_id) references classes (tenant_id, id) deferrable initially deferred,
  foreign key (tenant_id, user_id) references users (tenant_id, id) deferrable initially deferred,
  foreign key (tenant_id, school_id) references orgs (tenant_id, id) deferrable initially deferred
);
create index enrollments_class on enrollments (tenant_id, class_id);
create index enrollments_user on enrollments (tenant_id, user_id);

-- Sensitive: readable through the API only by DistrictAdmin and ComplianceOfficer.
create table demographics (
  tenant_id   uuid not null,
  user_id     uuid not null,
  birth_date  date,
  sex         text,
  flags       jsonb not null default '{}'::jsonb,   -- race/ethnicity flags and birthplace, as sent
  status      text not null default 'active' check (status in ('active', 'tobedeleted')),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, user_id),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

-- sourcedId → our id, stable forever; plus the per-record sync state (last run that changed it).
-- No foreign key to tenants here or on import_changes: they take a row per roster record (500k for a large
-- district), each key check costs a lookup, and districts are never deleted (lms_app has no DELETE on tenants).
create table external_ids (
  tenant_id      uuid not null,
  source_system  text not null,
  entity_type    text not null,
  external_id    text not null,
  internal_id    uuid not null,
  state          text not null default 'active' check (state in ('active', 'tobedeleted', 'conflict')),
  first_run_id   uuid,
  last_run_id    uuid,
  primary key (tenant_id, source_system, entity_type, external_id)
);
-- Reverse lookups (our id → sourcedId) for change lists; a narrow uuid index keeps a 400k-row import cheap.
create index external_ids_internal on external_ids (tenant_id, internal_id);

create table import_runs (
  tenant_id          uuid not null references tenants (id),
  id                 uuid not null,
  trigger            text not null check (trigger in ('upload', 'schedule', 'cli', 'inbox')),
  dry_run            boolean not null default false,
  status             text not null,
  run_date           date,                        -- scheduled runs: one per district and local date
  package_path       text not null,
  package_name       text,
  package_sha256     text not null,
  oneroster_version  text,
  manifest           jsonb,
  source_system      text,
  requested_by       text,
  progress_phase     text,
  progress_percent   integer not null default 0,
  counts             jsonb not null default '{}'::jsonb,
  warning_count      integer not null default 0,
  error_count        integer not null default 0,
  failure_reason     text,
  history            jsonb not null default '[]'::jsonb,   -- [{status, at}]
  created_at         timestamptz not null default now(),
  started_at         timestamptz,
  finished_at        timestamptz,
  primary key (tenant_id, id)
);
create unique index import_runs_scheduled_once on import_runs (tenant_id, run_date) where trigger = 'schedule';
create index import_runs_recent on import_runs (tenant_id, created_at desc);

create table import_row_errors (
  tenant_id    uuid not null,
  run_id       uuid not null,
  seq          integer not null,
  severity     text not null check (severity in ('error', 'warning')),
  file         text not null,
  line         integer,
  column_name  text,
  code         text not null,
  message      text not null,
  primary key (tenant_id, run_id, seq),
  foreign key (tenant_id, run_id) references import_runs (tenant_id, id) on delete cascade
);

create table import_changes (
  tenant_id    uuid not null,
  run_id       uuid not null,
  seq          bigint not null,
  entity_type  text not null,
  external_id  text not null,
  action       text not null check (action in ('created', 'updated', 'deleted', 'revived', 'conflict')),
  old_values   jsonb,
  new_values   jsonb,
  primary key (tenant_id, run_id, seq)
);

-- The nightly schedule of each district.
create table sis_schedules (
  tenant_id        uuid not null references tenants (id),
  enabled          boolean not null default true,
  cron_expression  text not null default '0 0 2 * * ?',    -- Quartz cron: 02:00 every day
  updated_at       timestamptz not null default now(),
  primary key (tenant_id)
);

do $$
declare t text;
begin
  foreach t in array array['orgs', 'academic_sessions', 'courses', 'classes', 'user_orgs', 'guardian_links', 'enrollments',
                           'demographics', 'external_ids', 'import_runs', 'import_row_errors', 'import_changes', 'sis_schedules'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
      with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    execute format('grant select, insert, update, delete on %I to lms_app', t);
  end loop;
end $$;

-- Grading policy, schemes, final overrides and closed grading periods (issue 13 items 3–4; docs/grade-engine.md,
-- "Stored scores, policy and periods"). GradeInputs reads these into the engine's description; every change here
-- recomputes the affected student_scores rows in the same transaction (GradingPolicies, GradingPeriods).

-- A district's letter ladders. entries is [{"letter": "A", "minPercent": 94}, …], highest first; the app validates it
-- (letters unique, minimums strictly descending, the lowest 0). At most one is the district default (is_default);
-- with none, the built-in A 94 … F 0 ladder (GradeDescription.DefaultScheme) applies.
create table grading_schemes (
  tenant_id   uuid not null,
  id          uuid not null,
  name        text not null check (length(name) between 1 and 100),
  entries     jsonb not null check (jsonb_typeof(entries) = 'array' and jsonb_array_length(entries) between 1 and 30),
  is_default  boolean not null default false,
  updated_by  uuid,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, name),
  foreign key (tenant_id, updated_by) references users (tenant_id, id)
);
select enable_tenant_isolation('grading_schemes'::regclass);
grant select, insert, update on grading_schemes to lms_app;
create unique index grading_schemes_one_default on grading_schemes (tenant_id) where is_default;

-- A shell's grading policy. No row: the automatic default (percent weighting when any group has a weight, else
-- points; no late or missing deduction; the district's scheme). A null late/missing part means no such policy;
-- scheme_id null means the district default. version counts saved changes (1 for the first).
create table shell_grading_policies (
  tenant_id                  uuid not null,
  shell_id                   uuid not null,
  weighting                  text not null check (weighting in ('percent', 'points')),
  late_deduction_percent     numeric(5,2) check (late_deduction_percent between 0 and 100),
  late_interval              text check (late_interval in ('minute', 'hour', 'day', 'week')),
  late_floor_percent         numeric(5,2) check (late_floor_percent between 0 and 100),
  missing_deduction_percent  numeric(5,2) check (missing_deduction_percent between 0 and 100),
  missing_floor_percent      numeric(5,2) check (missing_floor_percent between 0 and 100),  -- the "no zero" floor
  scheme_id                  uuid,
  version                    integer not null default 1 check (version >= 1),
  updated_by                 uuid,
  updated_at                 timestamptz not null default now(),
  primary key (tenant_id, shell_id),
  check ((late_deduction_percent is null) = (late_interval is null) and (late_deduction_percent is null) = (late_floor_percent is null)),
  check ((missing_deduction_percent is null) = (missing_floor_percent is null)),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, scheme_id) references grading_schemes (tenant_id, id),
  foreign key (tenant_id, updated_by) references users (tenant_id, id)
);
select enable_tenant_isolation('shell_grading_policies'::regclass);
grant select, insert, update on shell_grading_policies to lms_app;

-- A teacher's override of one student's final grade in a shell, with the reason (required). Setting, changing and
-- removing one is a grade change (grade_changes kind final_override + chained audit event).
create table final_grade_overrides (
  tenant_id   uuid not null,
  shell_id    uuid not null,
  student_id  uuid not null,
  percent     numeric(6,2) not null check (percent between 0 and 1000),
  reason      text not null check (length(reason) between 1 and 1000),
  set_by      uuid,             -- the teacher or admin, by id only (no key: erasing a teacher keeps students' grades)
  set_at      timestamptz not null default now(),
  primary key (tenant_id, shell_id, student_id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('final_grade_overrides'::regclass);
grant select, insert, update, delete on final_grade_overrides to lms_app;

-- Grading periods are the roster's academic_sessions of type gradingPeriod (below a class's terms, via parent_id).
-- A row here closes one: grade changes that fall into it are refused (409). Reopening deletes the row; both are audited.
create table grading_period_closures (
  tenant_id   uuid not null,
  session_id  uuid not null,
  closed_at   timestamptz not null default now(),
  closed_by   uuid,
  primary key (tenant_id, session_id),
  foreign key (tenant_id, session_id) references academic_sessions (tenant_id, id),
  foreign key (tenant_id, closed_by) references users (tenant_id, id)
);
select enable_tenant_isolation('grading_period_closures'::regclass);
grant select, insert, delete on grading_period_closures to lms_app;
grant update (closed_by) on grading_period_closures to lms_app;  -- erasure of the admin who closed it (the data map's anonymise)

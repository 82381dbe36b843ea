-- Assignments and assignment groups (docs/assignments.md; LEARNING-CORE.md §3–4; issue 13 item 1).
--
-- A group (category) holds a shell's assignments and carries what the grade engine needs: weight, drop lowest/highest
-- and the never-drop items. An assignment's instructions are a versioned lesson body (content_items of kind
-- 'assignment' + content_versions, pinned by number). Overrides move due/unlock/lock per section (= roster class) or
-- per student (an IEP/504 extension); effective_due_dates holds the result per (assignment, student), recomputed
-- set-based in the same transaction by refresh_effective_due_dates() whenever an assignment, an override, an
-- enrolment or a shell's classes change (the last two by statement triggers below).

create table assignment_groups (
  tenant_id     uuid not null,
  id            uuid not null,
  shell_id      uuid not null,
  name          text not null check (length(name) between 1 and 300),
  weight        numeric(7,4) not null default 0 check (weight >= 0),
  drop_lowest   integer not null default 0 check (drop_lowest >= 0),
  drop_highest  integer not null default 0 check (drop_highest >= 0),
  position      integer not null check (position >= 1),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, id),
  constraint assignment_groups_position unique (tenant_id, shell_id, position) deferrable initially deferred,
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id)
);
select enable_tenant_isolation('assignment_groups'::regclass);
grant select, insert, update, delete on assignment_groups to lms_app;

create table assignments (
  tenant_id           uuid not null,
  id                  uuid not null,
  shell_id            uuid not null,
  group_id            uuid not null,
  title               text not null check (length(title) between 1 and 300),
  description         text not null default '' check (length(description) <= 10000),
  points_possible     numeric(9,2) not null default 0 check (points_possible >= 0),
  grading_type        text not null default 'points'
                        check (grading_type in ('points', 'percent', 'letter', 'pass_fail', 'not_graded')),
  due_at              timestamptz,
  unlock_at           timestamptz,
  lock_at             timestamptz,
  allowed_attempts    integer check (allowed_attempts >= 1),       -- null: unlimited
  omit_from_final     boolean not null default false,
  post_manually       boolean not null default false,
  passback            boolean not null default true,
  content_item_id     uuid not null,                               -- the instructions (kind 'assignment')
  content_version_no  integer,                                     -- the pinned version students see (null: none yet)
  module_item_id      uuid,                                        -- the placeholder in a module, if one links here
  published           boolean not null default false,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, id),
  unique (tenant_id, group_id, id),                                 -- target of group_never_drop's same-group key
  check (unlock_at is null or due_at is null or unlock_at <= due_at),
  check (due_at is null or lock_at is null or due_at <= lock_at),
  check (unlock_at is null or lock_at is null or unlock_at <= lock_at),
  foreign key (tenant_id, shell_id, group_id) references assignment_groups (tenant_id, shell_id, id),
  foreign key (tenant_id, shell_id, content_item_id) references content_items (tenant_id, shell_id, id),
  foreign key (tenant_id, content_item_id, content_version_no) references content_versions (tenant_id, item_id, version_no),
  foreign key (tenant_id, shell_id, module_item_id) references module_items (tenant_id, shell_id, id) on delete set null (module_item_id)
);
select enable_tenant_isolation('assignments'::regclass);
grant select, insert, update, delete on assignments to lms_app;
create index assignments_shell on assignments (tenant_id, shell_id, group_id);

-- Items a group's drop rules never drop. The key through assignments (tenant, group, id) makes "belongs to the group"
-- a constraint; moving an assignment to another group deletes its row here first (AssignmentEditing).
create table group_never_drop (
  tenant_id      uuid not null,
  group_id       uuid not null,
  assignment_id  uuid not null,
  primary key (tenant_id, group_id, assignment_id),
  foreign key (tenant_id, group_id, assignment_id) references assignments (tenant_id, group_id, id) on delete cascade
);
select enable_tenant_isolation('group_never_drop'::regclass);
grant select, insert, delete on group_never_drop to lms_app;

-- Per-section (class_id) or per-student dates. A null date in an override means "none" (no due date / never locks).
create table assignment_overrides (
  tenant_id      uuid not null,
  id             uuid not null,
  assignment_id  uuid not null,
  class_id       uuid,
  student_id     uuid,
  due_at         timestamptz,
  unlock_at      timestamptz,
  lock_at        timestamptz,
  reason         text check (length(reason) <= 300),       -- e.g. "IEP extension"; shown to teachers only
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  primary key (tenant_id, id),
  check ((class_id is null) <> (student_id is null)),
  check (unlock_at is null or due_at is null or unlock_at <= due_at),
  check (due_at is null or lock_at is null or due_at <= lock_at),
  check (unlock_at is null or lock_at is null or unlock_at <= lock_at),
  unique (tenant_id, assignment_id, class_id),
  unique (tenant_id, assignment_id, student_id),
  foreign key (tenant_id, assignment_id) references assignments (tenant_id, id) on delete cascade,
  foreign key (tenant_id, class_id) references classes (tenant_id, id),
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('assignment_overrides'::regclass);
grant select, insert, update, delete on assignment_overrides to lms_app;
create index assignment_overrides_student on assignment_overrides (tenant_id, student_id) where student_id is not null;

-- One row per (assignment, student actively enrolled as a student in a class the shell serves).
create table effective_due_dates (
  tenant_id      uuid not null,
  assignment_id  uuid not null,
  student_id     uuid not null,
  due_at         timestamptz,
  unlock_at      timestamptz,
  lock_at        timestamptz,
  source         text not null check (source in ('student', 'section', 'assignment')),
  computed_at    timestamptz not null default now(),
  primary key (tenant_id, assignment_id, student_id),
  foreign key (tenant_id, assignment_id) references assignments (tenant_id, id) on delete cascade,
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('effective_due_dates'::regclass);
grant select, insert, update, delete on effective_due_dates to lms_app;
create index effective_due_dates_student on effective_due_dates (tenant_id, student_id);

-- The precedence, for the given assignments, as one delete + one upsert: the student's own override wins; else the
-- section override with the latest due date among the student's active classes (no due date counts as latest, as it
-- is the most lenient); else the assignment's dates. The winning row gives all three dates. Runs as the caller, so
-- RLS keeps it to the current district.
create function refresh_effective_due_dates(p_assignments uuid[]) returns void
language sql
as $$
  with wanted as (
    select distinct a.tenant_id, a.id as assignment_id, e.user_id as student_id, a.due_at, a.unlock_at, a.lock_at
    from assignments a
    join course_shell_classes sc on sc.tenant_id = a.tenant_id and sc.shell_id = a.shell_id
    join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
    where a.id = any (p_assignments)
  ),
  computed as (
    select w.tenant_id, w.assignment_id, w.student_id, d.due_at, d.unlock_at, d.lock_at, d.source
    from wanted w
    cross join lateral (
      select x.due_at, x.unlock_at, x.lock_at, x.source from (
        select o.due_at, o.unlock_at, o.lock_at, 'student' as source, 1 as rank
        from assignment_overrides o
        where o.tenant_id = w.tenant_id and o.assignment_id = w.assignment_id and o.student_id = w.student_id
        union all
        select o.due_at, o.unlock_at, o.lock_at, 'section', 2
        from assignment_overrides o
        join enrollments e on e.tenant_id = o.tenant_id and e.class_id = o.class_id and e.user_id = w.student_id
                          and e.role = 'student' and e.status = 'active'
        where o.tenant_id = w.tenant_id and o.assignment_id = w.assignment_id and o.class_id is not null
        union all
        select w.due_at, w.unlock_at, w.lock_at, 'assignment', 3
      ) x
      order by x.rank, x.due_at desc nulls first
      limit 1
    ) d
  ),
  removed as (
    delete from effective_due_dates t
    where t.assignment_id = any (p_assignments)
      and not exists (select 1 from computed c where c.assignment_id = t.assignment_id and c.student_id = t.student_id)
  )
  insert into effective_due_dates as t (tenant_id, assignment_id, student_id, due_at, unlock_at, lock_at, source)
  select tenant_id, assignment_id, student_id, due_at, unlock_at, lock_at, source from computed
  on conflict (tenant_id, assignment_id, student_id) do update
    set due_at = excluded.due_at, unlock_at = excluded.unlock_at, lock_at = excluded.lock_at, source = excluded.source,
        computed_at = now()
    where (t.due_at, t.unlock_at, t.lock_at, t.source) is distinct from (excluded.due_at, excluded.unlock_at, excluded.lock_at, excluded.source);
$$;

-- Enrolments (roster import, manual changes): one set-based refresh per statement for the assignments of the shells
-- serving the classes the statement touched. Transition tables keep it to the rows that changed.
create function enrollments_refresh_due_dates() returns trigger
language plpgsql
as $$
declare
  ids uuid[];
begin
  select array_agg(distinct a.id) into ids
  from assignments a
  join course_shell_classes sc on sc.tenant_id = a.tenant_id and sc.shell_id = a.shell_id
  where sc.class_id in (select class_id from changed_rows);
  if ids is not null then perform refresh_effective_due_dates(ids); end if;
  return null;
end
$$;

create trigger enrollments_due_dates_ins after insert on enrollments
  referencing new table as changed_rows for each statement execute function enrollments_refresh_due_dates();
create trigger enrollments_due_dates_upd_new after update on enrollments
  referencing new table as changed_rows for each statement execute function enrollments_refresh_due_dates();
create trigger enrollments_due_dates_del after delete on enrollments
  referencing old table as changed_rows for each statement execute function enrollments_refresh_due_dates();

-- A merge moves a class between shells: refresh the assignments of both the old and the new shell.
create function shell_classes_refresh_due_dates() returns trigger
language plpgsql
as $$
declare
  ids uuid[];
begin
  select array_agg(distinct a.id) into ids
  from assignments a
  where a.shell_id in (select shell_id from changed_rows);
  if ids is not null then perform refresh_effective_due_dates(ids); end if;
  return null;
end
$$;

create trigger shell_classes_due_dates_ins after insert on course_shell_classes
  referencing new table as changed_rows for each statement execute function shell_classes_refresh_due_dates();
create trigger shell_classes_due_dates_upd_new after update on course_shell_classes
  referencing new table as changed_rows for each statement execute function shell_classes_refresh_due_dates();
create trigger shell_classes_due_dates_upd_old after update on course_shell_classes
  referencing old table as changed_rows for each statement execute function shell_classes_refresh_due_dates();
create trigger shell_classes_due_dates_del after delete on course_shell_classes
  referencing old table as changed_rows for each statement execute function shell_classes_refresh_due_dates();

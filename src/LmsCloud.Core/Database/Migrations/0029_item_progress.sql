-- Progress through course shells (docs/learning.md, "Progress and analytics"; LEARNING-CORE.md §3, "Counters").
-- Keyed by the student (users.id), not the enrollment: a student moved between two sections served by the same shell
-- keeps their progress, and erasure finds every row by one person key.
--
-- Course completion = shell_progress.completed_required_count / course_shells.required_item_count (the shells
-- feature keeps the denominator: published items with a requirement). The numerator moves by deltas only: a completion
-- is a guarded `update ... where completed_at is null returning` feeding `+ count(*)`, so retries and double clicks
-- cannot double count; the triggers below move it for everyone at once when an item starts or stops counting.

create table item_progress (
  tenant_id          uuid not null references tenants (id),
  student_id         uuid not null,
  module_item_id     uuid not null,
  shell_id           uuid not null,            -- the item's shell, copied so per-shell reads need no join
  first_viewed_at    timestamptz,
  viewed_version_no  integer,                  -- the content version the student saw first
  last_viewed_at     timestamptz,
  completed_at       timestamptz,
  position_s         integer check (position_s >= 0),   -- resume point in a video or long lesson, seconds
  position_at        timestamptz,
  time_spent_s       bigint not null default 0 check (time_spent_s >= 0),   -- from the daily rollup
  primary key (tenant_id, student_id, module_item_id),
  foreign key (tenant_id, student_id) references users (tenant_id, id) on delete cascade,
  foreign key (tenant_id, module_item_id) references module_items (tenant_id, id) on delete cascade,
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id)
);
select enable_tenant_isolation('item_progress'::regclass);
grant select, insert, update, delete on item_progress to lms_app;
-- Per-item funnels (started, completed, median time): tenant first, then the item, the payload in the index.
create index item_progress_item on item_progress (tenant_id, module_item_id) include (student_id, completed_at, time_spent_s);
create index item_progress_shell_student on item_progress (tenant_id, shell_id, student_id);

create table shell_progress (
  tenant_id                 uuid not null references tenants (id),
  shell_id                  uuid not null,
  student_id                uuid not null,
  completed_required_count  integer not null default 0 check (completed_required_count >= 0),
  started_at                timestamptz not null default now(),
  last_activity_at          timestamptz not null default now(),
  primary key (tenant_id, shell_id, student_id),
  foreign key (tenant_id, student_id) references users (tenant_id, id) on delete cascade,
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id)
);
select enable_tenant_isolation('shell_progress'::regclass);
grant select, insert, update, delete on shell_progress to lms_app;
create index shell_progress_student on shell_progress (tenant_id, student_id);

-- An item that starts counting (published with a requirement) adds one for every student who already completed it;
-- one that stops counting (unpublished, made optional, removed) takes it away. A completion locks the item row
-- (for share) while it reads whether the item counts, so a completion racing a requirement change is counted once.
-- Removal is a BEFORE DELETE trigger: the cascade to item_progress runs first among AFTER triggers.
create function item_progress_requirement_changed() returns trigger
language plpgsql
as $$
declare
  counted boolean := old.published and old.requirement is not null;
  counts  boolean := tg_op = 'UPDATE' and new.published and new.requirement is not null;
begin
  if counted is distinct from counts then
    update shell_progress sp
    set completed_required_count = sp.completed_required_count + case when counts then 1 else -1 end
    from item_progress p
    where p.tenant_id = old.tenant_id and p.module_item_id = old.id and p.completed_at is not null
      and sp.tenant_id = p.tenant_id and sp.shell_id = p.shell_id and sp.student_id = p.student_id;
  end if;
  return case when tg_op = 'DELETE' then old else null end;
end $$;
create trigger module_items_progress_changed after update of published, requirement on module_items
  for each row execute function item_progress_requirement_changed();
create trigger module_items_progress_removed before delete on module_items
  for each row execute function item_progress_requirement_changed();

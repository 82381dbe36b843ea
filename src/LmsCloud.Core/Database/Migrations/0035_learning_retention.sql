-- Retention of the learning core's raw activity (docs/compliance.md, "Learning records"): a retention run drops a month's
-- partition of activity_events once the district's period after the month has passed, the district's rollup has
-- folded the month into item_time_daily, and no legal hold covers a student with events in it.

-- The new item kind: one month of a district's activity events.
alter table retention_run_items drop constraint retention_run_items_kind_check;
alter table retention_run_items add constraint retention_run_items_kind_check check (kind in ('import_package', 'import_row_errors',
  'import_changes', 'class_enrollments', 'departed_person', 'reset_tokens', 'revoked_client', 'closed_request', 'activity_month'));

-- Drops the monthly partition of activity_events holding `month`, if it is safe to, and says what it did:
--   'dropped'          the partition held only the calling district's rows (or none): it is gone, with them;
--   'missing'          there is no such partition;
--   'not_folded'       the district's rollup has not folded the whole month (activity_rollup_state.folded_until);
--   'held'             a student of the district with events in the month is under a legal hold (person_is_held);
--   'other_districts'  another district still has events in it: the caller deletes its own rows instead, and the
--                      last district whose run finds the partition empty of everyone else's drops it.
-- Partitions are shared by every district, and RLS is forced on them (the owner obeys it too), so the owner cannot see
-- another district's rows: the function lifts FORCE for its one check, under an exclusive lock on activity_events (no
-- one reads or writes it meanwhile), and puts it back before returning if it keeps the partition. Security definer like
-- ensure_activity_partitions: the application role may drop nothing itself. Only a month that has ended can be dropped.
create function drop_activity_partition(month date) returns text
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
  m date := date_trunc('month', month)::date;
  part text := format('activity_events_%s', to_char(date_trunc('month', month), 'YYYY_MM'));
  tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  month_end timestamptz := (m + interval '1 month')::timestamp at time zone 'UTC';
  others boolean;
  held boolean;
begin
  if tenant is null then
    raise exception 'drop_activity_partition needs a district (app.tenant_id)';
  end if;
  if month_end > now() then
    raise exception 'the month % has not ended', to_char(m, 'YYYY-MM');
  end if;
  if to_regclass('public.' || part) is null then
    return 'missing';
  end if;
  -- activity_rollup_state is RLS-forced too: this reads the calling district's row only.
  if coalesce((select s.folded_until from activity_rollup_state s), '-infinity') < month_end then
    return 'not_folded';
  end if;
  -- Share mode: nobody writes the partition while it is checked, readers of activity_events go on.
  execute format('lock table public.%I in share mode', part);
  -- RLS still on for the district's own rows here: a hold on one of its students keeps the partition.
  execute format('select exists (select 1 from (select distinct student_id from public.%I) s where person_is_held(s.student_id))', part) into held;
  if held then
    return 'held';
  end if;
  -- The parent next (dropping a partition needs it exclusively anyway): a reader of activity_events that holds it and
  -- waits for the partition cannot deadlock with us, as share mode lets it read. Ingest waits for the rest, which is short.
  lock table public.activity_events in access exclusive mode;
  execute format('alter table public.%I no force row level security', part);
  -- Two range scans of the primary key (tenant_id first), not a scan of the month.
  execute format('select exists (select 1 from public.%I where tenant_id < $1) or exists (select 1 from public.%I where tenant_id > $1)',
    part, part) into others using tenant;
  if others then
    execute format('alter table public.%I force row level security', part);
    return 'other_districts';
  end if;
  execute format('drop table public.%I', part);
  return 'dropped';
end $$;
revoke execute on function drop_activity_partition(date) from public;
grant execute on function drop_activity_partition(date) to lms_app;

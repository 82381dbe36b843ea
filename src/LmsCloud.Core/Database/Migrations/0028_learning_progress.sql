-- Activity in course shells and its daily rollup (docs/learning.md, "Progress and analytics"; LEARNING-CORE.md §3);
-- the progress tables that hang on course shells and module items are in 0029.
--
-- Hot writes never update a counter per event: views, heartbeats, positions and marks append to activity_events
-- (RANGE-partitioned by month), and the daily rollup folds them into exact item_time_daily totals. Counters that do
-- change per action (completed_required_count) move by deltas fed by `insert ... on conflict do nothing returning` or
-- a guarded `update ... where completed_at is null returning`, so retries and double clicks cannot double count.

-- Append-only activity: views, heartbeats, resume positions and marks. Partitioned by month on occurred_at (the
-- partition key must be in the primary key); BRIN on time, since rows arrive in time order. No foreign keys: they
-- would cost a lookup per event; the endpoints check the item and the student before appending.
create table activity_events (
  tenant_id           uuid not null,
  occurred_at         timestamptz not null,
  id                  uuid not null default gen_random_uuid(),   -- a client's event id: a resent batch is stored once
  student_id          uuid not null,
  shell_id            uuid not null,
  module_item_id      uuid not null,
  kind                text not null check (kind in ('view', 'heartbeat', 'position', 'done')),
  content_version_no  integer,
  position_s          integer check (position_s >= 0),
  received_at         timestamptz not null default now(),
  primary key (tenant_id, occurred_at, id)
) partition by range (occurred_at);
select enable_tenant_isolation('activity_events'::regclass);
grant select, insert, delete on activity_events to lms_app;
create index activity_events_time on activity_events using brin (occurred_at);
-- The rollup's "what arrived since the last run": late events land at the end of an old partition, so BRIN still fits.
create index activity_events_received on activity_events using brin (received_at);

-- Creates the monthly partitions of activity_events covering [from_month, from_month + months), if missing: each is a
-- tenant table of its own (RLS enabled and forced, as a partition reached directly would otherwise show every district).
-- Security definer, so the application role (which may create nothing) can make next month's partition on demand;
-- the rollup job makes them ahead. Returns how many it created.
create function ensure_activity_partitions(from_month date, months integer) returns integer
language plpgsql
security definer
set search_path = pg_catalog, public
as $$
declare
  m date := date_trunc('month', from_month)::date;
  created integer := 0;
  part text;
begin
  if months < 1 or months > 36 then
    raise exception 'months must be between 1 and 36';
  end if;
  for i in 0 .. months - 1 loop
    part := format('public.activity_events_%s', to_char(m + make_interval(months => i), 'YYYY_MM'));
    if to_regclass(part) is null then
      -- two callers racing for the same month: the loser's create fails; serialise them on a lock per month
      perform pg_advisory_xact_lock(hashtext(part));
      if to_regclass(part) is null then
        execute format('create table %s partition of public.activity_events for values from (%L) to (%L)', part,
          (m + make_interval(months => i))::timestamp at time zone 'UTC', (m + make_interval(months => i + 1))::timestamp at time zone 'UTC');
        perform enable_tenant_isolation(part::regclass);
        execute format('grant select, insert, delete on %s to lms_app', part);
        created := created + 1;
      end if;
    end if;
  end loop;
  return created;
end $$;
revoke execute on function ensure_activity_partitions(date, integer) from public;
grant execute on function ensure_activity_partitions(date, integer) to lms_app;
select ensure_activity_partitions(now()::date, 3);

-- How far each district's rollup has folded events in, by received_at. A run folds the days of every event received
-- in [folded_until, run start - lag) and moves folded_until on; the lag (longer than any ingest transaction) means no
-- event received before the new mark can still be uncommitted. So a late event for a closed day is folded by the next
-- run, exactly once, with no per-event counter row to contend on.
create table activity_rollup_state (
  tenant_id      uuid not null references tenants (id),
  folded_until   timestamptz not null,
  last_run_at    timestamptz not null,
  days_folded    integer not null default 0,
  primary key (tenant_id)
);
select enable_tenant_isolation('activity_rollup_state'::regclass);
grant select, insert, update on activity_rollup_state to lms_app;

-- Exact time on task per student, item and district-local day, recomputed whole by the rollup (never added to).
create table item_time_daily (
  tenant_id       uuid not null references tenants (id),
  day             date not null,
  student_id      uuid not null,
  module_item_id  uuid not null,
  shell_id        uuid not null,
  seconds         integer not null check (seconds >= 0),
  events          integer not null check (events >= 0),
  primary key (tenant_id, day, student_id, module_item_id),
  foreign key (tenant_id, student_id) references users (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('item_time_daily'::regclass);
grant select, insert, delete on item_time_daily to lms_app;
create index item_time_daily_student_item on item_time_daily (tenant_id, student_id, module_item_id);

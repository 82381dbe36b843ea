-- Fresh planner statistics for the roster tables, from the import (docs/sis-import.md, "Statistics").
-- ANALYZE needs the table's owner (PostgreSQL 15 has no pg_maintain), and the application role owns nothing: its
-- own "analyze users" was skipped with a warning, so the import's plans hung on whatever autovacuum last saw, which
-- for a district just imported (or being imported) is nothing. This function runs as the owner, on the roster tables
-- of the public schema only (pg_temp last in its search path and every name schema-qualified, so a temp table of the
-- caller's named like a roster table is never what it analyzes). ANALYZE samples (30,000 rows at the default
-- target), so its cost is bounded whatever the table size.

-- The roster tables autovacuum would analyze now (changed rows over its threshold, 50 + 10% of the table) but has
-- not yet: an import calls this before it compares, so a run right after a large import plans with that import's rows.
-- Returns the tables it analyzed.
create function analyze_stale_roster_tables() returns text[]
language plpgsql
security definer
set search_path = pg_catalog, public, pg_temp
set default_statistics_target = 100
as $$
declare
  t text;
  done text[] := '{}';
begin
  for t in
    select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = 'public'
      and s.relname in ('users', 'user_roles', 'orgs', 'academic_sessions', 'courses', 'classes', 'user_orgs', 'guardian_links',
                        'enrollments', 'demographics', 'external_ids')
      and (s.last_analyze is null and s.last_autoanalyze is null or s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0))
  loop
    execute format('analyze public.%I', t);
    done := done || t;
  end loop;
  return done;
end $$;

revoke execute on function analyze_stale_roster_tables() from public;
grant execute on function analyze_stale_roster_tables() to lms_app;

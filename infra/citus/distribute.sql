-- Distributes the LmsCloud schema over a Citus cluster on tenant_id (see README.md beside this file for when and how).
-- Run once, as a superuser, on the coordinator of the migrated database, after `create extension citus` and adding the
-- workers:  psql -v ON_ERROR_STOP=1 -d lmscloud -f infra/citus/distribute.sql
-- Written for Citus 12.1 or 13.x (the last versions on PostgreSQL 15; Citus 14 needs PostgreSQL 16 or later).
--
-- Nothing in this repository runs it: Citus is not installable where we build. CitusGuardTests keeps it in step with the
-- migrations: every tenant table of the schema is distributed below on tenant_id, co-located with district_profiles, after
-- every table its foreign keys point to; every table named here exists; every global table that a tenant table
-- references is a reference table; and step 1 below, run on plain PostgreSQL, leaves no sub-query in a policy and the RLS
-- guard green. When a migration adds a tenant table, add its line here (in foreign-key order).
--
-- One transaction: all or nothing, so a failure leaves the plain PostgreSQL schema as it was. Writes to each table are
-- blocked while create_distributed_table copies its rows: run it in a maintenance window (README.md).

begin;

-- audit_events (append-only triggers) and tenants (NOTIFY trigger) have triggers, and Citus refuses to distribute a table
-- with triggers unless this is on; it then creates them on every shard, where they fire. Citus calls them unsafe because a
-- shard's trigger that touches other tables can meet visibility and deadlock problems; ours touch no table (they raise an
-- error or call pg_notify).
set local citus.enable_unsafe_triggers = on;

-- Most tenant tables have a foreign key to the reference table tenants; within one transaction Citus must then use one
-- connection per node for the distributed tables ("Try re-running the transaction with ... 'sequential'" otherwise).
set local citus.multi_shard_modify_mode = 'sequential';

-- 1. Policies. Citus refuses a policy containing a sub-query on a distributed table ("Subqueries are not supported in
--    policies on distributed tables"), and ours read the setting through a scalar sub-select (docs/tenancy.md). Rewrite
--    each tenant table's policy to the same comparison without it. The RLS guard allows exactly one permissive policy per
--    tenant table, of this shape, so this changes no table's meaning. current_setting is stable: as the index condition
--    of our tenant-first keys it is still evaluated once per scan. Policies, ENABLE/FORCE ROW LEVEL SECURITY and grants
--    are then copied to every shard by Citus (row-level security on distributed tables: Citus 11.0 and later).
do $$
declare p record;
begin
  for p in
    select c.relname, pol.polname
    from pg_policy pol
    join pg_class c on c.oid = pol.polrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public'
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
  loop
    execute format($f$alter policy %I on %I
      using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
      with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)$f$, p.polname, p.relname);
  end loop;
end $$;

-- 2. Global tables that tenant tables reference: reference tables (one shard, a copy on every node, writes committed on
--    all of them with two-phase commit). Foreign keys from distributed tables may point only to reference tables or to
--    co-located distributed tables.
--    tenants: its trigger tenants_changed (NOTIFY for the API's district cache) is copied to the placements and fires where
--    a placement is written. API nodes LISTEN on the coordinator: check on the staging cluster that `lms tenants suspend`
--    reaches them (README.md, step 5); if not, drop the trigger and send the NOTIFY from DistrictProvisioning, which runs
--    on the coordinator. Until then the 30-second cache bounds how stale a node's view of a district is.
select create_reference_table('tenants');

-- Left as plain tables on the coordinator, on purpose (not distributed, not reference):
--   schema_migrations  read and written only by the migration runner, which connects to the coordinator. Migrations keep
--                      working: Citus propagates DDL on distributed tables to their shards (a migration that adds a tenant
--                      table must also distribute it, with the line added here).
--   qrtz_*             Quartz.NET's clustered job store: global scheduler state, no tenant_id, referenced by no tenant
--                      table and joined with none. Every node's scheduler locks rows of qrtz_locks and updates
--                      qrtz_triggers and qrtz_scheduler_state every few seconds: as coordinator tables those stay ordinary
--                      single-node transactions; as reference tables each would become a two-phase commit across every
--                      node, for nothing. API nodes reach them through the coordinator, like everything else.
--   data_protection_keys the key ring of browser-session cookies (0012): no tenant_id, read rarely (each node caches
--                      it for a day) and written every 90 days; a coordinator table like qrtz_*.

-- 3. Tenant tables, on tenant_id, in foreign-key order (each after the tables its foreign keys point to), all co-located
--    with the anchor district_profiles: a district's rows of every table sit in shards of one group on one node, so its
--    joins and composite foreign keys stay on that node. The group's shard count (citus.shard_count, default 32) is
--    fixed when the anchor is distributed; set it before this line to choose another.
select create_distributed_table('district_profiles', 'tenant_id', colocate_with => 'none');

-- 0003 accounts
select create_distributed_table('users', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('user_roles', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('integration_clients', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('password_reset_tokens', 'tenant_id', colocate_with => 'district_profiles');

-- 0004 audit log. Its append-only triggers go to every shard (enable_unsafe_triggers above). Writers of one district are
-- serialised by pg_advisory_xact_lock, which is held on the node the writer is connected to: exact while every writer
-- connects to the coordinator (README.md); the primary key (tenant_id, seq) refuses a forked chain in any case.
select create_distributed_table('audit_events', 'tenant_id', colocate_with => 'district_profiles');

-- 0005 roster and import bookkeeping
select create_distributed_table('orgs', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('academic_sessions', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('courses', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('classes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('user_orgs', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('guardian_links', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('enrollments', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('demographics', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('external_ids', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('import_runs', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('import_row_errors', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('import_changes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('sis_schedules', 'tenant_id', colocate_with => 'district_profiles');

-- 0011 OpenIddict (refresh_tokens of 0003 is dropped there)
select create_distributed_table('openiddict_applications', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('openiddict_authorizations', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('openiddict_scopes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('openiddict_tokens', 'tenant_id', colocate_with => 'district_profiles');

-- 0013 district single sign-on
select create_distributed_table('identity_providers', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('sso_links', 'tenant_id', colocate_with => 'district_profiles');

-- 0018 compliance requests
select create_distributed_table('compliance_requests', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('compliance_request_events', 'tenant_id', colocate_with => 'district_profiles');

-- 0019 legal holds and retention runs
select create_distributed_table('legal_holds', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('retention_runs', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('retention_run_items', 'tenant_id', colocate_with => 'district_profiles');

-- 0020 deletion certificates
select create_distributed_table('deletion_certificates', 'tenant_id', colocate_with => 'district_profiles');

-- 0021 compliance exports
select create_distributed_table('compliance_exports', 'tenant_id', colocate_with => 'district_profiles');

-- 0026 course shells, modules, items and versioned content
select create_distributed_table('course_shells', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('course_shell_classes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('modules', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('module_prerequisites', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('content_items', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('content_versions', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('module_items', 'tenant_id', colocate_with => 'district_profiles');

-- 0028 learning activity (activity_events is partitioned by month: Citus distributes its partitions with it, and
-- ensure_activity_partitions' later partitions join the distribution when created)
select create_distributed_table('activity_events', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('activity_rollup_state', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('item_time_daily', 'tenant_id', colocate_with => 'district_profiles');

-- 0029 item and course progress
select create_distributed_table('item_progress', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('shell_progress', 'tenant_id', colocate_with => 'district_profiles');

-- 0031 catalog and self-enrolment (the generated tsv calls catalog_tags_text and the GIN index needs btree_gin: check
-- both exist on every worker before distributing catalog_listings)
select create_distributed_table('catalog_listings', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('catalog_enrollments', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('catalog_reviews', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('catalog_bookmarks', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('catalog_reconcile_runs', 'tenant_id', colocate_with => 'district_profiles');

-- 0032 course completion certificates
select create_distributed_table('course_certificate_templates', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('course_certificate_settings', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('course_certificates', 'tenant_id', colocate_with => 'district_profiles');

-- 0040 assignments (issue 13)
select create_distributed_table('assignment_groups', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('assignments', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('group_never_drop', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('assignment_overrides', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('effective_due_dates', 'tenant_id', colocate_with => 'district_profiles');

-- 0042 submissions and scores (issue 13)
select create_distributed_table('submissions', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('submission_attempts', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('idempotency_keys', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('grade_changes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('student_scores', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('grade_refresh_marks', 'tenant_id', colocate_with => 'district_profiles');

-- 0044 grading policy (issue 13)
select create_distributed_table('grading_schemes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('shell_grading_policies', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('final_grade_overrides', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('grading_period_closures', 'tenant_id', colocate_with => 'district_profiles');

-- 0046 quizzes (issue 13)
select create_distributed_table('quizzes', 'tenant_id', colocate_with => 'district_profiles');
select create_distributed_table('quiz_attempts', 'tenant_id', colocate_with => 'district_profiles');

-- 0045 passback state (issue 13)
select create_distributed_table('passback_state', 'tenant_id', colocate_with => 'district_profiles');

commit;

-- Afterwards, once the row counts on the cluster match the old ones (README.md, step 4), free the coordinator's copies of
-- the moved rows (invisible to queries from now on, still on disk). audit_events refuses TRUNCATE by trigger, so switch
-- ordinary triggers off for this session only (superuser):
--   set session_replication_role = replica;
--   select truncate_local_data_after_distributing_table(logicalrelid) from pg_dist_partition;
--   reset session_replication_role;

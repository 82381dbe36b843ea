-- Stored scores are rewritten only when they change: a district recompute (a default scheme changed, the refresh job)
-- hashes each new result and skips the rows whose stored hash is the same, so an unchanged score costs a read of 32
-- bytes instead of kilobytes of JSON, WAL and TOAST. Null: written before this column, compared as changed.
alter table student_scores add column result_sha256 bytea;

-- The refresh job's two questions, answered from indexes whatever the district's size: which shells have stale
-- scores (a partial index that is empty when all is current), and which due dates passed since its last look.
create index student_scores_stale on student_scores (tenant_id, shell_id) where stale_since is not null;
create index effective_due_dates_due on effective_due_dates (tenant_id, due_at);

-- How far the score refresh job has looked for passed due dates, per district (a missing assignment's deduction
-- starts when its due date passes, with no write that would recompute it). Bookkeeping, no person.
create table grade_refresh_marks (
  tenant_id          uuid primary key references tenants (id),
  refreshed_through  timestamptz not null
);
select enable_tenant_isolation('grade_refresh_marks'::regclass);
grant select, insert, update, delete on grade_refresh_marks to lms_app;

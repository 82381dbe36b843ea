-- The grade engine needs a student's due date only where it differs from the assignment's (an override: a student's
-- IEP/504 extension, a section's date). Rows that merely copy the assignment's date are most of the table (every
-- student of every assignment), so a district recompute reads the exceptions from this partial index and falls back
-- to the assignment's own date for everyone else: rows read in proportion to the overrides, not to the students.
create index effective_due_dates_overridden on effective_due_dates (tenant_id, assignment_id, student_id) include (due_at)
  where source <> 'assignment';

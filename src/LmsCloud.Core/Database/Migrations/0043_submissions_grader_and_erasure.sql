-- The grader of a submission is named by id only, like grade_changes.grader_id: erasing a teacher must neither delete
-- their students' grades nor be blocked by them, so the column is no person key of the data map and no foreign key.
alter table submissions drop constraint submissions_tenant_id_grader_id_fkey;

-- Erasing a student deletes their grade history (the data map's rule for grade_changes; the chained audit log keeps
-- its own record): the app role needs delete for that, and still may not update a recorded change.
grant delete on grade_changes to lms_app;

-- The grader of a submission is named by id only, like grade_changes.grader_id: erasing a teacher must neither delete
-- their students' grades nor be blocked by them, so the column is no person key of the data map and no foreign key.
alter table submissions drop constraint submissions_tenant_id_grader_id_fkey;

-- Grade passback state (issue 13 item 7; docs/passback.md): per roster class, what was last sent to the SIS for each
-- OneRoster gradebook object (category, lineItem, result) as a SHA-256 of its content, so a resend (the CSV export with
-- ?changedOnly=true) carries only what changed since, and what disappeared goes out as tobedeleted.
-- student_id is set for results only (the result's student), so the student's erasure deletes their rows.
create table passback_state (
  tenant_id     uuid not null,
  class_id      uuid not null,
  object_type   text not null check (object_type in ('category', 'lineItem', 'result')),
  sourced_id    text not null check (length(sourced_id) between 1 and 200),
  student_id    uuid,
  content_hash  text not null check (length(content_hash) = 64),   -- hex SHA-256 of the row's values, dateLastModified left out
  sent_at       timestamptz not null default now(),
  primary key (tenant_id, class_id, object_type, sourced_id),
  check ((object_type = 'result') = (student_id is not null)),
  foreign key (tenant_id, class_id) references classes (tenant_id, id),
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('passback_state'::regclass);
grant select, insert, update, delete on passback_state to lms_app;
create index passback_state_student on passback_state (tenant_id, student_id) where student_id is not null;

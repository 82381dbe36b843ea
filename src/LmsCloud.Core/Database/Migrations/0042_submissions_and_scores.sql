-- Submissions, their attempts, idempotency keys, the grade-change history and the stored scores (issue 13 items 2, 4, 5;
-- docs/submissions.md, docs/grade-engine.md). The grade engine (Core/Learning/Grades) is the only thing that turns these
-- rows into a score; student_scores holds its last result per student so pages and passback read, not recompute.

-- Manual posting is per assignment: while an assignment with post_manually has no grades_posted_at, students see none
-- of its grades (the engine's `posted: false`); posting sets it, hiding again clears it. Both are grade changes.
alter table assignments add column grades_posted_at timestamptz;

-- One row per (assignment, student) once anything happens: a first attempt, a grade, an excusal or a status override.
-- No row means unsubmitted and ungraded. row_version is the ETag: every change bumps it, and a write with a stale
-- If-Match is refused (412), so two graders never silently overwrite each other.
create table submissions (
  tenant_id        uuid not null,
  id               uuid not null,
  shell_id         uuid not null,
  assignment_id    uuid not null,
  student_id       uuid not null,
  workflow         text not null default 'unsubmitted' check (workflow in ('unsubmitted', 'submitted', 'graded')),
  score            numeric(9,2) check (score >= 0),        -- points as entered (may exceed points possible: extra credit)
  entered_grade    text check (length(entered_grade) <= 20), -- what the grader typed for letter / pass-fail / percent types
  excused          boolean not null default false,
  status_override  text check (status_override in ('late', 'missing', 'none')),  -- the teacher's; null: automatic
  submitted_at     timestamptz,                              -- the latest attempt's
  attempt_count    integer not null default 0 check (attempt_count >= 0),
  graded_at        timestamptz,
  grader_id        uuid,                                     -- by id only, no key: erasing a teacher keeps the grades
  row_version      integer not null default 1 check (row_version >= 1),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, assignment_id, student_id),
  foreign key (tenant_id, shell_id, assignment_id) references assignments (tenant_id, shell_id, id) on delete cascade,
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('submissions'::regclass);
grant select, insert, update, delete on submissions to lms_app;
create index submissions_student on submissions (tenant_id, shell_id, student_id);

-- Immutable history: what the student handed in, attempt by attempt. Only an attempt's score (a quiz attempt graded
-- by hand after the autograder) may change, so the app role may update that column and nothing else.
create table submission_attempts (
  tenant_id           uuid not null,
  id                  uuid not null,
  submission_id       uuid not null,
  attempt_no          integer not null check (attempt_no >= 1),
  kind                text not null check (kind in ('text', 'link', 'file', 'quiz')),
  body                text check (length(body) <= 200000),
  url                 text check (length(url) <= 2000),
  file_key            text check (length(file_key) <= 500),    -- through the file-storage seam
  file_name           text check (length(file_name) <= 300),
  content_type        text check (length(content_type) <= 200),
  size_bytes          bigint check (size_bytes >= 0),
  content_version_no  integer,                                  -- the instructions' version the student submitted against
  score               numeric(9,2) check (score >= 0),          -- this attempt's own score (quizzes); null otherwise
  submitted_at        timestamptz not null,
  submitted_by        uuid not null,
  primary key (tenant_id, id),
  unique (tenant_id, submission_id, attempt_no),
  foreign key (tenant_id, submission_id) references submissions (tenant_id, id) on delete cascade,
  foreign key (tenant_id, submitted_by) references users (tenant_id, id)
);
select enable_tenant_isolation('submission_attempts'::regclass);
grant select, insert, delete on submission_attempts to lms_app;
grant update (score) on submission_attempts to lms_app;

-- A retried request with the same Idempotency-Key (a flaky connection at the deadline) gets the first response again
-- instead of a second attempt or a second grade change. The key is the caller's own; the same key with a different
-- request is refused. Kept 24 hours (the retention run deletes older rows).
create table idempotency_keys (
  tenant_id     uuid not null,
  person_id     uuid not null,
  key           text not null check (length(key) between 1 and 200),
  request_hash  text not null,               -- SHA-256 (hex) of method, path and body
  status_code   integer,                     -- null while the first request is still in flight
  response      jsonb,
  created_at    timestamptz not null default now(),
  primary key (tenant_id, person_id, key),
  foreign key (tenant_id, person_id) references users (tenant_id, id)
);
select enable_tenant_isolation('idempotency_keys'::regclass);
grant select, insert, update, delete on idempotency_keys to lms_app;
create index idempotency_keys_created on idempotency_keys (tenant_id, created_at);

-- Every change of a score, excusal, late/missing status, final override or posting, with before/after, grader,
-- channel and reason: the queryable twin of the chained audit event written in the same transaction (GradeChangeLog).
-- assignment_id is null for a final override; student_id is null for posting (all of an assignment's students).
create table grade_changes (
  tenant_id      uuid not null,
  id             uuid not null,
  shell_id       uuid not null,
  assignment_id  uuid,
  student_id     uuid,
  kind           text not null check (kind in ('score', 'excused', 'status', 'final_override', 'posting')),
  before_values  jsonb,
  after_values   jsonb,
  grader_id      uuid,
  channel        text not null check (channel in ('web', 'api', 'import', 'autograder')),
  reason         text check (length(reason) <= 1000),
  changed_at     timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('grade_changes'::regclass);
-- delete: only erasure and retention remove history (the chained audit log keeps its own record).
grant select, insert, delete on grade_changes to lms_app;
create index grade_changes_shell on grade_changes (tenant_id, shell_id, changed_at desc, id);
create index grade_changes_student on grade_changes (tenant_id, student_id, changed_at desc, id) where student_id is not null;
create index grade_changes_assignment on grade_changes (tenant_id, assignment_id, changed_at desc, id) where assignment_id is not null;
create index grade_changes_grader on grade_changes (tenant_id, grader_id, changed_at desc, id) where grader_id is not null;

-- The engine's last result per (shell, student), written in the transaction of the change that caused it
-- (ScoreKeeper). The numbers are the engine's output (rounded half-up to 2 places); result holds the whole GradeResult
-- (groups, dropped items, explanation) exactly as computed, so every page shows the same explanation.
-- stale_since: set when a change made the row out of date and a recompute is queued (a large policy change); readers
-- then return it with stale: true rather than hide it.
create table student_scores (
  tenant_id                uuid not null,
  shell_id                 uuid not null,
  student_id               uuid not null,
  current_score            numeric(9,2),
  final_score              numeric(9,2),
  current_letter           text,
  final_letter             text,
  unposted_current_score   numeric(9,2),
  unposted_final_score     numeric(9,2),
  unposted_current_letter  text,
  unposted_final_letter    text,
  result                   jsonb not null,
  computed_at              timestamptz not null default now(),
  stale_since              timestamptz,
  primary key (tenant_id, shell_id, student_id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('student_scores'::regclass);
grant select, insert, update, delete on student_scores to lms_app;
create index student_scores_student on student_scores (tenant_id, student_id);

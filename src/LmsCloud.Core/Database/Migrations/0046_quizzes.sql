-- Quizzes (issue 13 item 6; docs/quizzes.md). A quiz is an assignment's questions: the assignment keeps dates,
-- overrides, allowed attempts and points (points_possible becomes the sum of the questions' points).
--
-- An attempt snapshots the questions as the student saw them (their order and their choices' order, drawn per attempt
-- when the quiz shuffles), so a teacher editing the quiz later never changes what an earlier attempt was asked or how
-- it was scored. A finished attempt becomes a submission attempt (kind 'quiz') and the submission's score is the
-- kept attempt (highest, latest, average or first).

create table quizzes (
  tenant_id          uuid not null,
  assignment_id      uuid not null,
  shell_id           uuid not null,
  time_limit_s       integer check (time_limit_s between 60 and 86400),   -- null: untimed
  keep               text not null default 'highest' check (keep in ('highest', 'latest', 'average', 'first')),
  shuffle_questions  boolean not null default false,
  shuffle_answers    boolean not null default false,
  questions          jsonb not null default '[]' check (jsonb_typeof(questions) = 'array'),
  version            integer not null default 1 check (version >= 1),
  updated_at         timestamptz not null default now(),
  primary key (tenant_id, assignment_id),
  foreign key (tenant_id, shell_id, assignment_id) references assignments (tenant_id, shell_id, id) on delete cascade
);
select enable_tenant_isolation('quizzes'::regclass);
grant select, insert, update, delete on quizzes to lms_app;

-- state: in_progress; submitted (finished, an essay waits for a teacher); graded (every question scored).
-- deadline_at is the server's: the time limit or the lock date, whichever comes first; answers saved after it (plus a
-- grace of 60 s for the network) are refused, and an attempt left open past it is finished by the server (overdue).
create table quiz_attempts (
  tenant_id        uuid not null,
  id               uuid not null,
  shell_id         uuid not null,
  assignment_id    uuid not null,
  student_id       uuid not null,
  attempt_no       integer not null check (attempt_no >= 1),
  quiz_version     integer not null,
  state            text not null default 'in_progress' check (state in ('in_progress', 'submitted', 'graded')),
  started_at       timestamptz not null default now(),
  deadline_at      timestamptz,
  finished_at      timestamptz,
  overdue          boolean not null default false,
  questions        jsonb not null,                 -- the snapshot, in the order presented
  answers          jsonb not null default '[]',
  question_scores  jsonb,                          -- per question: points (null: waits for a teacher), correct, manual
  score            numeric(9,2) check (score >= 0),
  primary key (tenant_id, id),
  unique (tenant_id, assignment_id, student_id, attempt_no),
  foreign key (tenant_id, shell_id, assignment_id) references assignments (tenant_id, shell_id, id) on delete cascade,
  foreign key (tenant_id, student_id) references users (tenant_id, id)
);
select enable_tenant_isolation('quiz_attempts'::regclass);
grant select, insert, update, delete on quiz_attempts to lms_app;
-- One open attempt per student and quiz: two "start" clicks at once give one attempt.
create unique index quiz_attempts_open on quiz_attempts (tenant_id, assignment_id, student_id) where state = 'in_progress';
create index quiz_attempts_student on quiz_attempts (tenant_id, student_id);

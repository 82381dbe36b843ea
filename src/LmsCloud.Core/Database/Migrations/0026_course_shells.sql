-- Course shells, modules, items and versioned content (docs/learning.md; LEARNING-CORE.md §3; issue 12 items 1–3).
--
-- A course shell is the LMS's course space. Every roster class gets one after an import (CourseShellSync); one shell
-- may serve several classes (a teacher merges sections), the roster link staying per class because passback is per
-- class. A shell is never deleted: a class the SIS drops leaves it archived (read-only, kept for records).
-- Content items belong to a shell and keep immutable versions; module items place them in ordered modules.

create table course_shells (
  tenant_id            uuid not null references tenants (id),
  id                   uuid not null,
  title                text not null check (length(title) between 1 and 300),
  description          text not null default '' check (length(description) <= 10000),
  status               text not null default 'draft' check (status in ('draft', 'published', 'archived')),
  sequential_default   boolean not null default false,    -- new modules start sequential (items in order) when true
  school_id            uuid,                              -- the school of its first class: school admins see their schools'
  catalog_course_id    uuid,                              -- the roster course (catalog) it was made for
  -- counters, kept in the same transaction as the rows they count (ShellEditing recounts under the shell's row lock)
  module_count         integer not null default 0 check (module_count >= 0),
  item_count           integer not null default 0 check (item_count >= 0),
  required_item_count  integer not null default 0 check (required_item_count >= 0),   -- published items with a requirement
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  archived_at          timestamptz,
  primary key (tenant_id, id),
  check ((status = 'archived') = (archived_at is not null)),
  foreign key (tenant_id, school_id) references orgs (tenant_id, id) deferrable initially deferred,
  foreign key (tenant_id, catalog_course_id) references courses (tenant_id, id) deferrable initially deferred
);
select enable_tenant_isolation('course_shells'::regclass);
grant select, insert, update on course_shells to lms_app;
create index course_shells_school on course_shells (tenant_id, school_id);

-- Which roster classes a shell serves: a class has exactly one shell (merging moves the link, never duplicates it).
create table course_shell_classes (
  tenant_id  uuid not null,
  shell_id   uuid not null,
  class_id   uuid not null,
  linked_at  timestamptz not null default now(),
  primary key (tenant_id, shell_id, class_id),
  unique (tenant_id, class_id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, class_id) references classes (tenant_id, id) deferrable initially deferred
);
select enable_tenant_isolation('course_shell_classes'::regclass);
grant select, insert, update, delete on course_shell_classes to lms_app;

-- Ordered modules. Positions are dense 1..n per shell; the unique is deferred so a reorder is one UPDATE.
create table modules (
  tenant_id   uuid not null,
  id          uuid not null,
  shell_id    uuid not null,
  title       text not null check (length(title) between 1 and 300),
  position    integer not null check (position >= 1),
  unlock_at   timestamptz,                  -- locked for students before this time
  sequential  boolean not null default false,   -- items must be completed in order
  completion  text not null default 'all' check (completion in ('all', 'any')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, id),             -- target of module_items' and prerequisites' same-shell foreign keys
  constraint modules_position unique (tenant_id, shell_id, position) deferrable initially deferred,
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id)
);
select enable_tenant_isolation('modules'::regclass);
grant select, insert, update, delete on modules to lms_app;

-- A module may require earlier modules of the same shell to be completed first. "Earlier" (Canvas's rule) makes cycles
-- impossible; the trigger below checks it when a prerequisite is written, and a reorder drops the ones it inverts.
create table module_prerequisites (
  tenant_id         uuid not null,
  shell_id          uuid not null,
  module_id         uuid not null,
  prereq_module_id  uuid not null,
  primary key (tenant_id, module_id, prereq_module_id),
  check (module_id <> prereq_module_id),
  foreign key (tenant_id, shell_id, module_id) references modules (tenant_id, shell_id, id) on delete cascade,
  foreign key (tenant_id, shell_id, prereq_module_id) references modules (tenant_id, shell_id, id) on delete cascade
);
select enable_tenant_isolation('module_prerequisites'::regclass);
grant select, insert, delete on module_prerequisites to lms_app;
create index module_prerequisites_prereq on module_prerequisites (tenant_id, prereq_module_id);

create function module_prerequisite_is_earlier() returns trigger
language plpgsql
as $$
begin
  if (select position from modules where tenant_id = new.tenant_id and id = new.prereq_module_id)
     >= (select position from modules where tenant_id = new.tenant_id and id = new.module_id) then
    raise exception 'a prerequisite must be an earlier module' using errcode = '23514';
  end if;
  return new;
end $$;
create constraint trigger module_prerequisites_earlier after insert or update on module_prerequisites
  deferrable initially deferred for each row execute function module_prerequisite_is_earlier();

-- What a module item shows: a lesson (Markdown, versioned), a link, a file, or a placeholder for an assignment or
-- quiz (part 2). Items stay when a module item is removed: students' views and submissions point at their versions.
create table content_items (
  tenant_id           uuid not null,
  id                  uuid not null,
  shell_id            uuid not null,
  kind                text not null check (kind in ('lesson', 'link', 'file', 'assignment', 'quiz')),
  title               text not null check (length(title) between 1 and 300),
  url                 text check (length(url) <= 2000),            -- link
  file_key            text,                                        -- file: IFileStorage key
  file_name           text check (length(file_name) <= 255),
  file_content_type   text,                                        -- as sniffed from the bytes, not as the upload claimed
  file_size           bigint check (file_size >= 0),
  current_version_no  integer not null default 0 check (current_version_no >= 0),   -- the latest version (0: none yet)
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, id),
  check (kind <> 'link' or url is not null),
  check ((kind = 'file') = (file_key is not null)),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id)
);
select enable_tenant_isolation('content_items'::regclass);
grant select, insert, update on content_items to lms_app;

-- Immutable versions of an item's body: number, author, time, Markdown and the SHA-256 of the body (UTF-8).
create table content_versions (
  tenant_id   uuid not null,
  item_id     uuid not null,
  version_no  integer not null check (version_no >= 1),
  author_id   uuid,
  created_at  timestamptz not null default now(),
  body        text not null check (length(body) <= 1000000),
  sha256      bytea not null check (length(sha256) = 32),
  primary key (tenant_id, item_id, version_no),
  foreign key (tenant_id, item_id) references content_items (tenant_id, id),
  foreign key (tenant_id, author_id) references users (tenant_id, id)
);
select enable_tenant_isolation('content_versions'::regclass);
grant select, insert on content_versions to lms_app;

create function content_versions_immutable() returns trigger
language plpgsql
as $$
begin
  raise exception 'content versions are immutable: make a new version instead' using errcode = '55000';
end $$;
create trigger content_versions_immutable before update or delete on content_versions
  for each row execute function content_versions_immutable();

-- A content item placed in a module, with its completion requirement and the version students see. Positions are
-- dense 1..n per module. shell_id is the module's (same-shell foreign keys), so progress and analytics join by shell.
create table module_items (
  tenant_id             uuid not null,
  id                    uuid not null,
  shell_id              uuid not null,
  module_id             uuid not null,
  content_item_id       uuid not null,
  position              integer not null check (position >= 1),
  requirement           text check (requirement in ('must_view', 'mark_done', 'must_submit', 'min_score')),   -- null: optional
  min_score             numeric(9, 2),
  published             boolean not null default false,   -- students see only published items
  published_version_no  integer,                          -- lessons: the version students see (null: not yet published)
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, id),
  constraint module_items_position unique (tenant_id, module_id, position) deferrable initially deferred,
  check ((requirement = 'min_score') = (min_score is not null)),
  foreign key (tenant_id, shell_id, module_id) references modules (tenant_id, shell_id, id) on delete cascade,
  foreign key (tenant_id, shell_id, content_item_id) references content_items (tenant_id, shell_id, id),
  foreign key (tenant_id, content_item_id, published_version_no) references content_versions (tenant_id, item_id, version_no)
);
select enable_tenant_isolation('module_items'::regclass);
grant select, insert, update, delete on module_items to lms_app;
create index module_items_shell on module_items (tenant_id, shell_id);
create index module_items_content on module_items (tenant_id, content_item_id);

-- The course catalog and self-enrolment (docs/learning.md, "Catalog and self-enrolment"; issue 12 item 6).
--
-- An admin lists a published shell in the district's catalog (optional courses: professional development for staff,
-- electives for students). People of its audience enrol themselves; a seat limit is never oversold: the seat is taken
-- by a conditional UPDATE of enrollment_count in the same transaction as the enrolment row, and no seat means the
-- waitlist. Counters (enrollment_count, review_count, rating_sum, bookmark_count) move by deltas fed by the child
-- rows' statements (insert ... on conflict ... returning, update ... returning, delete ... returning); the nightly
-- reconcile job recounts them and records what drifted (catalog_reconcile_runs). The average rating is
-- rating_sum / review_count, never stored.

-- A trusted extension: the owner role, which owns the database, may create it.
create extension if not exists btree_gin;   -- a GIN index on (tenant_id, tsv): the district predicate inside the index

-- array_to_string is only stable (anyarray); on text[] it is immutable, which a stored generated column needs.
create function catalog_tags_text(tags text[]) returns text
language sql immutable parallel safe
as $$ select coalesce(array_to_string(tags, ' '), '') $$;

create table catalog_listings (
  tenant_id              uuid not null references tenants (id),
  shell_id               uuid not null,
  title                  text not null check (length(title) between 1 and 300),       -- the shell's, copied when listed
  description            text not null default '' check (length(description) <= 10000),
  audience               text not null check (audience in ('students', 'staff', 'both')),
  tags                   text[] not null default '{}' check (cardinality(tags) <= 20),
  seat_limit             integer check (seat_limit >= 1),                               -- null: unlimited
  opens_at               timestamptz,                                                   -- the enrolment window (null: open)
  closes_at              timestamptz,
  prerequisite_shell_id  uuid,                                                          -- must have completed this course
  listed_by              uuid,
  listed_at              timestamptz not null default now(),
  unlisted_at            timestamptz,                                                   -- no longer offered (enrolments stay)
  updated_at             timestamptz not null default now(),
  enrollment_count       integer not null default 0 check (enrollment_count >= 0),
  waitlist_next          integer not null default 0 check (waitlist_next >= 0),         -- the last waitlist position handed out
  review_count           integer not null default 0 check (review_count >= 0),
  rating_sum             integer not null default 0 check (rating_sum >= 0),
  bookmark_count         integer not null default 0 check (bookmark_count >= 0),
  tsv                    tsvector generated always as (
    setweight(to_tsvector('simple'::regconfig, title), 'A') ||
    setweight(to_tsvector('simple'::regconfig, catalog_tags_text(tags)), 'B') ||
    setweight(to_tsvector('simple'::regconfig, description), 'C')) stored,
  primary key (tenant_id, shell_id),
  check (closes_at is null or opens_at is null or closes_at > opens_at),
  check (prerequisite_shell_id is null or prerequisite_shell_id <> shell_id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, prerequisite_shell_id) references course_shells (tenant_id, id),
  foreign key (tenant_id, listed_by) references users (tenant_id, id)
);
select enable_tenant_isolation('catalog_listings'::regclass);
grant select, insert, update on catalog_listings to lms_app;
create index catalog_listings_search on catalog_listings using gin (tenant_id, tsv);
create index catalog_listings_tags on catalog_listings using gin (tenant_id, tags);

-- Who enrolled themselves in a listed course: enrolled, waitlisted (with a position: lower goes first) or withdrawn.
create table catalog_enrollments (
  tenant_id          uuid not null,
  shell_id           uuid not null,
  person_id          uuid not null,
  state              text not null check (state in ('enrolled', 'waitlisted', 'withdrawn')),
  waitlist_position  integer check (waitlist_position >= 1),
  requested_at       timestamptz not null default now(),     -- when they last asked to enrol
  enrolled_at        timestamptz,                            -- when they got a seat (directly or from the waitlist)
  withdrawn_at       timestamptz,
  primary key (tenant_id, shell_id, person_id),
  check ((state = 'waitlisted') = (waitlist_position is not null)),
  foreign key (tenant_id, shell_id) references catalog_listings (tenant_id, shell_id),
  foreign key (tenant_id, person_id) references users (tenant_id, id)
);
select enable_tenant_isolation('catalog_enrollments'::regclass);
grant select, insert, update, delete on catalog_enrollments to lms_app;
create index catalog_enrollments_person on catalog_enrollments (tenant_id, person_id);
create index catalog_enrollments_waitlist on catalog_enrollments (tenant_id, shell_id, waitlist_position) where state = 'waitlisted';

-- One review per person per course (editable), only by someone enrolled.
create table catalog_reviews (
  tenant_id   uuid not null,
  shell_id    uuid not null,
  person_id   uuid not null,
  rating      smallint not null check (rating between 1 and 5),
  body        text not null default '' check (length(body) <= 4000),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  primary key (tenant_id, shell_id, person_id),
  foreign key (tenant_id, shell_id) references catalog_listings (tenant_id, shell_id),
  foreign key (tenant_id, person_id) references users (tenant_id, id)
);
select enable_tenant_isolation('catalog_reviews'::regclass);
grant select, insert, update, delete on catalog_reviews to lms_app;
create index catalog_reviews_person on catalog_reviews (tenant_id, person_id);

-- A person's saved catalog courses.
create table catalog_bookmarks (
  tenant_id   uuid not null,
  person_id   uuid not null,
  shell_id    uuid not null,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, person_id, shell_id),
  foreign key (tenant_id, shell_id) references catalog_listings (tenant_id, shell_id),
  foreign key (tenant_id, person_id) references users (tenant_id, id)
);
select enable_tenant_isolation('catalog_bookmarks'::regclass);
grant select, insert, delete on catalog_bookmarks to lms_app;
create index catalog_bookmarks_shell on catalog_bookmarks (tenant_id, shell_id);

-- Each reconcile run per district: how many listings it checked, how many had drifted, and the drift itself
-- ([{shellId, counter, stored, actual}]), so the admin sees it on the catalog management page.
create table catalog_reconcile_runs (
  tenant_id        uuid not null references tenants (id),
  id               uuid not null default gen_random_uuid(),
  started_at       timestamptz not null,
  finished_at      timestamptz not null default now(),
  listings_checked integer not null check (listings_checked >= 0),
  drifted          integer not null check (drifted >= 0),
  drift            jsonb not null default '[]',
  primary key (tenant_id, id)
);
select enable_tenant_isolation('catalog_reconcile_runs'::regclass);
grant select, insert on catalog_reconcile_runs to lms_app;
create index catalog_reconcile_runs_recent on catalog_reconcile_runs (tenant_id, finished_at desc);

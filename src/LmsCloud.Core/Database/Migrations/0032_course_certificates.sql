-- Course completion certificates (docs/learning.md, "Completion certificates"; issue 12 item 7).
-- A shell's setting says whether it issues one; its title and wording are immutable template versions (editing adds
-- version n+1). A certificate is issued once per student and shell (primary key), records the template version and
-- the student's name and course title as shown at issue, and carries a public verification code. Only the revocation
-- columns may ever change, and only from unrevoked to revoked: the grant allows no other UPDATE, the trigger refuses it.

create table course_certificate_settings (
  tenant_id        uuid not null references tenants (id),
  shell_id         uuid not null,
  issues           boolean not null default false,
  min_score        numeric(5,2) check (min_score between 0 and 100),   -- not applied yet: grades arrive with issue 13
  template_version integer not null check (template_version >= 1),
  updated_at       timestamptz not null default now(),
  primary key (tenant_id, shell_id),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('course_certificate_settings'::regclass);
grant select, insert, update on course_certificate_settings to lms_app;

create table course_certificate_templates (
  tenant_id   uuid not null references tenants (id),
  shell_id    uuid not null,
  version_no  integer not null check (version_no >= 1),
  title       text not null check (length(btrim(title)) between 1 and 200),
  wording     text not null check (length(wording) <= 2000),
  created_by  uuid,
  created_at  timestamptz not null default now(),
  primary key (tenant_id, shell_id, version_no),
  foreign key (tenant_id, shell_id) references course_shells (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('course_certificate_templates'::regclass);
grant select, insert on course_certificate_templates to lms_app;   -- versions are never edited

alter table course_certificate_settings add foreign key (tenant_id, shell_id, template_version)
  references course_certificate_templates (tenant_id, shell_id, version_no) deferrable initially deferred;

create table course_certificates (
  tenant_id          uuid not null references tenants (id),
  id                 uuid not null default gen_random_uuid(),
  shell_id           uuid not null,
  student_id         uuid not null,
  template_version   integer not null,
  student_name       text not null,     -- as shown at issue
  course_title       text not null,     -- as shown at issue
  issued_on          date not null,     -- in the district's time zone
  issued_at          timestamptz not null default now(),
  -- 32 hex digits of a random (v4) UUID: 122 random bits, shown in groups of four.
  verification_code  text not null default upper(replace(gen_random_uuid()::text, '-', '')) check (verification_code ~ '^[0-9A-F]{32}$'),
  revoked_at         timestamptz,
  revoked_by         uuid,
  revoked_reason     text check (revoked_reason is null or length(btrim(revoked_reason)) between 1 and 500),
  primary key (tenant_id, id),
  unique (tenant_id, shell_id, student_id),
  unique (tenant_id, verification_code),
  check ((revoked_at is null) = (revoked_reason is null)),
  foreign key (tenant_id, student_id) references users (tenant_id, id),
  foreign key (tenant_id, shell_id, template_version) references course_certificate_templates (tenant_id, shell_id, version_no)
);
select enable_tenant_isolation('course_certificates'::regclass);
grant select, insert, delete on course_certificates to lms_app;   -- delete: erasure of the student only (data map)
grant update (revoked_at, revoked_by, revoked_reason) on course_certificates to lms_app;
create index course_certificates_student on course_certificates (tenant_id, student_id);

create function course_certificates_immutable() returns trigger
language plpgsql
as $$
begin
  if old.revoked_at is not null then
    raise exception 'course certificate % is revoked; it cannot change again', old.id using errcode = '23514';
  end if;
  if (new.tenant_id, new.id, new.shell_id, new.student_id, new.template_version, new.student_name, new.course_title,
      new.issued_on, new.issued_at, new.verification_code)
     is distinct from
     (old.tenant_id, old.id, old.shell_id, old.student_id, old.template_version, old.student_name, old.course_title,
      old.issued_on, old.issued_at, old.verification_code) then
    raise exception 'course certificates are immutable; only revocation may be recorded' using errcode = '23514';
  end if;
  return new;
end $$;
create trigger course_certificates_immutable before update on course_certificates
  for each row execute function course_certificates_immutable();

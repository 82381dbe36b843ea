-- Compliance requests (docs/compliance.md): a person's export, a district export, an erasure or a disclosure log, asked
-- for by a compliance officer (or a guardian, for their own child's export), decided by a compliance officer, each step
-- on its timeline (compliance_request_events) and in the audit log. The processing itself (exports, erasure) comes later
-- and moves requests through the same states.

create table compliance_requests (
  tenant_id             uuid not null references tenants (id),
  id                    uuid not null,
  type                  text not null check (type in ('export', 'district_export', 'erasure', 'disclosure_log')),
  state                 text not null check (state in ('received', 'awaiting_approval', 'approved', 'processing', 'ready',
                                                       'completed', 'rejected', 'cancelled', 'failed', 'expired')),
  subject_user_id       uuid,                 -- the person the request is about; null only for a district export
  requester_actor_type  text not null,        -- who asked, as the audit log names actors ('user', 'operator', ...)
  requester_actor_id    text,
  decider_user_id       uuid,                 -- the compliance officer who approved or rejected it
  decided_at            timestamptz,
  reason                text,                 -- why it was rejected, cancelled or failed (the latest such reason)
  due_at                timestamptz not null, -- created_at + the district's deadline (compliance.requestDeadlineDays, 45)
  created_at            timestamptz not null,
  updated_at            timestamptz not null,
  closed_at             timestamptz,          -- when it reached completed, rejected, cancelled or expired
  primary key (tenant_id, id),
  check ((type = 'district_export') = (subject_user_id is null)),
  foreign key (tenant_id, subject_user_id) references users (tenant_id, id)
);
select enable_tenant_isolation('compliance_requests'::regclass);
grant select, insert, update on compliance_requests to lms_app;

-- One open request per subject and type, so two racing creates cannot both succeed. Failed requests count as open: they
-- are retried, not replaced. A district export has no subject: nulls not distinct makes it one per district.
create unique index compliance_requests_one_open on compliance_requests (tenant_id, type, subject_user_id) nulls not distinct
  where state in ('received', 'awaiting_approval', 'approved', 'processing', 'failed');
create index compliance_requests_recent on compliance_requests (tenant_id, created_at desc);
create index compliance_requests_subject on compliance_requests (tenant_id, subject_user_id);

-- The timeline of a request: every state change and every comment, dated, with who did it.
create table compliance_request_events (
  tenant_id    uuid not null,
  request_id   uuid not null,
  seq          integer not null,
  occurred_at  timestamptz not null,
  actor_type   text not null,
  actor_id     text,
  from_state   text,                          -- null for the creation and for a comment
  to_state     text,                          -- null for a comment
  comment      text,
  primary key (tenant_id, request_id, seq),
  foreign key (tenant_id, request_id) references compliance_requests (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('compliance_request_events'::regclass);
grant select, insert on compliance_request_events to lms_app;

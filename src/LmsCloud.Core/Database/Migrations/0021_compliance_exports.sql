-- Export files of compliance requests (docs/compliance.md, Exports): one row per export or district export request,
-- written by the export job. Progress while the job runs (tables done of total, rows written, percent); when it is
-- ready, where the zip is stored, its size and SHA-256, and until when its download link works. No person key: the
-- request it belongs to names the person.

create table compliance_exports (
  tenant_id     uuid not null,
  request_id    uuid not null,
  tables_total  integer not null default 0,
  tables_done   integer not null default 0,
  rows_written  bigint not null default 0,
  percent       integer not null default 0 check (percent between 0 and 100),
  started_at    timestamptz not null,
  finished_at   timestamptz,
  storage_key   text,                         -- the zip under the file storage seam, null until ready and after expiry
  bytes         bigint,
  sha256        text,
  expires_at    timestamptz,                  -- the end of the download link (Compliance:DownloadLinkLifetime, 7 days)
  primary key (tenant_id, request_id),
  foreign key (tenant_id, request_id) references compliance_requests (tenant_id, id)
);
select enable_tenant_isolation('compliance_exports'::regclass);
grant select, insert, update on compliance_exports to lms_app;
create index compliance_exports_expiring on compliance_exports (expires_at) where storage_key is not null;

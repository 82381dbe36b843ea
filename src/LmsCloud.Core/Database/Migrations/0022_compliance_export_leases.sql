-- Crash-safe exports (docs/compliance.md, Leases): the node running an export holds a lease on it, refreshed by a
-- heartbeat while it writes. When the node dies the lease runs out, and the export job on another node takes the
-- request up again from the start as the next attempt; a live lease is never taken. Rows from before this migration
-- count their lease from started_at.

alter table compliance_exports
  add column attempt     integer not null default 1 check (attempt >= 1),
  add column lease_until timestamptz;

create index compliance_exports_leases on compliance_exports (lease_until) where finished_at is null;

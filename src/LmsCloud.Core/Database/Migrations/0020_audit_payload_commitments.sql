-- Erasure and the audit chain (docs/decisions/0020-audit-payload-commitments.md). Events from now on (hash_version 2)
-- hash a salted commitment to their personal payload (before/after values, reason, client address) instead of the
-- payload itself, so erasing a person can redact the payload while the chain still verifies. Older events
-- (hash_version 1) keep verifying under the rule they were written with.
alter table audit_events
  add column hash_version   smallint not null default 1 check (hash_version in (1, 2)),
  add column payload_salt   bytea,         -- 16 random bytes; destroyed on redaction, so a guessed payload cannot be confirmed
  add column payload_digest bytea,         -- SHA-256(salt || canonical payload): what the chain hashes
  add column redacted_at    timestamptz,   -- when the payload was redacted (an erasure)
  add constraint audit_events_v2_commits check (hash_version = 1 or payload_digest is not null),
  add constraint audit_events_redacted_has_no_salt check (redacted_at is null or payload_salt is null);
alter table audit_events alter column hash_version drop default;

-- Still append-only, with one exception: a version-2 event's payload may be redacted once. Everything the chain hashes
-- (ids, action, the digest, the links) stays as written; the trigger compares them column by column.
create or replace function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.hash_version = 2 and old.redacted_at is null and new.redacted_at is not null
     and new.payload_salt is null
     and (new.tenant_id, new.seq, new.occurred_at, new.actor_type, new.actor_id, new.real_actor_id, new.action, new.entity_type,
          new.entity_id, new.subject_user_id, new.request_id, new.prev_hash, new.hash, new.hash_version, new.payload_digest)
         is not distinct from
         (old.tenant_id, old.seq, old.occurred_at, old.actor_type, old.actor_id, old.real_actor_id, old.action, old.entity_type,
          old.entity_id, old.subject_user_id, old.request_id, old.prev_hash, old.hash, old.hash_version, old.payload_digest) then
    return new;
  end if;
  raise exception 'audit_events is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end $$;

grant update (before_values, after_values, reason, client_address, payload_salt, redacted_at) on audit_events to lms_app;

-- Deletion certificates: the signed JSON issued per completed erasure (or retention run), stored as issued.
create table deletion_certificates (
  tenant_id        uuid not null references tenants (id),
  id               uuid not null,
  issued_at        timestamptz not null,
  request_id       uuid,                  -- the erasure request, or
  retention_run_id uuid,                  -- the retention run it certifies
  subject_user_id  uuid,                  -- the person erased (by id; the certificate never names them)
  document         text not null,         -- the signed JSON, byte for byte as downloaded
  primary key (tenant_id, id)
);
create index deletion_certificates_request on deletion_certificates (tenant_id, request_id);
select enable_tenant_isolation('deletion_certificates'::regclass);
grant select, insert on deletion_certificates to lms_app;

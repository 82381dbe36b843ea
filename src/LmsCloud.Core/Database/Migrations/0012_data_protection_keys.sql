-- ASP.NET Core data-protection keys (the key ring that protects session cookies and antiforgery tokens), shared by
-- every API node so each accepts every node's cookies. A platform table, not a tenant table: one key ring serves all
-- districts (a cookie names its district in its tid claim, which every request checks against the host), so there is
-- no tenant_id and no RLS.
--
-- lms_app may read the ring and add to it, nothing else: the key manager only ever adds elements (a new key, or a
-- revocation, which is itself a new element). Without UPDATE or DELETE a compromised API process cannot destroy or
-- replace keys (which would sign every user out or swap in a key of its choosing); it can read them, as it must to
-- unprotect cookies. At rest the XML holds the key in clear unless operators configure a certificate (docs/security.md).
create table data_protection_keys (
  id             uuid primary key default gen_random_uuid(),
  friendly_name  text,                      -- "key-{guid}", "revocation-...": the key manager's names, for operators
  xml            text not null,
  created_at     timestamptz not null default now()
);
grant select, insert on data_protection_keys to lms_app;

-- District single sign-on (docs/security.md, "District SSO"): the OpenID Connect identity providers a district admin
-- configures (the district's Google or Microsoft tenant), and the links between a person at such a provider
-- (issuer + subject) and a user of the district. Both are tenant tables under forced RLS.

create table identity_providers (
  tenant_id                 uuid not null references tenants (id),
  id                        uuid not null,
  display_name              text not null,
  authority                 text not null,          -- the issuer; discovery is {authority}/.well-known/openid-configuration
  client_id                 text not null,
  client_secret_protected   text not null,          -- ASP.NET Core Data Protection ciphertext, never the secret itself
  allowed_email_domains     text[] not null default '{}',  -- lower-case; a verified email links only in one of these
  sis_id_claim              text,                   -- the claim carrying the person's SIS identifier, or null
  link_by_verified_email    boolean not null default false,
  enabled                   boolean not null default true,
  created_at                timestamptz not null default now(),
  updated_at                timestamptz not null default now(),
  primary key (tenant_id, id)
);
select enable_tenant_isolation('identity_providers'::regclass);
grant select, insert, update, delete on identity_providers to lms_app;

-- One person at one issuer is one link in a district; a user has at most one link per provider (a second account at
-- the same provider needs an admin to unlink the first). Deleting a provider deletes its links.
create table sso_links (
  tenant_id          uuid not null,
  id                 uuid not null,
  user_id            uuid not null,
  provider_id        uuid not null,
  issuer             text not null,
  subject            text not null,
  linked_by          text not null check (linked_by in ('sis_id', 'verified_email')),
  created_at         timestamptz not null default now(),
  last_sign_in_at    timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, issuer, subject),
  unique (tenant_id, provider_id, user_id),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade,
  foreign key (tenant_id, provider_id) references identity_providers (tenant_id, id) on delete cascade
);
create index sso_links_user on sso_links (tenant_id, user_id);
select enable_tenant_isolation('sso_links'::regclass);
grant select, insert, update, delete on sso_links to lms_app;

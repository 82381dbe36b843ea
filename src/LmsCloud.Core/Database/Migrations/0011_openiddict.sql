-- OpenIddict's four tables (applications, authorizations, scopes, tokens), each a district's table like every other:
-- tenant_id under forced RLS, primary key (tenant_id, id), tenant-first uniques and composite foreign keys, so a token
-- can never point at another district's application or authorization. EF keys these entities on id alone (a Guid v7,
-- unique anyway) because OpenIddict's stores look rows up by one value; the table keys stay tenant-first
-- (docs/security.md, "OpenIddict's tables"). tenant_id defaults to the session's district, as a second guard behind the
-- EF value generator: OpenIddict creates the entities, not our code.
--
-- The hand-written refresh tokens (refresh_tokens) go: OpenIddict's tokens replace them. The cut-over signs every
-- person in again once.

create table openiddict_applications (
  tenant_id                  uuid not null default nullif(current_setting('app.tenant_id', true), '')::uuid references tenants (id),
  id                         uuid not null,
  application_type           text,
  client_id                  text,
  client_secret              text,      -- OpenIddict's PBKDF2 hash, never the secret
  client_type                text,
  concurrency_token          text,
  consent_type               text,
  display_name               text,
  display_names              text,
  json_web_key_set           text,
  permissions                text,
  post_logout_redirect_uris  text,
  properties                 text,
  redirect_uris              text,
  requirements               text,
  settings                   text,
  primary key (tenant_id, id),
  unique (tenant_id, client_id)
);
select enable_tenant_isolation('openiddict_applications');

create table openiddict_authorizations (
  tenant_id          uuid not null default nullif(current_setting('app.tenant_id', true), '')::uuid references tenants (id),
  id                 uuid not null,
  application_id     uuid,
  concurrency_token  text,
  creation_date      timestamptz,
  properties         text,
  scopes             text,
  status             text,
  subject            text,              -- a user id (or an application id for client_credentials)
  type               text,
  primary key (tenant_id, id),
  foreign key (tenant_id, application_id) references openiddict_applications (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('openiddict_authorizations');
create index openiddict_authorizations_application on openiddict_authorizations (tenant_id, application_id, status, subject, type);
create index openiddict_authorizations_subject on openiddict_authorizations (tenant_id, subject);

create table openiddict_scopes (
  tenant_id          uuid not null default nullif(current_setting('app.tenant_id', true), '')::uuid references tenants (id),
  id                 uuid not null,
  concurrency_token  text,
  description        text,
  descriptions       text,
  display_name       text,
  display_names      text,
  name               text,
  properties         text,
  resources          text,
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
select enable_tenant_isolation('openiddict_scopes');

create table openiddict_tokens (
  tenant_id          uuid not null default nullif(current_setting('app.tenant_id', true), '')::uuid references tenants (id),
  id                 uuid not null,
  application_id     uuid,
  authorization_id   uuid,
  concurrency_token  text,
  creation_date      timestamptz,
  expiration_date    timestamptz,
  payload            text,
  properties         text,
  redemption_date    timestamptz,
  reference_id       text,
  status             text,
  subject            text,
  type               text,
  primary key (tenant_id, id),
  unique (tenant_id, reference_id),
  foreign key (tenant_id, application_id) references openiddict_applications (tenant_id, id) on delete cascade,
  foreign key (tenant_id, authorization_id) references openiddict_authorizations (tenant_id, id) on delete cascade
);
select enable_tenant_isolation('openiddict_tokens');
create index openiddict_tokens_application on openiddict_tokens (tenant_id, application_id, status, subject, type);
create index openiddict_tokens_authorization on openiddict_tokens (tenant_id, authorization_id);
create index openiddict_tokens_subject on openiddict_tokens (tenant_id, subject);

grant select, insert, update, delete on openiddict_applications, openiddict_authorizations, openiddict_scopes, openiddict_tokens to lms_app;

drop table refresh_tokens;

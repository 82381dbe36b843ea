-- Accounts of a district: people who sign in (ASP.NET Core Identity columns), their roles, integration clients
-- (client_credentials), refresh tokens and one-time password reset tokens. All tenant-scoped under RLS.

create table users (
  tenant_id             uuid not null references tenants (id),
  id                    uuid not null,
  user_name             text not null,
  normalized_user_name  text not null,
  email                 text,
  normalized_email      text,
  email_confirmed       boolean not null default false,
  display_name          text not null,
  password_hash         text,             -- null: cannot sign in with a password (e.g. imported, not yet invited)
  security_stamp        text not null,    -- changes on password and role changes; ends refresh-token families
  concurrency_stamp     text not null,
  lockout_enabled       boolean not null default true,
  lockout_end           timestamptz,
  access_failed_count   integer not null default 0,
  created_at            timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, normalized_user_name),
  unique (tenant_id, normalized_email)
);

create table user_roles (
  tenant_id   uuid not null,
  user_id     uuid not null,
  role        text not null check (role in
                ('DistrictAdmin', 'SchoolAdmin', 'Teacher', 'Student', 'Guardian', 'ComplianceOfficer')),
  granted_at  timestamptz not null default now(),
  primary key (tenant_id, user_id, role),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

create table integration_clients (
  tenant_id    uuid not null references tenants (id),
  id           uuid not null,
  client_id    text not null,
  name         text not null,
  secret_hash  bytea not null,            -- SHA-256 of a 256-bit random secret, shown once at creation
  scopes       text[] not null,
  created_at   timestamptz not null default now(),
  created_by   uuid,
  revoked_at   timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, client_id)
);

create table refresh_tokens (
  tenant_id       uuid not null,
  id              uuid not null,
  family_id       uuid not null,          -- all rotations of one sign-in; reuse of a spent token revokes it whole
  user_id         uuid not null,
  token_hash      bytea not null,
  security_stamp  text not null,          -- the user's stamp at sign-in; a change ends the family
  created_at      timestamptz not null default now(),
  expires_at      timestamptz not null,
  used_at         timestamptz,
  revoked_at      timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
create index refresh_tokens_family on refresh_tokens (tenant_id, family_id);

create table password_reset_tokens (
  tenant_id    uuid not null,
  id           uuid not null,
  user_id      uuid not null,
  token_hash   bytea not null,
  created_at   timestamptz not null default now(),
  created_by   uuid,
  expires_at   timestamptz not null,
  used_at      timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);

do $$
declare t text;
begin
  foreach t in array array['users', 'user_roles', 'integration_clients', 'refresh_tokens', 'password_reset_tokens'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format($p$create policy tenant_isolation on %I
      using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))
      with check (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
  end loop;
end $$;

grant select, insert, update, delete on users, user_roles, refresh_tokens, password_reset_tokens to lms_app;
grant select, insert, update on integration_clients to lms_app;

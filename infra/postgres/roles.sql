-- Roles and database for a PostgreSQL server you run yourself (the embedded cluster does this on its own).
-- Run as a superuser, with your own passwords:
--   psql -v owner_password="'...'" -v app_password="'...'" -f infra/postgres/roles.sql
-- Then set ConnectionStrings:Owner (lms_owner) and ConnectionStrings:App (lms_app); the API or
-- `lms db migrate` applies the schema as lms_owner.

-- Owns the schema and runs migrations. Not a superuser: FORCE ROW LEVEL SECURITY applies to it too.
create role lms_owner login nosuperuser nobypassrls password :owner_password;

-- What the API and jobs connect as: owns nothing, cannot bypass RLS, holds only the grants the migrations give.
create role lms_app login nosuperuser nobypassrls nocreatedb nocreaterole password :app_password;

create database lmscloud owner lms_owner;

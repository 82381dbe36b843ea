-- Quartz.NET's job store (qrtz_* tables) for the clustered nightly SIS import (Rostering/NightlyImportJob.cs).
-- The DDL is the script the referenced Quartz package ships for exactly its own version; the runner splices it in at
-- the directive below, so this migration's checksum covers the SQL that actually ran, and a Quartz upgrade that changes
-- its schema stops the runner instead of leaving the tables silently behind.
-- Global tables: no tenant_id and no RLS. They hold every district's trigger; the job sets its district itself.
--@include-resource Quartz Quartz.Impl.AdoJobStore.Schema.create_postgres.sql {0}=qrtz_ {1}=qrtz_

do $$
declare t text;
begin
  for t in select tablename from pg_tables where schemaname = 'public' and tablename like 'qrtz\_%' loop
    execute format('grant select, insert, update, delete on %I to lms_app', t);
  end loop;
end $$;

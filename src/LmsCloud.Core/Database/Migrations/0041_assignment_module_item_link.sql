-- Citus refuses ON DELETE SET NULL on a foreign key that includes the distribution column (tenant_id), even with a
-- column list (infra/citus/README.md; CitusGuardTests). 0040 unlinked an assignment from its removed module item that
-- way; the link is now a plain foreign key, and a trigger clears it before the module item goes.
do $$
declare fk text;
begin
  select conname into fk from pg_constraint
  where conrelid = 'assignments'::regclass and contype = 'f' and confrelid = 'module_items'::regclass;
  execute format('alter table assignments drop constraint %I', fk);
end $$;

alter table assignments add constraint assignments_module_item_fkey
  foreign key (tenant_id, shell_id, module_item_id) references module_items (tenant_id, shell_id, id);

create function assignments_unlink_module_item() returns trigger
language plpgsql
as $$
begin
  update assignments set module_item_id = null where tenant_id = old.tenant_id and module_item_id = old.id;
  return old;
end $$;

create trigger module_items_unlink_assignments before delete on module_items
  for each row execute function assignments_unlink_module_item();

-- Retention runs purge what used to be kept for ever (docs/compliance.md, Retention): revoked integration clients, closed
-- compliance requests past their period (their timeline events go by the existing cascade) and the export rows of those
-- requests. The app role could not delete these rows until now.
grant delete on integration_clients, compliance_requests, compliance_exports to lms_app;

-- The new item kinds.
alter table retention_run_items drop constraint retention_run_items_kind_check;
alter table retention_run_items add constraint retention_run_items_kind_check check (kind in ('import_package', 'import_row_errors',
  'import_changes', 'class_enrollments', 'departed_person', 'reset_tokens', 'revoked_client', 'closed_request'));

-- Row findings of a run, counted per file and code (docs/sis-import.md, "Row findings and their limits"): a run stores
-- only the first 10,000 findings of each file in import_row_errors, so the counts of all of them live here:
--   {"users.csv": {"stored": 10000, "total": 100001, "truncated": true, "codes": {"E_FIELD_COUNT": 100001}}}
alter table import_runs add column findings jsonb not null default '{}'::jsonb;

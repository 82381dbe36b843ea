-- Creating, suspending, resuming and renaming districts is for operators only (lms, connected as the owner), not for
-- the application: 0001 let lms_app insert and update tenants, so a bug or a compromised API process could suspend
-- or rename any district. lms_app keeps SELECT, to resolve districts from host names; the tenants_changed trigger
-- runs as whoever changes the table (now the owner), and LISTEN on its channel needs no grant.
revoke all on tenants from lms_app;
grant select on tenants to lms_app;

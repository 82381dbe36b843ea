-- Who the students of a course shell are, defined once for grades, the gradebook and analytics: people actively
-- enrolled as students in a class the shell serves (with the enrolment's dates, which analytics applies and grades do
-- not: a term's grade still stands after it ends), and people enrolled in it from the catalog (no class, no dates).
-- A person can appear more than once (two sections, or a section and the catalog); readers take distinct rows.
-- security_invoker: the tables' row-level security applies to the reader, as if they had queried the tables.
create view shell_students with (security_invoker = true) as
select sc.tenant_id, sc.shell_id, e.user_id as student_id, sc.class_id, e.begin_date, e.end_date
from course_shell_classes sc
join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
union all
select c.tenant_id, c.shell_id, c.person_id, null, null, null
from catalog_enrollments c
where c.state = 'enrolled';
grant select on shell_students to lms_app;

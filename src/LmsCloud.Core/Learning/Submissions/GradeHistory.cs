using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// The grade-change history of a shell (grade_changes), newest first, filtered. Teachers and admins of the shell see
/// all of it; a student sees only their own changes and a guardian their children's, and only for assignments whose
/// grades are posted now (an unposted grade's history would show the grade); posting entries name no student, so
/// learners never see them. Anyone else gets 404.
/// </summary>
public sealed class GradeHistory(LmsDbContext db, ShellAccess access)
{
    public async Task<IQueryable<GradeHistoryEntry>> QueryAsync(ShellViewer viewer, Guid shellId, GradeHistoryFilter filter, CancellationToken ct)
    {
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Course");
        var learner = await access.SeesAsLearnerAsync(viewer, shellId, ct);
        var me = viewer.PersonId;
        var f = filter;
        return db.Database.SqlQuery<GradeHistoryEntry>($"""
            select g.id as "Id", g.changed_at as "ChangedAt", g.assignment_id as "AssignmentId", a.title as "AssignmentTitle",
                   g.student_id as "StudentId", su.display_name as "StudentName", g.kind as "Kind", g.before_values::text as "Before",
                   g.after_values::text as "After", g.grader_id as "GraderId", gu.display_name as "GraderName", g.channel as "Channel",
                   g.reason as "Reason"
            from grade_changes g
            left join assignments a on a.tenant_id = g.tenant_id and a.id = g.assignment_id
            left join users su on su.tenant_id = g.tenant_id and su.id = g.student_id
            left join users gu on gu.tenant_id = g.tenant_id and gu.id = g.grader_id
            where g.shell_id = {shellId}
              and (not {learner} or (g.student_id is not null and (not a.post_manually or a.grades_posted_at is not null)
                   and (g.student_id = {me}::uuid or g.student_id in (select l.student_id from guardian_links l where l.guardian_id = {me}::uuid))))
              and ({f.StudentId}::uuid is null or g.student_id = {f.StudentId}::uuid)
              and ({f.AssignmentId}::uuid is null or g.assignment_id = {f.AssignmentId}::uuid)
              and ({f.GraderId}::uuid is null or g.grader_id = {f.GraderId}::uuid)
              and ({f.ClassId}::uuid is null or g.student_id in (select e.user_id from enrollments e where e.class_id = {f.ClassId}::uuid and e.role = 'student'))
              and ({f.From}::timestamptz is null or g.changed_at >= {f.From}::timestamptz)
              and ({f.To}::timestamptz is null or g.changed_at < {f.To}::timestamptz)
            """).OrderByDescending(e => e.ChangedAt).ThenByDescending(e => e.Id);
    }
}

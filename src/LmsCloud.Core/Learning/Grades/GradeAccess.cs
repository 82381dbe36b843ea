using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// The checks every grading write starts with, as <see cref="Assignments.AssignmentEditing"/> does for assignments: a
/// transaction, the caller may edit the shell (404 when they cannot see it, 403 when they may only read it), the shell's
/// row locked (policy changes and overrides of one shell queue up), and an archived shell refused (409).
/// </summary>
public sealed class GradeAccess(LmsDbContext db, ShellAccess access)
{
    public async Task<IDbContextTransaction> BeginEditAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            await CheckEditableAsync(viewer, shellId, ct);
            var status = await db.Database.SqlQuery<string>($"select status as \"Value\" from course_shells where id = {shellId} for update").SingleAsync(ct);
            if (status == ShellStatus.Archived) throw ShellRefusal.Conflict("This course is archived and read-only.");
            return tx;
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    public async Task CheckEditableAsync(ShellViewer viewer, Guid shellId, CancellationToken ct)
    {
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("Only the course's teachers and administrators may change its grading.")
                : ShellRefusal.NotFound("Course");
    }

    /// <summary>Whether the person is a student of the shell (actively enrolled in one of its classes).</summary>
    public Task<bool> IsStudentAsync(Guid shellId, Guid studentId, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"""
            select exists (select 1 from course_shell_classes sc
                           join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
                           where sc.shell_id = {shellId} and e.user_id = {studentId}) as "Value"
            """).SingleAsync(ct);
}

using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// The checks every grading write starts with: <see cref="ShellAccess.BeginEditAsync"/> with grading's wording (policy
/// changes and overrides of one shell queue up on the shell's row).
/// </summary>
public sealed class GradeAccess(LmsDbContext db, ShellAccess access)
{
    const string Forbidden = "Only the course's teachers and administrators may change its grading.";

    public Task<IDbContextTransaction> BeginEditAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) =>
        access.BeginEditAsync(viewer, shellId, Forbidden, ct);

    public Task CheckEditableAsync(ShellViewer viewer, Guid shellId, CancellationToken ct) => access.CheckEditableAsync(viewer, shellId, Forbidden, ct);

    /// <summary>Whether the person is a student of the shell (actively enrolled in one of its classes).</summary>
    public Task<bool> IsStudentAsync(Guid shellId, Guid studentId, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"""
            select exists (select 1 from course_shell_classes sc
                           join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
                           where sc.shell_id = {shellId} and e.user_id = {studentId}) as "Value"
            """).SingleAsync(ct);
}

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

    /// <summary>Whether the person is a student of the shell (the shell_students view: a class's or the catalog's).</summary>
    public Task<bool> IsStudentAsync(Guid shellId, Guid studentId, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"""
            select exists (select 1 from shell_students where shell_id = {shellId} and student_id = {studentId}) as "Value"
            """).SingleAsync(ct);
}

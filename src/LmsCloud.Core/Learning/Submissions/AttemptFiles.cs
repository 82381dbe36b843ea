using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// A file a student handed in, opened through the storage seam: for the course's teachers and admins any student's
/// (<see cref="OpenAsync"/>, the same checks as <see cref="SubmissionReading.OneAsync"/>: 404 for a course they cannot
/// see, 403 for a learner), for a student their own only (<see cref="OpenMineAsync"/>, the checks of
/// <see cref="SubmissionReading.MineAsync"/>; the student is the caller, so no id can name a classmate). Null when that
/// attempt holds no file.
/// </summary>
public sealed class AttemptFiles(LmsDbContext db, SubmissionReading reading, IFileStorage storage)
{
    public sealed record AttemptFile(Stream Content, string ContentType, string FileName);

    public async Task<AttemptFile?> OpenAsync(ShellViewer viewer, Guid assignmentId, Guid studentId, int attemptNo, CancellationToken ct)
    {
        await reading.EditorOfAsync(viewer, assignmentId, ct);
        return await OpenStoredAsync(assignmentId, studentId, attemptNo, ct);
    }

    public async Task<AttemptFile?> OpenMineAsync(ShellViewer viewer, Guid assignmentId, int attemptNo, CancellationToken ct)
    {
        await reading.MineAsync(viewer, assignmentId, ct); // 404 unless a published assignment of a course they take
        return await OpenStoredAsync(assignmentId, viewer.PersonId!.Value, attemptNo, ct);
    }

    async Task<AttemptFile?> OpenStoredAsync(Guid assignmentId, Guid studentId, int attemptNo, CancellationToken ct)
    {
        var row = await db.Database.SqlQuery<Row>($"""
            select t.file_key as "FileKey", t.file_name as "FileName", t.content_type as "ContentType"
            from submission_attempts t join submissions s on s.tenant_id = t.tenant_id and s.id = t.submission_id
            where s.assignment_id = {assignmentId} and s.student_id = {studentId} and t.attempt_no = {attemptNo} and t.file_key is not null
            """).SingleOrDefaultAsync(ct);
        if (row == null) return null;
        return new AttemptFile(await storage.OpenReadAsync(row.FileKey, ct), row.ContentType ?? "application/octet-stream", row.FileName ?? "submission");
    }

    sealed record Row(string FileKey, string? FileName, string? ContentType);
}

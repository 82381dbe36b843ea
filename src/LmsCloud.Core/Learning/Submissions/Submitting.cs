using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// A student hands in an attempt: text, a link, or a file (through the file store, with the course-file size limit and
/// type sniffing). The assignment must be published in a shell the student reads and they must be one of its students
/// (404 otherwise; 403 for its teachers); it must be open by the student's effective dates (409 before unlock_at or from
/// lock_at on) and attempts must be left (409). Each attempt is a new immutable row (attempt_no dense: the submission
/// row is locked while it is numbered) pinned to the instructions' version; the submission becomes 'submitted' with
/// this attempt's time, and the student's score is recomputed (late status can change) in the same transaction.
/// </summary>
public sealed class Submitting(LmsDbContext db, ShellAccess access, SubmissionReading reading, ScoreKeeper scores, IFileStorage files,
    LearningOptions options, AuditLog audit, TimeProvider clock)
{
    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public async Task<SubmissionView> SubmitAsync(ShellViewer viewer, Guid assignmentId, SubmitRequest request, FileUpload? file, CancellationToken ct)
    {
        var kind = request.Kind ?? (file != null ? AttemptKind.File : null);
        if (kind == null || !AttemptKind.Submittable.Contains(kind))
            throw ShellRefusal.Invalid("kind", "Kind is text, link or file.");
        var (body, url) = kind switch
        {
            AttemptKind.Text => (request.Body is { Length: >= 1 and <= 200_000 } b && !string.IsNullOrWhiteSpace(b) ? b
                : throw ShellRefusal.Invalid("body", "A text submission is 1 to 200,000 characters."), (string?)null),
            AttemptKind.Link => ((string?)null, Uri.TryCreate(request.Url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https" && request.Url!.Length <= 2000
                ? u.ToString() : throw ShellRefusal.Invalid("url", "A link needs an http or https URL of at most 2,000 characters.")),
            _ => (null, null),
        };
        if (kind == AttemptKind.File && file == null) throw ShellRefusal.Invalid("file", "A file submission needs the file.");

        var me = viewer.PersonId ?? throw ShellRefusal.NotFound("Assignment");
        await using var tx = await SubmissionTransaction.BeginAsync(db, ct);
        var shellId = await reading.ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Assignment");
        var target = await db.Database.SqlQuery<Target>($"""
            select a.allowed_attempts as "AllowedAttempts", a.content_version_no as "ContentVersionNo", e.unlock_at as "UnlockAt", e.lock_at as "LockAt",
                   exists (select 1 from quizzes q where q.tenant_id = a.tenant_id and q.assignment_id = a.id) as "IsQuiz"
            from assignments a join effective_due_dates e on e.tenant_id = a.tenant_id and e.assignment_id = a.id and e.student_id = {me}
            where a.id = {assignmentId} and a.published
            """).SingleOrDefaultAsync(ct);
        if (target == null)
            throw await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("Only the course's students hand in work.")
                : ShellRefusal.NotFound("Assignment");
        if (target.IsQuiz) throw ShellRefusal.Conflict("This assignment is a quiz: take it from the quiz page (its attempts are the quiz's).");
        var now = clock.GetUtcNow();
        if (target.UnlockAt is { } unlock && now < unlock)
            throw ShellRefusal.Conflict($"This assignment opens for submissions at {unlock:u}.");
        if (target.LockAt is { } lockAt && now >= lockAt)
            throw ShellRefusal.Conflict($"This assignment closed for submissions at {lockAt:u}.");

        // The row is made once and then locked: concurrent attempts of one student are numbered one after the other.
        await db.Database.ExecuteSqlAsync($"""
            insert into submissions (tenant_id, id, shell_id, assignment_id, student_id) values ({Tenant}, {Guid.NewGuid()}, {shellId}, {assignmentId}, {me})
            on conflict (tenant_id, assignment_id, student_id) do nothing
            """, ct);
        var row = await db.Database.SqlQuery<Locked>($"""
            select id as "Id", attempt_count as "AttemptCount" from submissions where assignment_id = {assignmentId} and student_id = {me} for update
            """).SingleAsync(ct);
        if (target.AllowedAttempts is { } allowed && row.AttemptCount >= allowed)
            throw ShellRefusal.Conflict(allowed == 1 ? "This assignment takes one attempt, and it has been handed in."
                : $"This assignment takes {allowed} attempts, and all have been handed in.");

        var attemptId = Guid.NewGuid();
        var attemptNo = row.AttemptCount + 1;
        CheckedUpload.Stored? stored = null;
        if (kind == AttemptKind.File)
            stored = await CheckedUpload.SaveAsync(files, file!, $"{Tenant}/submissions/{shellId}/{assignmentId}/{attemptId}", options.MaxFileBytes,
                "A submitted file", ct);
        await db.Database.ExecuteSqlAsync($"""
            insert into submission_attempts (tenant_id, id, submission_id, attempt_no, kind, body, url, file_key, file_name, content_type, size_bytes,
                                             content_version_no, submitted_at, submitted_by)
            values ({Tenant}, {attemptId}, {row.Id}, {attemptNo}, {kind}, {body}, {url}, {stored?.Key}, {stored?.Name}, {stored?.ContentType},
                    {stored?.Size}, {target.ContentVersionNo}, {now}, {me})
            """, ct);
        await db.Database.ExecuteSqlAsync($"""
            update submissions set attempt_count = {attemptNo}, submitted_at = {now}, workflow = 'submitted', row_version = row_version + 1,
              updated_at = now()
            where id = {row.Id}
            """, ct);
        await audit.WriteAsync(new AuditEntry("submission.submitted", "assignment", assignmentId.ToString(), SubjectUserId: me,
            After: new { attemptNo, kind, fileName = stored?.Name, contentVersionNo = target.ContentVersionNo }, Actor: AuditActor.User(me)), ct);
        await scores.RecomputeAsync(shellId, [me], ct);
        var view = await reading.MineAsync(viewer, assignmentId, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    sealed record Target(int? AllowedAttempts, int? ContentVersionNo, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, bool IsQuiz);

    sealed record Locked(Guid Id, int AttemptCount);
}

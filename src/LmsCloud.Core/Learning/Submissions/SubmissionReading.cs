using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// Reading submissions. A student reads their own (<see cref="MineAsync"/>: published assignment of a shell they read,
/// and they are one of its students, else 404), without the score while the assignment's grades are not posted. The
/// shell's teachers and admins read everyone's (<see cref="ListAsync"/>, <see cref="OneAsync"/>); a learner asking for
/// those gets 403 on an assignment they can see, 404 otherwise. Students are those with effective dates (actively
/// enrolled in a class the shell serves) plus anyone who left but has a submission row.
/// </summary>
public sealed class SubmissionReading(LmsDbContext db, ShellAccess access, TimeProvider clock)
{
    public async Task<SubmissionView> MineAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.NotFound("Assignment");
        var shellId = await ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        if (!await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)) throw ShellRefusal.NotFound("Assignment");
        var view = (await ViewsAsync(assignmentId, me, publishedOnly: true, ct)).SingleOrDefault() ?? throw ShellRefusal.NotFound("Assignment");
        view = view with { Attempts = await AttemptsAsync(assignmentId, me, ct) };
        return view.Posted ? view : view with { Score = null, EnteredGrade = null, GradedAt = null, GraderId = null,
            Workflow = view.Workflow == "graded" ? (view.AttemptCount > 0 ? "submitted" : "unsubmitted") : view.Workflow };
    }

    public async Task<IReadOnlyList<SubmissionView>> ListAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        await EditorOfAsync(viewer, assignmentId, ct);
        return await ViewsAsync(assignmentId, null, publishedOnly: false, ct);
    }

    public async Task<SubmissionView> OneAsync(ShellViewer viewer, Guid assignmentId, Guid studentId, CancellationToken ct)
    {
        await EditorOfAsync(viewer, assignmentId, ct);
        return await TeacherViewAsync(assignmentId, studentId, ct);
    }

    /// <summary>One student's submission with attempts, for a caller who has checked they may see it (404 when not a student of the course).</summary>
    internal async Task<SubmissionView> TeacherViewAsync(Guid assignmentId, Guid studentId, CancellationToken ct)
    {
        var view = (await ViewsAsync(assignmentId, studentId, publishedOnly: false, ct)).SingleOrDefault() ?? throw ShellRefusal.NotFound("Student");
        return view with { Attempts = await AttemptsAsync(assignmentId, studentId, ct) };
    }

    async Task<List<SubmissionView>> ViewsAsync(Guid assignmentId, Guid? only, bool publishedOnly, CancellationToken ct)
    {
        var rows = await db.Database.SqlQuery<Row>($"""
            with who as (
              select e.student_id, e.due_at, e.unlock_at, e.lock_at from effective_due_dates e
              where e.assignment_id = {assignmentId} and ({only}::uuid is null or e.student_id = {only}::uuid)
              union all
              select s.student_id, a.due_at, a.unlock_at, a.lock_at from submissions s join assignments a on a.tenant_id = s.tenant_id and a.id = s.assignment_id
              where s.assignment_id = {assignmentId} and ({only}::uuid is null or s.student_id = {only}::uuid)
                and not exists (select 1 from effective_due_dates e where e.assignment_id = s.assignment_id and e.student_id = s.student_id))
            select w.student_id as "StudentId", u.display_name as "StudentName", coalesce(s.workflow, 'unsubmitted') as "Workflow", s.score as "Score",
                   s.entered_grade as "EnteredGrade", coalesce(s.excused, false) as "Excused", s.status_override as "StatusOverride",
                   s.submitted_at as "SubmittedAt", coalesce(s.attempt_count, 0) as "AttemptCount", a.allowed_attempts as "AllowedAttempts",
                   w.due_at as "DueAt", w.unlock_at as "UnlockAt", w.lock_at as "LockAt", s.graded_at as "GradedAt", s.grader_id as "GraderId",
                   (not a.post_manually or a.grades_posted_at is not null) as "Posted", coalesce(s.row_version, 0) as "RowVersion"
            from who w
            join assignments a on a.id = {assignmentId} and (a.published or not {publishedOnly})
            join users u on u.id = w.student_id
            left join submissions s on s.assignment_id = {assignmentId} and s.student_id = w.student_id
            order by u.family_name, u.given_name, w.student_id
            """).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return rows.Select(r =>
        {
            var (status, source) = LateStatus.Of(r.StatusOverride, r.Excused, r.SubmittedAt, r.DueAt, now);
            return new SubmissionView(assignmentId, r.StudentId, r.StudentName, r.Workflow, r.Score, r.EnteredGrade, r.Excused, status, source,
                r.SubmittedAt, r.AttemptCount, r.AllowedAttempts, r.DueAt, r.UnlockAt, r.LockAt, r.GradedAt, r.GraderId, r.Posted, r.RowVersion, null);
        }).ToList();
    }

    Task<List<AttemptView>> AttemptsAsync(Guid assignmentId, Guid studentId, CancellationToken ct) => db.Database.SqlQuery<AttemptView>($"""
        select t.attempt_no as "AttemptNo", t.kind as "Kind", t.body as "Body", t.url as "Url", t.file_name as "FileName",
               t.content_type as "ContentType", t.size_bytes as "SizeBytes", t.content_version_no as "ContentVersionNo", t.score as "Score",
               t.submitted_at as "SubmittedAt"
        from submission_attempts t join submissions s on s.tenant_id = t.tenant_id and s.id = t.submission_id
        where s.assignment_id = {assignmentId} and s.student_id = {studentId}
        order by t.attempt_no
        """).ToListAsync(ct);

    /// <summary>404 unless the caller reads the shell and sees the assignment; 403 when they see it only as a learner.</summary>
    internal async Task<Guid> EditorOfAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shellId = await ShellOfAsync(assignmentId, ct) ?? throw ShellRefusal.NotFound("Assignment");
        if (await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct)) return shellId;
        var visible = await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct) &&
                      await db.Database.SqlQuery<bool>($"select published as \"Value\" from assignments where id = {assignmentId}").SingleAsync(ct);
        throw visible ? ShellRefusal.Forbidden("Only the course's teachers and administrators see and grade everyone's submissions.")
            : ShellRefusal.NotFound("Assignment");
    }

    internal async Task<Guid?> ShellOfAsync(Guid assignmentId, CancellationToken ct) =>
        await db.Database.SqlQuery<Guid?>($"select shell_id as \"Value\" from assignments where id = {assignmentId}").SingleOrDefaultAsync(ct);

    sealed record Row(Guid StudentId, string? StudentName, string Workflow, decimal? Score, string? EnteredGrade, bool Excused, string? StatusOverride,
        DateTimeOffset? SubmittedAt, int AttemptCount, int? AllowedAttempts, DateTimeOffset? DueAt, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt,
        DateTimeOffset? GradedAt, Guid? GraderId, bool Posted, int RowVersion);
}

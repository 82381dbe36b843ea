using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>
/// Grades and posting, for the shell's teachers and admins (404 when they cannot see the course, 403 when they only
/// read it, 409 when it is archived). A grade names the version it changes (If-Match, the submission's ETag): 428 when
/// a submission row exists and no If-Match came, 412 when it is stale; with no row yet, no If-Match, <c>*</c> or
/// <c>"0"</c> creates it. Each changed aspect (score, excused, status) is one <see cref="GradeChangeLog"/> entry; a
/// reason is required (400, field reason) once the assignment's grades are posted and the submission already had a
/// score. The student's stored score is recomputed in the same transaction; posting recomputes the whole shell.
/// </summary>
public sealed class Grading(LmsDbContext db, SubmissionReading reading, GradeChangeLog log, ScoreKeeper scores, GradingPeriods periods,
    TimeProvider clock)
{
    const decimal MaxScore = 9_999_999.99m;

    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public static ShellRefusal PreconditionRequired() => new(428, "Precondition required",
        "This submission already exists: send If-Match with the ETag you read, so a grade someone else entered meanwhile is not overwritten.");

    public static ShellRefusal Stale() => new(412, "Precondition failed",
        "The submission changed since you read it (someone else graded it, or the student handed in again). Read it again and retry.");

    public async Task<SubmissionView> GradeAsync(ShellViewer viewer, Guid assignmentId, Guid studentId, GradeRequest request, string? ifMatch,
        GradeChannel channel, CancellationToken ct)
    {
        if (request.Score is { } s && (s < 0 || s > MaxScore || decimal.Round(s, 2) != s))
            throw ShellRefusal.Invalid("score", "A score is a number from 0 to 9,999,999.99 (at most 2 decimals).");
        if (request.Score != null && request.ClearScore) throw ShellRefusal.Invalid("score", "Give a score or clearScore, not both.");
        if (request.Status != null && !LateStatus.Settable.Contains(request.Status))
            throw ShellRefusal.Invalid("status", "Status is late, missing, none or automatic.");
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        if (reason is { Length: > 1000 }) throw ShellRefusal.Invalid("reason", "A reason is at most 1,000 characters.");

        await using var tx = await SubmissionTransaction.BeginAsync(db, ct);
        var shellId = await EditableShellAsync(viewer, assignmentId, ct);
        await reading.TeacherViewAsync(assignmentId, studentId, ct); // 404 unless a student of the course (or one with a submission)
        var row = await db.Database.SqlQuery<Current>($"""
            select s.id as "Id", s.score as "Score", s.excused as "Excused", s.status_override as "StatusOverride", s.row_version as "RowVersion"
            from submissions s where s.assignment_id = {assignmentId} and s.student_id = {studentId} for update
            """).SingleOrDefaultAsync(ct);
        CheckPrecondition(ifMatch, row?.RowVersion);

        var before = row ?? new Current(Guid.NewGuid(), null, false, null, 0);
        var score = request.ClearScore ? null : request.Score ?? before.Score;
        var excused = request.Excused ?? before.Excused;
        var status = request.Status == null ? before.StatusOverride : request.Status == LateStatus.Automatic ? null : request.Status;
        var changes = new List<(GradeChangeKind Kind, object Before, object After)>();
        if (score != before.Score) changes.Add((GradeChangeKind.Score, new { score = before.Score }, new { score }));
        if (excused != before.Excused) changes.Add((GradeChangeKind.Excused, new { excused = before.Excused }, new { excused }));
        if (status != before.StatusOverride) changes.Add((GradeChangeKind.Status, new { status = before.StatusOverride }, new { status }));
        if (changes.Count == 0) return await reading.TeacherViewAsync(assignmentId, studentId, ct); // nothing to change, nothing recorded

        var posted = await db.Database.SqlQuery<bool>($"""
            select (not post_manually or grades_posted_at is not null) as "Value" from assignments where id = {assignmentId}
            """).SingleAsync(ct);
        if (posted && before.Score != null && reason == null)
            throw ShellRefusal.Invalid("reason", "This grade is already posted to the student: say why it changes.");
        await periods.EnsureOpenAsync(shellId, assignmentId, studentId, ct); // a closed period refuses the change (409)

        var me = viewer.PersonId;
        var now = clock.GetUtcNow();
        if (row == null)
            await db.Database.ExecuteSqlAsync($"""
                insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, excused, status_override, graded_at, grader_id)
                values ({Tenant}, {before.Id}, {shellId}, {assignmentId}, {studentId},
                        case when {score}::numeric is not null or {excused} then 'graded' else 'unsubmitted' end,
                        {score}, {excused}, {status}, {now}, {me})
                """, ct);
        else
            await db.Database.ExecuteSqlAsync($"""
                update submissions set score = {score}, excused = {excused}, status_override = {status}, graded_at = {now}, grader_id = {me},
                  workflow = case when {score}::numeric is not null or {excused} then 'graded' when attempt_count > 0 then 'submitted' else 'unsubmitted' end,
                  row_version = row_version + 1, updated_at = now()
                where id = {row.Id}
                """, ct);
        foreach (var (kind, old, @new) in changes)
            await log.WriteAsync(new GradeChange(kind, shellId, assignmentId, studentId, old, @new, me, channel, reason), ct);
        await scores.RecomputeAsync(shellId, [studentId], ct);
        var view = await reading.TeacherViewAsync(assignmentId, studentId, ct);
        await tx.CommitAsync(ct);
        return view;
    }

    /// <summary>
    /// Shows (sets grades_posted_at) or hides (clears it) an assignment's grades, recorded as one posting change, and
    /// recomputes every student of the shell in the same transaction. Hiding applies to manually posted assignments
    /// only (409 otherwise: an automatically posted assignment shows its grades whatever this says).
    /// </summary>
    public async Task<PostingView> PostAsync(ShellViewer viewer, Guid assignmentId, PostingRequest request, GradeChannel channel, CancellationToken ct)
    {
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        if (reason is { Length: > 1000 }) throw ShellRefusal.Invalid("reason", "A reason is at most 1,000 characters.");
        await using var tx = await SubmissionTransaction.BeginAsync(db, ct);
        var shellId = await EditableShellAsync(viewer, assignmentId, ct);
        var before = await PostingAsync(assignmentId, forUpdate: true, ct);
        if (!request.Posted && !before.PostManually)
            throw ShellRefusal.Conflict("This assignment posts its grades automatically; turn on manual posting (postManually) to hide them.");
        if (request.Posted == (before.GradesPostedAt != null)) return before;
        await periods.EnsureOpenAsync(shellId, assignmentId, ct);
        await db.Database.ExecuteSqlAsync($"""
            update assignments set grades_posted_at = case when {request.Posted} then {clock.GetUtcNow()} end, updated_at = now() where id = {assignmentId}
            """, ct);
        var after = await PostingAsync(assignmentId, forUpdate: false, ct);
        await log.WriteAsync(new GradeChange(GradeChangeKind.Posting, shellId, assignmentId, null, new { postedAt = before.GradesPostedAt },
            new { postedAt = after.GradesPostedAt }, viewer.PersonId, channel, reason), ct);
        await scores.RecomputeAsync(shellId, null, ct);
        await tx.CommitAsync(ct);
        return after;
    }

    /// <summary>
    /// If-Match against the row's version: with a row, required (428) and equal (412; <c>*</c> is no version and counts
    /// as stale, since it would overwrite blindly). Without a row: absent, <c>*</c> or <c>"0"</c> (the ETag a read of an
    /// unsubmitted student gives); any other tag is stale (the row it named is gone).
    /// </summary>
    static void CheckPrecondition(string? ifMatch, int? rowVersion)
    {
        var given = string.IsNullOrWhiteSpace(ifMatch) ? null : ifMatch.Trim();
        if (rowVersion is not { } version)
        {
            if (given != null && given != "*" && !SubmissionETag.Matches(given, 0)) throw Stale();
            return;
        }
        if (given == null) throw PreconditionRequired();
        if (!SubmissionETag.Matches(given, version)) throw Stale();
    }

    async Task<PostingView> PostingAsync(Guid assignmentId, bool forUpdate, CancellationToken ct)
    {
        var view = forUpdate
            ? await db.Database.SqlQuery<PostingRow>($"""
                select post_manually as "PostManually", grades_posted_at as "GradesPostedAt" from assignments where id = {assignmentId} for update
                """).SingleAsync(ct)
            : await db.Database.SqlQuery<PostingRow>($"""
                select post_manually as "PostManually", grades_posted_at as "GradesPostedAt" from assignments where id = {assignmentId}
                """).SingleAsync(ct);
        return new PostingView(assignmentId, view.PostManually, view.GradesPostedAt, !view.PostManually || view.GradesPostedAt != null);
    }

    async Task<Guid> EditableShellAsync(ShellViewer viewer, Guid assignmentId, CancellationToken ct)
    {
        var shellId = await reading.EditorOfAsync(viewer, assignmentId, ct);
        var status = await db.Database.SqlQuery<string>($"select status as \"Value\" from course_shells where id = {shellId}").SingleAsync(ct);
        if (status == ShellStatus.Archived) throw ShellRefusal.Conflict("This course is archived and read-only.");
        return shellId;
    }

    sealed record Current(Guid Id, decimal? Score, bool Excused, string? StatusOverride, int RowVersion);

    sealed record PostingRow(bool PostManually, DateTimeOffset? GradesPostedAt);
}

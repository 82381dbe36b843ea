using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Gradebook;

public sealed record GradebookColumn(Guid Id, string Title, Guid GroupId, string GroupName, decimal PointsPossible, string GradingType,
    DateTimeOffset? DueAt, bool Published, bool Posted);

/// <summary>
/// One cell: what the grader entered (<c>Entered</c>, points) and what the engine made of it in the teacher's view
/// (<c>Score</c> after late/missing deductions, <c>Outcome</c> counted/dropped/excused/ungraded/…, <c>Status</c>
/// late/missing/none), so the grid shows exactly what the course grade used. <c>RowVersion</c> is the submission's
/// ETag for a grade write (0: no submission yet).
/// </summary>
public sealed record GradebookCell(Guid AssignmentId, decimal? Entered, decimal? Score, string? Outcome, string? Status, bool Excused,
    string Workflow, DateTimeOffset? SubmittedAt, int RowVersion, bool Dropped);

/// <summary>A student's row: the course grade in the teacher's view (unposted work included) and their cells, in column order.</summary>
public sealed record GradebookRow(Guid StudentId, string Name, decimal? Current, decimal? Final, string? CurrentLetter, string? FinalLetter,
    bool Stale, IReadOnlyList<GradebookCell> Cells);

/// <summary>
/// What the grid shows: one section (class) of the shell, one assignment group's columns, and only students with work the
/// engine counts as late or missing (in the group, when one is chosen). All optional; all applied in SQL.
/// </summary>
public sealed record GradebookFilter(Guid? ClassId = null, Guid? GroupId = null, bool OnlyLateOrMissing = false);

public sealed record GradebookPage(Guid ShellId, IReadOnlyList<GradebookColumn> Assignments, PagedList<GradebookRow> Students);

/// <summary>
/// The teacher's gradebook grid: students × assignments of one shell, a page of students at a time (sorted by family
/// name, given name). Four statements whatever the size: columns, the page of students (with the count), their
/// submissions, and their stored scores with the engine's per-assignment explanation unpacked in SQL. Only the shell's
/// editors (its teachers, admins) see it: it names every student's grades.
/// </summary>
public sealed class GradebookReading(LmsDbContext db, ShellAccess access)
{
    public const int MaxPageSize = 200;

    public Task<GradebookPage> GetAsync(ShellViewer viewer, Guid shellId, GradebookFilter filter, int page, int pageSize, CancellationToken ct) =>
        ReadAsync(viewer, shellId, filter, null, page, pageSize, ct);

    /// <summary>One student's row (after a grade change, the page swaps in the cell and course grade the engine stored); null when not a student of the shell.</summary>
    public async Task<(IReadOnlyList<GradebookColumn> Columns, GradebookRow? Row)> RowAsync(ShellViewer viewer, Guid shellId, Guid studentId, CancellationToken ct)
    {
        var one = await ReadAsync(viewer, shellId, new GradebookFilter(), studentId, 1, 1, ct);
        return (one.Assignments, one.Students.Items.SingleOrDefault());
    }

    async Task<GradebookPage> ReadAsync(ShellViewer viewer, Guid shellId, GradebookFilter filter, Guid? studentId, int page, int pageSize, CancellationToken ct)
    {
        var (classId, groupId, lateOrMissing) = (filter.ClassId, filter.GroupId, filter.OnlyLateOrMissing);
        // Every statement names the district as well as RLS does: tenant-first indexes, and the same rows without RLS.
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district for this request.");
        if (!await access.Editable(viewer).AnyAsync(s => s.Id == shellId, ct))
            throw await access.Readable(viewer).AnyAsync(s => s.Id == shellId, ct)
                ? ShellRefusal.Forbidden("Only the course's teachers and administrators see its gradebook.")
                : ShellRefusal.NotFound("Course");

        var columns = await db.Database.SqlQuery<GradebookColumn>($"""
            select a.id as "Id", a.title as "Title", a.group_id as "GroupId", g.name as "GroupName", a.points_possible as "PointsPossible",
                   a.grading_type as "GradingType", a.due_at as "DueAt", a.published as "Published",
                   (not a.post_manually or a.grades_posted_at is not null) as "Posted"
            from assignments a join assignment_groups g on g.tenant_id = a.tenant_id and g.id = a.group_id
            where a.tenant_id = {tenant} and g.tenant_id = {tenant} and a.shell_id = {shellId} and ({groupId}::uuid is null or a.group_id = {groupId}::uuid)
            order by g.position, a.due_at nulls last, a.title, a.id
            """).ToListAsync(ct);

        // The shell's students: active student enrolments in the classes it serves (one section when asked); with "late or
        // missing", those whose stored result (the teacher's view) marks an assignment (of the group) late or missing.
        var students = db.Database.SqlQuery<StudentRow>($"""
            select u.id as "Id", coalesce(nullif(trim(coalesce(u.family_name, '') || ', ' || coalesce(u.given_name, '')), ','), u.display_name) as "Name",
                   u.family_name as "FamilyName", u.given_name as "GivenName"
            from users u
            where u.tenant_id = {tenant} and ({studentId}::uuid is null or u.id = {studentId}::uuid) and exists (
              select 1 from shell_students ss
              where ss.tenant_id = {tenant} and ss.shell_id = {shellId} and ss.student_id = u.id and ({classId}::uuid is null or ss.class_id = {classId}::uuid))
              and (not {lateOrMissing} or exists (
                select 1 from student_scores s
                cross join lateral jsonb_array_elements(coalesce(s.result->'unpostedExplanation', s.result->'explanation')->'assignments') x
                where s.tenant_id = {tenant} and s.shell_id = {shellId} and s.student_id = u.id and x->>'status' in ('late', 'missing')
                  and ({groupId}::uuid is null or (x->>'assignment')::uuid in (
                    select a.id from assignments a where a.tenant_id = {tenant} and a.shell_id = {shellId} and a.group_id = {groupId}::uuid))))
            """).OrderBy(s => s.FamilyName).ThenBy(s => s.GivenName).ThenBy(s => s.Id);
        var pageOfStudents = await PagedList.CreateAsync(students, page, pageSize, s => s, ct);
        var ids = pageOfStudents.Items.Select(s => s.Id).ToArray();
        var columnIds = columns.Select(c => c.Id).ToArray();

        var submissions = await db.Database.SqlQuery<SubmissionRow>($"""
            select assignment_id as "AssignmentId", student_id as "StudentId", score as "Score", excused as "Excused", workflow as "Workflow",
                   submitted_at as "SubmittedAt", row_version as "RowVersion"
            from submissions where tenant_id = {tenant} and shell_id = {shellId} and student_id = any ({ids}) and assignment_id = any ({columnIds})
            """).ToListAsync(ct);
        var scores = await db.Database.SqlQuery<ScoreRow>($"""
            select s.student_id as "StudentId", s.unposted_current_score as "Current", s.unposted_final_score as "Final",
                   s.unposted_current_letter as "CurrentLetter", s.unposted_final_letter as "FinalLetter", s.stale_since is not null as "Stale"
            from student_scores s where s.tenant_id = {tenant} and s.shell_id = {shellId} and s.student_id = any ({ids})
            """).ToListAsync(ct);
        var explained = await db.Database.SqlQuery<ExplainedRow>($"""
            select s.student_id as "StudentId", (x->>'assignment')::uuid as "AssignmentId", (x->>'score')::numeric as "Score",
                   x->>'outcome' as "Outcome", x->>'status' as "Status",
                   coalesce((x->>'droppedFromCurrent')::boolean, false) as "Dropped"
            from student_scores s
            cross join lateral jsonb_array_elements(coalesce(s.result->'unpostedExplanation', s.result->'explanation')->'assignments') x
            where s.tenant_id = {tenant} and s.shell_id = {shellId} and s.student_id = any ({ids})
            """).ToListAsync(ct);

        var bySubmission = submissions.ToDictionary(s => (s.StudentId, s.AssignmentId));
        var byExplanation = explained.ToDictionary(e => (e.StudentId, e.AssignmentId));
        var byScore = scores.ToDictionary(s => s.StudentId);
        var rows = pageOfStudents.Items.Select(student =>
        {
            var cells = columns.Select(c =>
            {
                var s = bySubmission.GetValueOrDefault((student.Id, c.Id));
                var e = byExplanation.GetValueOrDefault((student.Id, c.Id));
                return new GradebookCell(c.Id, s?.Score, e?.Score, e?.Outcome, e?.Status, s?.Excused ?? false, s?.Workflow ?? "unsubmitted",
                    s?.SubmittedAt, s?.RowVersion ?? 0, e?.Dropped ?? false);
            }).ToList();
            var score = byScore.GetValueOrDefault(student.Id);
            return new GradebookRow(student.Id, student.Name, score?.Current, score?.Final, score?.CurrentLetter, score?.FinalLetter,
                score?.Stale ?? false, cells);
        }).ToList();
        return new GradebookPage(shellId, columns,
            new PagedList<GradebookRow>(rows, pageOfStudents.Page, pageOfStudents.PageSize, pageOfStudents.Total));
    }

    sealed record StudentRow(Guid Id, string Name, string? FamilyName, string? GivenName);
    sealed record SubmissionRow(Guid AssignmentId, Guid StudentId, decimal? Score, bool Excused, string Workflow, DateTimeOffset? SubmittedAt, int RowVersion);
    sealed record ScoreRow(Guid StudentId, decimal? Current, decimal? Final, string? CurrentLetter, string? FinalLetter, bool Stale);
    sealed record ExplainedRow(Guid StudentId, Guid AssignmentId, decimal? Score, string? Outcome, string? Status, bool Dropped);
}

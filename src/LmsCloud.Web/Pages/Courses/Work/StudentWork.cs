using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Work;

/// <summary>One line of a student's to-do: a published assignment of a course they take, with their own dates and status.</summary>
public sealed record ToDoItem(Guid AssignmentId, Guid ShellId, string CourseTitle, string Title, decimal PointsPossible, DateTimeOffset? DueAt,
    DateTimeOffset? LockAt, int AttemptCount, DateTimeOffset? SubmittedAt, bool Excused, string Workflow, string Status, bool IsQuiz)
{
    /// <summary>Where the student does it: a quiz is taken on its quiz page, anything else handed in on the assignment page.</summary>
    public string Href => IsQuiz ? $"/courses/{ShellId}/quizzes/{AssignmentId}" : $"/courses/{ShellId}/assignments/{AssignmentId}";

    public bool Overdue(DateTimeOffset now) => SubmittedAt == null && !Excused && DueAt is { } due && due < now;
}

/// <summary>
/// A student's grade in one course as the pages show it: the engine's stored result in the student's view (posted work
/// only; <see cref="StudentGrades.GetAsync"/>), read back into the engine's own records, with the titles the result's ids
/// stand for. Nothing here is computed again: the numbers, drops, deductions and sentences are the stored ones.
/// </summary>
public sealed record StudentGradeReport(string StudentName, string CourseTitle, GradeView Grade, IReadOnlyList<GroupResult> Groups,
    GradeExplanation Explanation, IReadOnlyDictionary<string, string> Titles)
{
    public string Title(string id) => Titles.GetValueOrDefault(id, id);

    /// <summary>An engine sentence with the assignment ids it names replaced by their titles.</summary>
    public string Readable(string sentence) => Titles.Aggregate(sentence, (s, t) => s.Replace(t.Key, $"“{t.Value}”", StringComparison.Ordinal));

    public IEnumerable<AssignmentExplanation> ItemsOf(string groupId) => Explanation.Assignments.Where(a => a.Group == groupId);

    public AssignmentExplanation? Item(Guid assignmentId) => Explanation.Assignments.FirstOrDefault(a => a.Assignment == assignmentId.ToString());
}

/// <summary>
/// What the student's pages read and do besides the services' own calls: the to-do across courses (one query over the
/// courses the student reads), a grade report for the student or a guardian's child, and a hand-in that a retried or
/// doubled form cannot apply twice (<see cref="SubmitOnceAsync"/>).
/// </summary>
public sealed class StudentWork(LmsDbContext db, ShellAccess access, StudentGrades grades, AssignmentReading assignments, Submitting submitting,
    IdempotencyKeys keys)
{
    /// <summary>
    /// The student's published assignments in every course they read and take (they have effective dates there), by their
    /// own due date (undated last). <paramref name="shellId"/> narrows it to one course.
    /// </summary>
    public async Task<IReadOnlyList<ToDoItem>> ToDoAsync(ShellViewer viewer, Guid? shellId, DateTimeOffset now, CancellationToken ct)
    {
        if (viewer.PersonId is not { } me) return [];
        var shells = await access.Readable(viewer).Where(s => shellId == null || s.Id == shellId).Select(s => s.Id).ToArrayAsync(ct);
        var rows = await db.Database.SqlQuery<ToDoRow>($"""
            select a.id as "AssignmentId", a.shell_id as "ShellId", cs.title as "CourseTitle", a.title as "Title", a.points_possible as "PointsPossible",
                   e.due_at as "DueAt", e.lock_at as "LockAt", coalesce(s.attempt_count, 0) as "AttemptCount", s.submitted_at as "SubmittedAt",
                   coalesce(s.excused, false) as "Excused", coalesce(s.workflow, 'unsubmitted') as "Workflow", s.status_override as "StatusOverride",
                   (not a.post_manually or a.grades_posted_at is not null) as "Posted",
                   exists (select 1 from quizzes q where q.tenant_id = a.tenant_id and q.assignment_id = a.id) as "IsQuiz"
            from effective_due_dates e
            join assignments a on a.tenant_id = e.tenant_id and a.id = e.assignment_id and a.published
            join course_shells cs on cs.tenant_id = a.tenant_id and cs.id = a.shell_id
            left join submissions s on s.tenant_id = e.tenant_id and s.assignment_id = e.assignment_id and s.student_id = e.student_id
            where e.student_id = {me} and a.shell_id = any({shells})
            order by e.due_at nulls last, a.title, a.id
            """).ToListAsync(ct);
        return rows.Select(r => new ToDoItem(r.AssignmentId, r.ShellId, r.CourseTitle, r.Title, r.PointsPossible, r.DueAt, r.LockAt, r.AttemptCount,
            r.SubmittedAt, r.Excused,
            // An unposted grade is not the student's to know yet: graded reads as handed in (as SubmissionReading.MineAsync does).
            r.Workflow == "graded" && !r.Posted ? (r.AttemptCount > 0 ? "submitted" : "unsubmitted") : r.Workflow,
            LateStatus.Of(r.StatusOverride, r.Excused, r.SubmittedAt, r.DueAt, now).Status, r.IsQuiz)).ToList();
    }

    /// <summary>Whether the assignment is a quiz (taken on the quiz pages, not handed in).</summary>
    public Task<bool> IsQuizAsync(Guid assignmentId, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"select exists (select 1 from quizzes where assignment_id = {assignmentId}) as \"Value\"").SingleAsync(ct);

    /// <summary>
    /// The student's grade report (the student themself, or a guardian of theirs; <see cref="StudentGrades.GetAsync"/>
    /// refuses anyone else with 404). Only the student's view is read: unposted work never reaches the page.
    /// </summary>
    public async Task<StudentGradeReport> ReportAsync(ShellViewer viewer, Guid shellId, Guid studentId, CancellationToken ct)
    {
        var grade = await grades.GetAsync(viewer, shellId, studentId, ct);
        var json = GradeDescriptionJson.WriteOptions;
        var groups = grade.Groups.Deserialize<List<GroupResult>>(json) ?? [];
        var explanation = grade.Explanation.Deserialize<GradeExplanation>(json) ?? new GradeExplanation([], []);
        var titles = (await assignments.ListAsync(viewer, shellId, ct)).ToDictionary(a => a.Id.ToString(), a => a.Title);
        var names = await db.Database.SqlQuery<Names>($"""
            select (select display_name from users where id = {studentId}) as "Student", (select title from course_shells where id = {shellId}) as "Course"
            """).SingleAsync(ct);
        return new StudentGradeReport(names.Student ?? "", names.Course ?? "", grade, groups, explanation, titles);
    }

    /// <summary>
    /// Hands in an attempt at most once per rendered form: <paramref name="formToken"/> (a fresh value in every rendering
    /// of the form) is the request's Idempotency-Key, so the page gets the API's guarantee (docs/submissions.md): the
    /// attempt and the key commit together, a second POST of the same form (a double click, a resent request) finds the
    /// key and changes nothing, and one still running answers "in flight". Returns whether this call handed it in.
    /// </summary>
    public async Task<SubmitOutcome> SubmitOnceAsync(ShellViewer viewer, Guid assignmentId, string formToken, SubmitRequest request,
        IFormFile? file, CancellationToken ct)
    {
        var me = viewer.PersonId ?? throw ShellRefusal.NotFound("Assignment");
        if (formToken is not { Length: >= 1 and <= IdempotencyKeys.MaxKeyLength - 4 })
            throw ShellRefusal.Invalid("token", "The form is incomplete: reload the page and hand in again.");
        var key = "web:" + formToken;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', "POST", $"web/assignments/{assignmentId}/submissions",
            request.Kind, request.Body, request.Url, file?.FileName, file == null ? null : await FileHashAsync(file, ct)))));
        var start = await keys.StartAsync(me, key, hash, ct);
        if (start.InFlight) return SubmitOutcome.InFlight;
        if (start.Mismatch) return SubmitOutcome.FormReused;
        if (start.ReplayStatus != null) return SubmitOutcome.AlreadyHandedIn;
        await using var tx = start.Transaction!;
        await using var content = file?.OpenReadStream();
        var view = await submitting.SubmitAsync(viewer, assignmentId, request, file != null ? new FileUpload(file.FileName, content!) : null, ct);
        await keys.CompleteAsync(tx, me, key, hash, StatusCodes.Status201Created, JsonSerializer.Serialize(new { body = new { view.AttemptCount } }), ct);
        return SubmitOutcome.HandedIn;
    }

    static async Task<string> FileHashAsync(IFormFile file, CancellationToken ct)
    {
        await using var read = file.OpenReadStream();
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(read, ct));
    }

    sealed record ToDoRow(Guid AssignmentId, Guid ShellId, string CourseTitle, string Title, decimal PointsPossible, DateTimeOffset? DueAt,
        DateTimeOffset? LockAt, int AttemptCount, DateTimeOffset? SubmittedAt, bool Excused, string Workflow, string? StatusOverride, bool Posted,
        bool IsQuiz);

    sealed record Names(string? Student, string? Course);
}

public enum SubmitOutcome { HandedIn, AlreadyHandedIn, InFlight, FormReused }

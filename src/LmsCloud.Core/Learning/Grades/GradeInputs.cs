using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Learning.Grades;

/// <summary>
/// Builds the engine's <see cref="GradeDescription"/> for students of a shell from the database, set-based: one statement
/// per kind of row (groups, never-drops, assignments, effective due dates, submissions) whatever the number of students,
/// so a whole class or a whole district costs the same five round trips per shell. Published assignments only: a draft
/// counts for nobody. A student's due date is their effective one (override, section, assignment).
/// Runs as the caller: RLS keeps it to the current district. Access checks are the caller's.
/// </summary>
public sealed class GradeInputs(LmsDbContext db)
{
    /// <summary>The shell's students (actively enrolled as students in a class the shell serves), optionally narrowed.</summary>
    public Task<List<Guid>> StudentsAsync(Guid shellId, IReadOnlyCollection<Guid>? only, CancellationToken ct)
    {
        var ids = only?.ToArray();
        return db.Database.SqlQuery<Guid>($"""
            select distinct e.user_id as "Value"
            from course_shell_classes sc
            join enrollments e on e.tenant_id = sc.tenant_id and e.class_id = sc.class_id and e.role = 'student' and e.status = 'active'
            where sc.shell_id = {shellId} and ({ids}::uuid[] is null or e.user_id = any ({ids}::uuid[]))
            order by 1
            """).ToListAsync(ct);
    }

    public async Task<IReadOnlyDictionary<Guid, GradeDescription>> ForStudentsAsync(Guid shellId, IReadOnlyCollection<Guid> students,
        DateTimeOffset now, CancellationToken ct)
    {
        var ids = students.Distinct().ToArray();
        var groups = await db.Database.SqlQuery<GroupRow>($"""
            select id as "Id", name as "Name", weight as "Weight", drop_lowest as "DropLowest", drop_highest as "DropHighest"
            from assignment_groups where shell_id = {shellId} order by position
            """).ToListAsync(ct);
        var neverDrop = await db.Database.SqlQuery<NeverDropRow>($"""
            select n.group_id as "GroupId", n.assignment_id as "AssignmentId"
            from group_never_drop n join assignment_groups g on g.tenant_id = n.tenant_id and g.id = n.group_id
            where g.shell_id = {shellId}
            """).ToListAsync(ct);
        var assignments = await db.Database.SqlQuery<AssignmentRow>($"""
            select id as "Id", group_id as "GroupId", points_possible as "PointsPossible", due_at as "DueAt", omit_from_final as "OmitFromFinal",
                   (not post_manually or grades_posted_at is not null) as "Posted", grading_type as "GradingType"
            from assignments where shell_id = {shellId} and published
            order by due_at nulls last, id
            """).ToListAsync(ct);
        var dueDates = await db.Database.SqlQuery<DueRow>($"""
            select d.assignment_id as "AssignmentId", d.student_id as "StudentId", d.due_at as "DueAt"
            from effective_due_dates d join assignments a on a.tenant_id = d.tenant_id and a.id = d.assignment_id
            where a.shell_id = {shellId} and a.published and d.student_id = any ({ids})
            """).ToListAsync(ct);
        var submissions = await db.Database.SqlQuery<SubmissionRow>($"""
            select s.assignment_id as "AssignmentId", s.student_id as "StudentId", s.score as "Score", s.submitted_at as "SubmittedAt",
                   s.excused as "Excused", s.status_override as "StatusOverride"
            from submissions s where s.shell_id = {shellId} and s.student_id = any ({ids})
            """).ToListAsync(ct);

        var gradeGroups = groups.Select(g => new GradeGroup(Key(g.Id), g.Name, g.Weight, g.DropLowest, g.DropHighest,
            neverDrop.Where(n => n.GroupId == g.Id).Select(n => Key(n.AssignmentId)).ToList())).ToList();
        // Weights decide unless every group weighs 0 (a teacher who never set weights): then total points.
        var weighting = groups.Any(g => g.Weight > 0) ? Weighting.Percent : Weighting.Points;
        var due = dueDates.ToDictionary(d => (d.AssignmentId, d.StudentId), d => d.DueAt);
        var byStudent = submissions.ToLookup(s => s.StudentId);
        var result = new Dictionary<Guid, GradeDescription>(ids.Length);
        foreach (var student in ids)
        {
            var own = assignments.Select(a => new GradeAssignment(Key(a.Id), Key(a.GroupId), a.PointsPossible,
                due.TryGetValue((a.Id, student), out var d) ? d : a.DueAt, a.OmitFromFinal, a.Posted, KeepAttempt.Highest, Type(a.GradingType))).ToList();
            var subs = byStudent[student].Select(s => new GradeSubmission(Key(s.AssignmentId), s.Score, null, s.SubmittedAt, s.Excused,
                Status(s.StatusOverride))).ToList();
            result[student] = new GradeDescription(weighting, null, null, GradeDescription.DefaultScheme, now, gradeGroups, own, subs);
        }
        return result;
    }

    /// <summary>Engine ids are strings; ours are uuids in their usual text form, so explanations name assignments by id.</summary>
    public static string Key(Guid id) => id.ToString();

    static GradingType Type(string type) => type switch
    {
        "percent" => GradingType.Percent, "letter" => GradingType.Letter, "pass_fail" => GradingType.PassFail,
        "not_graded" => GradingType.NotGraded, _ => GradingType.Points,
    };

    static SubmissionStatus? Status(string? status) => status switch
    {
        "late" => SubmissionStatus.Late, "missing" => SubmissionStatus.Missing, "none" => SubmissionStatus.None, _ => null,
    };

    sealed record GroupRow(Guid Id, string Name, decimal Weight, int DropLowest, int DropHighest);
    sealed record NeverDropRow(Guid GroupId, Guid AssignmentId);
    sealed record AssignmentRow(Guid Id, Guid GroupId, decimal PointsPossible, DateTimeOffset? DueAt, bool OmitFromFinal, bool Posted, string GradingType);
    sealed record DueRow(Guid AssignmentId, Guid StudentId, DateTimeOffset? DueAt);
    sealed record SubmissionRow(Guid AssignmentId, Guid StudentId, decimal? Score, DateTimeOffset? SubmittedAt, bool Excused, string? StatusOverride);
}

using LmsCloud.Core.Learning.Grades;

namespace LmsCloud.Tests.Learning.Grades;

/// <summary>A grade description built in a line per item, for the engine's tests (no database: the engine is pure).</summary>
sealed class GradeShell
{
    public static readonly DateTimeOffset Now = new(2026, 10, 20, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Due = new(2026, 10, 1, 23, 59, 0, TimeSpan.Zero);

    readonly List<GradeGroup> _groups = [];
    readonly List<GradeAssignment> _assignments = [];
    readonly List<GradeSubmission> _submissions = [];
    public Weighting Weighting { get; init; } = Weighting.Percent;
    public LatePolicy? Late { get; init; }
    public MissingPolicy? Missing { get; init; }
    public decimal? FinalOverride { get; init; }

    public GradeShell Group(string id, decimal weight, int dropLowest = 0, int dropHighest = 0, params string[] neverDrop)
    {
        _groups.Add(new GradeGroup(id, id.ToUpperInvariant(), weight, dropLowest, dropHighest, neverDrop));
        return this;
    }

    /// <summary>An assignment, and its submission when anything about one is given (score, attempts, excused, dates, status).</summary>
    public GradeShell Item(string id, string group, decimal possible, decimal? score = null, DateTimeOffset? due = null,
        bool posted = true, bool omit = false, bool excused = false, DateTimeOffset? submittedAt = null,
        SubmissionStatus? status = null, decimal[]? attempts = null, KeepAttempt keep = KeepAttempt.Highest,
        GradingType type = GradingType.Points, long? secondsLate = null)
    {
        _assignments.Add(new GradeAssignment(id, group, possible, due, omit, posted, keep, type));
        if (score != null || attempts != null || excused || submittedAt != null || status != null)
            _submissions.Add(new GradeSubmission(id, score, attempts, submittedAt ?? (score != null || attempts != null ? due : null), excused, status, secondsLate));
        return this;
    }

    public GradeDescription Description() => new(Weighting, Late, Missing, GradeDescription.DefaultScheme, Now, _groups, _assignments, _submissions, FinalOverride);

    public GradeResult Compute() => GradeEngine.Compute(Description());
}

static class GradeResultExtensions
{
    public static GroupResult Group(this GradeResult result, string id) => result.Groups.Single(g => g.Id == id);

    public static AssignmentExplanation Item(this GradeResult result, string id) => result.Explanation.Assignments.Single(a => a.Assignment == id);

    public static AssignmentExplanation TeacherItem(this GradeResult result, string id) => result.UnpostedExplanation.Assignments.Single(a => a.Assignment == id);
}

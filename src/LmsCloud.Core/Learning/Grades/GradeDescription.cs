using System.Text.Json.Serialization;

namespace LmsCloud.Core.Learning.Grades;

// The self-contained description of one student in one shell that the grade engine takes (docs/grade-engine.md).
// Pages, the API, exports, passback and `lms grades compute` all build one of these and call GradeEngine.Compute.

public enum Weighting { Percent, Points }

public enum LateInterval
{
    // Named as every JSON of ours writes them (the stored scores' generated serializer takes these names).
    [JsonStringEnumMemberName("minute")] Minute,
    [JsonStringEnumMemberName("hour")] Hour,
    [JsonStringEnumMemberName("day")] Day,
    [JsonStringEnumMemberName("week")] Week,
}

public enum KeepAttempt { Highest, Latest, Average, First }

/// <summary>How an assignment is graded; the score is always entered in points. Late deductions apply to points only.</summary>
public enum GradingType { Points, Percent, Letter, PassFail, NotGraded }

/// <summary>The teacher's override of the automatic late/missing status (<c>null</c>: automatic).</summary>
public enum SubmissionStatus { Late, Missing, None }

public sealed record LatePolicy(decimal DeductionPercent, LateInterval Interval, decimal FloorPercent);

/// <summary><c>FloorPercent</c> is the "no zero" setting: a missing item never scores below it (0 when absent).</summary>
public sealed record MissingPolicy(decimal DeductionPercent, decimal FloorPercent);

public sealed record SchemeEntry(string Letter, decimal MinPercent);

public sealed record GradeGroup(string Id, string Name, decimal Weight, int DropLowest, int DropHighest, IReadOnlyList<string> NeverDrop);

public sealed record GradeAssignment(
    string Id, string Group, decimal PointsPossible, DateTimeOffset? DueAt, bool OmitFromFinal, bool Posted,
    KeepAttempt Keep, GradingType GradingType = GradingType.Points, bool ExpectsSubmission = true);

/// <summary>Either <c>Score</c> or <c>Attempts</c> (scores in order). <c>SecondsLate</c> overrides the computed lateness.</summary>
public sealed record GradeSubmission(
    string Assignment, decimal? Score, IReadOnlyList<decimal>? Attempts, DateTimeOffset? SubmittedAt, bool Excused,
    SubmissionStatus? Status, long? SecondsLate = null);

public sealed record GradeDescription(
    Weighting Weighting, LatePolicy? LatePolicy, MissingPolicy? MissingPolicy, IReadOnlyList<SchemeEntry> Scheme,
    DateTimeOffset Now, IReadOnlyList<GradeGroup> Groups, IReadOnlyList<GradeAssignment> Assignments,
    IReadOnlyList<GradeSubmission> Submissions, decimal? FinalOverride = null)
{
    /// <summary>The usual ladder (Canvas's default scheme): A 94 … D- 61, F 0.</summary>
    public static readonly IReadOnlyList<SchemeEntry> DefaultScheme =
    [
        new("A", 94), new("A-", 90), new("B+", 87), new("B", 84), new("B-", 80), new("C+", 77), new("C", 74),
        new("C-", 70), new("D+", 67), new("D", 64), new("D-", 61), new("F", 0),
    ];
}

/// <summary>A description the engine cannot grade (unknown group, duplicate ids, negative points...): one line says why.</summary>
public sealed class InvalidGradeDescriptionException(string message) : Exception(message);

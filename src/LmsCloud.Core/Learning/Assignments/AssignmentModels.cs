namespace LmsCloud.Core.Learning.Assignments;

/// <summary>How an assignment is graded (LEARNING-CORE.md §3); the grade engine reads it, the gradebook shows it.</summary>
public static class GradingType
{
    public const string Points = "points";
    public const string Percent = "percent";
    public const string Letter = "letter";
    public const string PassFail = "pass_fail";
    public const string NotGraded = "not_graded";
    public static readonly string[] All = [Points, Percent, Letter, PassFail, NotGraded];
}

/// <summary>Where a student's effective dates came from (effective_due_dates.source).</summary>
public static class DueSource
{
    public const string Student = "student";
    public const string Section = "section";
    public const string Assignment = "assignment";
}

public sealed record AssignmentGroupInput(string? Name, decimal? Weight, int? DropLowest, int? DropHighest, IReadOnlyList<Guid>? NeverDrop);

public sealed record AssignmentGroupView(Guid Id, Guid ShellId, string Name, decimal Weight, int DropLowest, int DropHighest, int Position,
    int AssignmentCount, IReadOnlyList<Guid> NeverDrop);

/// <summary>
/// A new assignment or a change to one: null leaves a field as it is; the Clear flags set a date or the attempt limit
/// back to none (null in JSON cannot say "clear"). <see cref="Instructions"/> writes a new version of the instructions
/// and pins it.
/// </summary>
public sealed record AssignmentInput(
    Guid? GroupId = null, string? Title = null, string? Description = null, decimal? PointsPossible = null, string? GradingType = null,
    DateTimeOffset? DueAt = null, DateTimeOffset? UnlockAt = null, DateTimeOffset? LockAt = null, int? AllowedAttempts = null,
    bool? OmitFromFinal = null, bool? PostManually = null, bool? Passback = null, string? Instructions = null, Guid? ModuleItemId = null,
    bool ClearDueAt = false, bool ClearUnlockAt = false, bool ClearLockAt = false, bool ClearAllowedAttempts = false, bool ClearModuleItem = false);

/// <summary>
/// An assignment as its reader sees it. For a student the dates are their own effective ones and <see cref="DueSource"/>
/// says where they came from; for a teacher they are the assignment's own (overrides are listed separately).
/// <see cref="Instructions"/> (the pinned version's body) is filled when one assignment is read.
/// </summary>
public sealed record AssignmentView(Guid Id, Guid ShellId, Guid GroupId, string Title, string Description, decimal PointsPossible,
    string GradingType, DateTimeOffset? DueAt, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, int? AllowedAttempts, bool OmitFromFinal,
    bool PostManually, bool Passback, Guid ContentItemId, int? ContentVersionNo, Guid? ModuleItemId, bool Published, string? DueSource,
    DateTimeOffset UpdatedAt, string? Instructions = null);

public sealed record OverrideInput(DateTimeOffset? DueAt, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, string? Reason);

public sealed record OverrideView(Guid Id, Guid AssignmentId, Guid? ClassId, Guid? StudentId, DateTimeOffset? DueAt, DateTimeOffset? UnlockAt,
    DateTimeOffset? LockAt, string? Reason, DateTimeOffset UpdatedAt);

public sealed record EffectiveDueDate(Guid StudentId, string? StudentName, DateTimeOffset? DueAt, DateTimeOffset? UnlockAt, DateTimeOffset? LockAt,
    string Source);

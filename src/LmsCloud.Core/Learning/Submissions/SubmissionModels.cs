namespace LmsCloud.Core.Learning.Submissions;

/// <summary>What an attempt holds (submission_attempts.kind); quizzes come from the quiz engine, not from this endpoint.</summary>
public static class AttemptKind
{
    public const string Text = "text";
    public const string Link = "link";
    public const string File = "file";
    public static readonly string[] Submittable = [Text, Link, File];
}

/// <summary>The late/missing status a view shows, and whether the teacher set it or it follows from the dates.</summary>
public static class LateStatus
{
    public const string Late = "late";
    public const string Missing = "missing";
    public const string None = "none";
    public const string Automatic = "automatic"; // in a grade request: drop the teacher's status, follow the dates again
    public static readonly string[] Settable = [Late, Missing, None, Automatic];

    public const string FromTeacher = "teacher";
    public const string FromDates = "automatic";

    /// <summary>
    /// The status of a submission: the teacher's when set; else none when excused; late when the latest attempt came
    /// after the effective due date; missing when nothing was handed in and the due date has passed; none otherwise.
    /// </summary>
    public static (string Status, string Source) Of(string? teacherStatus, bool excused, DateTimeOffset? submittedAt, DateTimeOffset? dueAt,
        DateTimeOffset now)
    {
        if (teacherStatus != null) return (teacherStatus, FromTeacher);
        if (excused || dueAt == null) return (None, FromDates);
        if (submittedAt is { } at) return (at > dueAt ? Late : None, FromDates);
        return (dueAt < now ? Missing : None, FromDates);
    }
}

/// <summary>A text or link submission (JSON); a file comes as multipart with <c>kind=file</c> and the file.</summary>
public sealed record SubmitRequest(string? Kind, string? Body, string? Url);

public sealed record AttemptView(int AttemptNo, string Kind, string? Body, string? Url, string? FileName, string? ContentType, long? SizeBytes,
    int? ContentVersionNo, decimal? Score, DateTimeOffset SubmittedAt);

/// <summary>
/// One student's submission of one assignment. No row yet reads as <c>unsubmitted</c> with <see cref="RowVersion"/> 0.
/// For a student, <see cref="Score"/>, <see cref="EnteredGrade"/> and <see cref="GradedAt"/> are null while the
/// assignment's grades are not posted (<see cref="Posted"/>). <see cref="Status"/> is late | missing | none, and
/// <see cref="StatusSource"/> automatic (from the effective due date) or teacher.
/// </summary>
public sealed record SubmissionView(Guid AssignmentId, Guid StudentId, string? StudentName, string Workflow, decimal? Score, string? EnteredGrade,
    bool Excused, string Status, string StatusSource, DateTimeOffset? SubmittedAt, int AttemptCount, int? AllowedAttempts, DateTimeOffset? DueAt,
    DateTimeOffset? UnlockAt, DateTimeOffset? LockAt, DateTimeOffset? GradedAt, Guid? GraderId, bool Posted, int RowVersion,
    IReadOnlyList<AttemptView>? Attempts)
{
    /// <summary>The HTTP entity tag of this version (strong: any change of the row bumps it).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("etag")]
    public string ETag => SubmissionETag.Of(RowVersion);
}

/// <summary>
/// A grade: null leaves an aspect as it is. <see cref="Status"/> late | missing | none sets the teacher's status,
/// automatic removes it. <see cref="ClearScore"/> removes the score (null in JSON cannot say "clear").
/// </summary>
public sealed record GradeRequest(decimal? Score = null, bool? Excused = null, string? Status = null, string? Reason = null, bool ClearScore = false);

public sealed record PostingRequest(bool Posted = true, string? Reason = null);

public sealed record PostingView(Guid AssignmentId, bool PostManually, DateTimeOffset? GradesPostedAt, bool Posted);

/// <summary>Filters of the grade history; all optional.</summary>
public sealed record GradeHistoryFilter(Guid? StudentId = null, Guid? AssignmentId = null, Guid? GraderId = null, Guid? ClassId = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null);

public sealed record GradeHistoryEntry(Guid Id, DateTimeOffset ChangedAt, Guid? AssignmentId, string? AssignmentTitle, Guid? StudentId,
    string? StudentName, string Kind, string? Before, string? After, Guid? GraderId, string? GraderName, string Channel, string? Reason);

public static class SubmissionETag
{
    public static string Of(int rowVersion) => $"\"{rowVersion}\"";

    /// <summary>
    /// Whether an If-Match header value matches this version: a list of entity tags, compared on their value (a
    /// <c>W/</c> prefix is tolerated), or <c>*</c>, which only the caller interprets (see the grading rules).
    /// </summary>
    public static bool Matches(string ifMatch, int rowVersion) =>
        ifMatch.Split(',').Select(t => t.Trim()).Select(t => t.StartsWith("W/", StringComparison.Ordinal) ? t[2..] : t).Contains(Of(rowVersion));
}

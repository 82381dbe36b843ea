using System.Globalization;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;

namespace LmsCloud.Web.Pages.Courses.Assignments;

/// <summary>The assignment form as typed: text as the browser sent it, so a refused form comes back as it was.</summary>
public sealed class AssignmentFields
{
    public Guid? GroupId { get; set; }
    public string? Title { get; set; }
    public string? PointsPossible { get; set; }
    public string? GradingType { get; set; }
    public string? DueAt { get; set; }
    public string? UnlockAt { get; set; }
    public string? LockAt { get; set; }
    public string? AllowedAttempts { get; set; }
    public bool OmitFromFinal { get; set; }
    public bool PostManually { get; set; }
    public bool Passback { get; set; }
    public string? Instructions { get; set; }

    public static AssignmentFields From(AssignmentView a, DistrictClock clock) => new()
    {
        GroupId = a.GroupId, Title = a.Title, PointsPossible = a.PointsPossible.ToString("0.##", CultureInfo.InvariantCulture), GradingType = a.GradingType,
        DueAt = clock.Input(a.DueAt), UnlockAt = clock.Input(a.UnlockAt), LockAt = clock.Input(a.LockAt),
        AllowedAttempts = a.AllowedAttempts?.ToString(CultureInfo.InvariantCulture), OmitFromFinal = a.OmitFromFinal, PostManually = a.PostManually,
        Passback = a.Passback, Instructions = a.Instructions,
    };

    /// <summary>
    /// What <see cref="AssignmentEditing"/> gets: every field given, an empty date or attempt limit cleared. Text that is
    /// not a number or a date is refused here with the service's field names, so it shows next to its field the same way.
    /// The instructions are sent only when they changed (each send is a new version).
    /// </summary>
    public AssignmentInput ToInput(DistrictClock clock, string? storedInstructions)
    {
        var points = decimal.TryParse(PointsPossible, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) ? p
            : throw ShellRefusal.Invalid("pointsPossible", "Points possible is a number, such as 10 or 2.5.");
        int? attempts = string.IsNullOrWhiteSpace(AllowedAttempts) ? null
            : int.TryParse(AllowedAttempts, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw ShellRefusal.Invalid("allowedAttempts", "Allowed attempts is a whole number (leave it empty for unlimited).");
        var (due, unlock, @lock) = (clock.Parse(DueAt, "dueAt"), clock.Parse(UnlockAt, "unlockAt"), clock.Parse(LockAt, "lockAt"));
        var instructions = (Instructions ?? "").Replace("\r\n", "\n");
        return new AssignmentInput(GroupId, Title ?? "", null, points, GradingType, due, unlock, @lock, attempts, OmitFromFinal, PostManually, Passback,
            instructions == (storedInstructions ?? "") ? null : instructions,
            ClearDueAt: due == null, ClearUnlockAt: unlock == null, ClearLockAt: @lock == null, ClearAllowedAttempts: attempts == null);
    }
}

/// <summary>
/// Dates as the district reads and types them: a <c>datetime-local</c> field holds the district's wall-clock time, never
/// the server's UTC. A time the clock skips (spring forward) is taken as the same time an hour later.
/// </summary>
public sealed class DistrictClock(TimeZoneInfo zone)
{
    public string ZoneName => zone.Id;

    public static async Task<DistrictClock> CurrentAsync(DistrictBranding branding) =>
        new(TimeZoneInfo.TryFindSystemTimeZoneById((await branding.CurrentAsync()).TimeZone, out var found) ? found : TimeZoneInfo.Utc);

    public string Input(DateTimeOffset? at) =>
        at is { } instant ? TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : "";

    public DateTimeOffset? Parse(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!DateTime.TryParseExact(text.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var local))
            throw ShellRefusal.Invalid(field, "Enter a date and time, such as 2026-12-10 23:59.");
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}

/// <summary>Words for assignment settings.</summary>
public static class AssignmentText
{
    public static readonly IReadOnlyList<(string Value, string Label)> GradingTypes =
    [
        (GradingType.Points, "Points"), (GradingType.Percent, "Percent"), (GradingType.Letter, "Letter grade"),
        (GradingType.PassFail, "Pass / fail"), (GradingType.NotGraded, "Not graded"),
    ];

    public static string Grading(string type) => GradingTypes.FirstOrDefault(g => g.Value == type).Label ?? type;

    public static string Points(decimal points) => points.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>What the shared assignment form (<c>_AssignmentForm.cshtml</c>) shows.</summary>
public sealed record AssignmentFormView(AssignmentFields Fields, IReadOnlyList<AssignmentGroupView> Groups, IReadOnlyDictionary<string, string> Errors,
    string ZoneName, string Action, string Submit, bool ReadOnly)
{
    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;
}

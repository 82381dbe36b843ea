using System.Globalization;
using LmsCloud.Core.Learning.Grades;

namespace LmsCloud.Web.Pages.Courses.Work;

/// <summary>Words for the student's work and grade pages: statuses, the engine's outcomes, numbers as the engine rounded them.</summary>
public static class WorkText
{
    /// <summary>A to-do line's state in words (never by colour alone).</summary>
    public static string State(ToDoItem item, DateTimeOffset now) => item switch
    {
        { Excused: true } => "Excused",
        { Workflow: "graded" } => item.Status == "late" ? "Graded · handed in late" : "Graded",
        { SubmittedAt: not null } => item.Status == "late" ? "Handed in late" : "Handed in",
        _ when item.Status == "missing" => "Missing: past due, not handed in",
        _ when item.LockAt is { } l && l <= now => "Closed: not handed in",
        _ => "Not handed in yet",
    };

    public static string Outcome(string outcome) => outcome switch
    {
        "counted" => "Counted",
        "dropped" => "Dropped",
        "excused" => "Excused",
        "ungraded" => "Not graded yet",
        "unposted" => "Not posted yet",
        "omitted" => "Does not count",
        "notGraded" => "Not graded (practice)",
        _ => outcome,
    };

    public static string Percent(decimal? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "—";

    public static string Points(decimal? value) => value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "—";

    public static string Late(LateDeduction late) =>
        $"Late by {late.Intervals} {late.Interval.ToString().ToLowerInvariant()}{(late.Intervals == 1 ? "" : "s")}: −{Points(late.Points)} points (−{Points(late.Percent)} %)";

    public static string Missing(MissingDeduction missing) => $"Missing: −{Points(missing.Points)} points (−{Points(missing.Percent)} %)";
}

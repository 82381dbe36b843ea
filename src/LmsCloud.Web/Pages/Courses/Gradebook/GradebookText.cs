using System.Globalization;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Submissions;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>
/// How a gradebook cell is written and read back: the entered points (invariant culture, up to 2 decimals), "EX" for
/// excused, empty for no score. The same text is the grid's input value, the CSV export's field and the import's.
/// </summary>
public static class GradebookText
{
    public const string Excused = "EX";

    public static string Value(GradebookCell cell) => cell.Excused ? Excused : Points(cell.Entered);

    public static string Points(decimal? points) => points is { } p ? p.ToString("0.##", CultureInfo.InvariantCulture) : "";

    public static string Percent(decimal? percent) => percent is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + " %" : "—";

    /// <summary>
    /// The grade request a typed value asks for, or the message for text that is no grade. Empty removes the score and
    /// the excusal; a number sets the score (and ends an excusal); EX excuses (keeping the score underneath).
    /// </summary>
    public static (GradeRequest? Request, string? Error) Parse(string? text, string? reason)
    {
        var value = (text ?? "").Trim();
        if (value.Length == 0) return (new GradeRequest(ClearScore: true, Excused: false, Reason: reason), null);
        if (string.Equals(value, Excused, StringComparison.OrdinalIgnoreCase)) return (new GradeRequest(Excused: true, Reason: reason), null);
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var score))
            return (new GradeRequest(Score: score, Excused: false, Reason: reason), null);
        return (null, "Enter points (such as 8 or 8.5), EX for excused, or nothing to clear the score.");
    }

    /// <summary>The marks a cell shows in words (never colour alone): late, missing, excused, dropped, not counted yet, unposted.</summary>
    public static IReadOnlyList<string> Marks(GradebookCell cell)
    {
        var marks = new List<string>();
        if (cell.Excused) marks.Add("excused");
        if (cell.Status == LateStatus.Late) marks.Add("late");
        if (cell.Status == LateStatus.Missing) marks.Add("missing");
        if (cell.Dropped) marks.Add("dropped");
        if (cell.Workflow == "submitted") marks.Add("needs grading");
        if (cell.Score is { } counted && cell.Entered is { } entered && counted != entered && !cell.Excused)
            marks.Add("counts " + Points(counted)); // after the late or missing deduction, as the engine stored it
        return marks;
    }
}

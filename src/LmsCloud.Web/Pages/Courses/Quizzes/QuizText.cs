using System.Globalization;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>Words and small parsing shared by the quiz pages (builder, attempts, taking, result).</summary>
public static class QuizText
{
    public static readonly QuestionKind[] Kinds =
        [QuestionKind.SingleChoice, QuestionKind.MultipleChoice, QuestionKind.TrueFalse, QuestionKind.Numeric, QuestionKind.ShortAnswer, QuestionKind.Essay];

    public static readonly string[] KeepRules = ["highest", "latest", "average", "first"];

    public static string Kind(QuestionKind kind) => kind switch
    {
        QuestionKind.SingleChoice => "Single choice",
        QuestionKind.MultipleChoice => "Multiple choice",
        QuestionKind.TrueFalse => "True or false",
        QuestionKind.Numeric => "Numeric",
        QuestionKind.ShortAnswer => "Short answer",
        QuestionKind.Essay => "Essay",
        _ => kind.ToString(),
    };

    public static string Keep(string keep) => keep switch
    {
        "highest" => "your highest attempt counts",
        "latest" => "your latest attempt counts",
        "average" => "the average of your attempts counts",
        "first" => "your first attempt counts",
        _ => keep,
    };

    public static string KeepLabel(string keep) => keep switch
    {
        "highest" => "Highest attempt",
        "latest" => "Latest attempt",
        "average" => "Average of attempts",
        "first" => "First attempt",
        _ => keep,
    };

    public static string State(string state, bool overdue) => state switch
    {
        "in_progress" => "In progress",
        "submitted" => overdue ? "Submitted at the time limit, waiting for the teacher" : "Submitted, waiting for the teacher",
        "graded" => overdue ? "Scored (submitted at the time limit)" : "Scored",
        _ => state,
    };

    public static string Points(decimal value) => QuizScoring.Describe(value);

    /// <summary>"2 of 5 points", "0 of 1 point".</summary>
    public static string PointsOf(decimal got, decimal possible) => $"{Points(got)} of {Points(possible)} {(possible == 1 ? "point" : "points")}";

    public static string Minutes(long seconds) => $"{seconds / 60}:{seconds % 60:00}";

    /// <summary>A number as a person types it: invariant, with a comma taken as the decimal point when there is no dot.</summary>
    public static bool TryNumber(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        if (!t.Contains('.') && t.Count(c => c == ',') == 1) t = t.Replace(',', '.');
        return decimal.TryParse(t, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The student's answer in words (their own answer only: never the key).</summary>
    public static string Answer(StudentQuestion q, QuizAnswer? a)
    {
        if (a == null) return "No answer";
        return q.Kind switch
        {
            QuestionKind.SingleChoice or QuestionKind.MultipleChoice => a.ChoiceIds is { Count: > 0 } ids
                ? string.Join("; ", q.Choices.Where(c => ids.Contains(c.Id)).Select(c => c.Text)) : "No answer",
            QuestionKind.TrueFalse => a.Boolean switch { true => "True", false => "False", _ => "No answer" },
            QuestionKind.Numeric => a.Number is { } n ? n.ToString(CultureInfo.InvariantCulture) : "No answer",
            _ => string.IsNullOrWhiteSpace(a.Text) ? "No answer" : a.Text,
        };
    }

    /// <summary>The key in words, for the course's teachers only.</summary>
    public static string Key(QuizQuestion q) => q.Kind switch
    {
        QuestionKind.SingleChoice or QuestionKind.MultipleChoice => string.Join("; ", q.Choices.Where(c => c.Correct).Select(c => c.Text)),
        QuestionKind.TrueFalse => q.CorrectBoolean == true ? "True" : "False",
        QuestionKind.Numeric => $"{q.NumericAnswer?.ToString(CultureInfo.InvariantCulture)} ± {q.Tolerance.ToString(CultureInfo.InvariantCulture)}",
        QuestionKind.ShortAnswer => string.Join("; ", q.AcceptedAnswers ?? []) + (q.CaseSensitive ? " (capitals must match)" : ""),
        _ => "Scored by hand",
    };

    /// <summary>The shell and one of its assignments as the viewer may see them; null when either is not theirs to see (404).</summary>
    public static async Task<(ShellDetail Detail, AssignmentView Assignment)?> LoadAsync(ShellReading reading, AssignmentReading assignments,
        ShellViewer viewer, Guid shellId, Guid assignmentId, CancellationToken ct)
    {
        if (await reading.GetAsync(viewer, shellId, ct) is not { } detail) return null;
        if (await assignments.GetAsync(viewer, assignmentId, ct) is not { } assignment || assignment.ShellId != shellId) return null;
        return (detail, assignment);
    }
}

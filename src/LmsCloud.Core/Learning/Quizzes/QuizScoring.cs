using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace LmsCloud.Core.Learning.Quizzes;

// The questions of a quiz and how one answer to one question is scored: pure code, no database (docs/quizzes.md).

/// <summary>Written in JSON as camelCase names (singleChoice, trueFalse …), in the API and in stored quizzes alike.</summary>
[JsonConverter(typeof(QuestionKindJson))]
public enum QuestionKind { SingleChoice, MultipleChoice, TrueFalse, Numeric, ShortAnswer, Essay }

public sealed class QuestionKindJson() : JsonStringEnumConverter<QuestionKind>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

public sealed record QuizChoice(Guid Id, string Text, bool Correct);

/// <summary>
/// One question. Choices for single/multiple choice; <c>CorrectBoolean</c> for true/false; <c>NumericAnswer</c> ±
/// <c>Tolerance</c> for numeric; <c>AcceptedAnswers</c> for short answer; an essay has no key (graded by hand).
/// </summary>
public sealed record QuizQuestion(
    Guid Id, QuestionKind Kind, string Prompt, decimal Points, IReadOnlyList<QuizChoice> Choices,
    bool? CorrectBoolean = null, decimal? NumericAnswer = null, decimal Tolerance = 0,
    IReadOnlyList<string>? AcceptedAnswers = null, bool CaseSensitive = false);

/// <summary>A student's answer: the field that fits the question's kind; all null means unanswered.</summary>
public sealed record QuizAnswer(Guid QuestionId, IReadOnlyList<Guid>? ChoiceIds = null, bool? Boolean = null, decimal? Number = null, string? Text = null);

/// <summary><c>Points</c> null: waits for a teacher (an essay); <c>Correct</c> is null then too.</summary>
public sealed record QuestionScore(Guid QuestionId, decimal? Points, decimal PointsPossible, bool? Correct, bool Manual);

public static class QuizScoring
{
    /// <summary>
    /// Scores one answer. Multiple choice gives partial credit as Canvas does: each correct choice picked earns
    /// points ÷ (number of correct choices), each wrong one picked takes the same away, never below 0. Scores are rounded
    /// half-up to 2 places here, because an attempt's score is stored and shown as entered.
    /// </summary>
    public static QuestionScore Score(QuizQuestion q, QuizAnswer? a)
    {
        if (q.Kind == QuestionKind.Essay)
            return new(q.Id, null, q.Points, null, Manual: true);
        var fraction = q.Kind switch
        {
            QuestionKind.SingleChoice => a?.ChoiceIds is [var only] && q.Choices.Any(c => c.Id == only && c.Correct) ? 1m : 0m,
            QuestionKind.MultipleChoice => MultipleFraction(q, a?.ChoiceIds),
            QuestionKind.TrueFalse => a?.Boolean is { } b && b == q.CorrectBoolean ? 1m : 0m,
            QuestionKind.Numeric => a?.Number is { } n && q.NumericAnswer is { } x && Math.Abs(n - x) <= q.Tolerance ? 1m : 0m,
            QuestionKind.ShortAnswer => a?.Text is { } t && Accepted(q, t) ? 1m : 0m,
            _ => throw new ArgumentOutOfRangeException(nameof(q)),
        };
        var points = Math.Round(q.Points * fraction, 2, MidpointRounding.AwayFromZero);
        return new(q.Id, points, q.Points, fraction == 1m, Manual: false);
    }

    static decimal MultipleFraction(QuizQuestion q, IReadOnlyList<Guid>? picked)
    {
        var correct = q.Choices.Where(c => c.Correct).Select(c => c.Id).ToHashSet();
        if (picked is not { Count: > 0 } || correct.Count == 0) return 0m;
        var set = picked.ToHashSet();
        var right = set.Count(correct.Contains);
        var wrong = set.Count(id => !correct.Contains(id));
        return Math.Max(0m, (decimal)(right - wrong) / correct.Count);
    }

    /// <summary>Trimmed, inner whitespace collapsed, case-insensitive unless the question says otherwise.</summary>
    static bool Accepted(QuizQuestion q, string text)
    {
        var given = Normalise(text);
        var comparison = q.CaseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return given.Length > 0 && (q.AcceptedAnswers ?? []).Any(x => string.Equals(Normalise(x), given, comparison));
    }

    static string Normalise(string s) => Regex.Replace(s.Trim(), @"\s+", " ");

    /// <summary>Why a question cannot be saved (field, message), or null. Checked on every quiz save.</summary>
    public static (string Field, string Message)? Problem(QuizQuestion q)
    {
        if (string.IsNullOrWhiteSpace(q.Prompt) || q.Prompt.Length > 10_000) return ("prompt", "Every question needs a prompt of at most 10,000 characters.");
        if (q.Points < 0 || q.Points > 10_000) return ("points", "A question is worth 0 to 10,000 points.");
        var correct = q.Choices.Count(c => c.Correct);
        return q.Kind switch
        {
            QuestionKind.SingleChoice or QuestionKind.MultipleChoice when q.Choices.Count < 2 =>
                ("choices", "A choice question needs at least two choices."),
            QuestionKind.SingleChoice or QuestionKind.MultipleChoice when q.Choices.Any(c => string.IsNullOrWhiteSpace(c.Text)) =>
                ("choices", "Every choice needs text."),
            QuestionKind.SingleChoice or QuestionKind.MultipleChoice when q.Choices.Select(c => c.Id).Distinct().Count() != q.Choices.Count =>
                ("choices", "Choice ids must be unique."),
            QuestionKind.SingleChoice when correct != 1 => ("choices", "A single-choice question has exactly one correct choice."),
            QuestionKind.MultipleChoice when correct < 1 => ("choices", "A multiple-choice question has at least one correct choice."),
            QuestionKind.TrueFalse when q.CorrectBoolean == null => ("correctBoolean", "Say whether the statement is true or false."),
            QuestionKind.Numeric when q.NumericAnswer == null => ("numericAnswer", "A numeric question needs its answer."),
            QuestionKind.Numeric when q.Tolerance < 0 => ("tolerance", "The tolerance cannot be negative."),
            QuestionKind.ShortAnswer when q.AcceptedAnswers is not { Count: > 0 } || q.AcceptedAnswers.Any(string.IsNullOrWhiteSpace) =>
                ("acceptedAnswers", "A short-answer question needs at least one accepted answer, none blank."),
            _ => null,
        };
    }

    public static string Describe(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

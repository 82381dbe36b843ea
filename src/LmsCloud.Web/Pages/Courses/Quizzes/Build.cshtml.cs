using System.Globalization;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// The quiz builder for the course's teachers: settings and questions of every kind in one form that round-trips the
/// whole quiz (add, remove, move and add-a-choice buttons post the form back unsaved, so it works without script), and
/// "Save the quiz" through <see cref="QuizService.SaveAsync"/>, whose field errors (<c>questions[2].choices</c>) are
/// shown next to the question they name. 404 when the course or assignment is not the viewer's to see, 403 for a
/// reader who cannot edit.
/// </summary>
public sealed class BuildModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public Dictionary<string, string> Errors { get; } = [];
    public string? Refusal { get; private set; }
    public string? Message { get; private set; }
    /// <summary>The form holds changes that are not saved yet (after an add, remove or move).</summary>
    public bool Unsaved { get; private set; }
    public QuizView? Saved { get; private set; }

    [BindProperty] public string? TimeLimitMinutes { get; set; }
    [BindProperty] public string Keep { get; set; } = "highest";
    [BindProperty] public bool ShuffleQuestions { get; set; }
    [BindProperty] public bool ShuffleAnswers { get; set; }
    [BindProperty] public List<QuestionForm> Questions { get; set; } = [];

    public sealed class QuestionForm
    {
        public Guid Id { get; set; }
        public QuestionKind Kind { get; set; }
        public string? Prompt { get; set; }
        public string? Points { get; set; }
        public List<ChoiceForm> Choices { get; set; } = [];
        /// <summary>Single choice: the index of the correct choice (one radio group).</summary>
        public int? CorrectChoice { get; set; }
        public string? CorrectBoolean { get; set; }
        public string? NumericAnswer { get; set; }
        public string? Tolerance { get; set; }
        /// <summary>Short answer: one accepted answer per line.</summary>
        public string? AcceptedAnswers { get; set; }
        public bool CaseSensitive { get; set; }
    }

    public sealed class ChoiceForm
    {
        public Guid Id { get; set; }
        public string? Text { get; set; }
        public bool Correct { get; set; }
    }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    public string PagePath => $"/courses/{Detail.Shell.Id}/quizzes/{Assignment.Id}/build";
    public bool Archived => Detail.Shell.Status == ShellStatus.Archived;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, string? done)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        if (Saved != null) FillFrom(Saved);
        Message = done == "saved" && Saved != null
            ? $"The quiz is saved: {Saved.Questions.Count} {(Saved.Questions.Count == 1 ? "question" : "questions")}, {QuizText.Points(Saved.PointsPossible)} points."
            : null;
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(Guid id, Guid assignmentId)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        var input = ToInput();
        if (Errors.Count > 0) return Again(StatusCodes.Status400BadRequest, "The quiz is not saved: fix what is marked below.");
        try
        {
            await quizzes.SaveAsync(Viewer, assignmentId, input, Ct);
            return Redirect($"{PagePath}?done=saved");
        }
        catch (ShellRefusal refusal)
        {
            if (refusal.Status == StatusCodes.Status404NotFound) return NotFound();
            if (refusal.Status == StatusCodes.Status403Forbidden) return Forbid();
            if (refusal.Errors != null)
            {
                foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                return Again(refusal.Status, "The quiz is not saved: fix what is marked below.");
            }
            return Again(refusal.Status, CourseText.Message(refusal));
        }
    }

    public async Task<IActionResult> OnPostAddAsync(Guid id, Guid assignmentId, QuestionKind kind)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        var q = new QuestionForm { Id = Guid.NewGuid(), Kind = kind, Points = "1" };
        if (kind is QuestionKind.SingleChoice or QuestionKind.MultipleChoice)
            q.Choices = [new ChoiceForm { Id = Guid.NewGuid() }, new ChoiceForm { Id = Guid.NewGuid() }];
        if (kind == QuestionKind.Numeric) q.Tolerance = "0";
        Questions.Add(q);
        return Unsaved200();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, Guid assignmentId, int index)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        if (index >= 0 && index < Questions.Count) Questions.RemoveAt(index);
        return Unsaved200();
    }

    public async Task<IActionResult> OnPostMoveAsync(Guid id, Guid assignmentId, int index, string? direction)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        var to = direction == "up" ? index - 1 : index + 1;
        if (index >= 0 && index < Questions.Count && to >= 0 && to < Questions.Count)
            (Questions[index], Questions[to]) = (Questions[to], Questions[index]);
        return Unsaved200();
    }

    public async Task<IActionResult> OnPostAddChoiceAsync(Guid id, Guid assignmentId, int index)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        if (index >= 0 && index < Questions.Count) Questions[index].Choices.Add(new ChoiceForm { Id = Guid.NewGuid() });
        return Unsaved200();
    }

    public async Task<IActionResult> OnPostRemoveChoiceAsync(Guid id, Guid assignmentId, int index, int choice)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        if (index >= 0 && index < Questions.Count && choice >= 0 && choice < Questions[index].Choices.Count)
        {
            var q = Questions[index];
            q.Choices.RemoveAt(choice);
            if (q.CorrectChoice == choice) q.CorrectChoice = null;
            else if (q.CorrectChoice > choice) q.CorrectChoice--;
        }
        return Unsaved200();
    }

    /// <summary>The message for one field of question <paramref name="index"/>, as the service names it.</summary>
    public string? Error(int index, string field) => Error($"questions[{index}].{field}");

    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;

    IActionResult Unsaved200()
    {
        ModelState.Clear(); // the page shows the lists as changed here, not as posted
        Unsaved = true;
        return Page();
    }

    IActionResult Again(int status, string refusal)
    {
        ModelState.Clear();
        Refusal = refusal;
        Response.StatusCode = status;
        return Page();
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId)
    {
        if (await QuizText.LoadAsync(reading, assignments, Viewer, id, assignmentId, Ct) is not var (detail, assignment)) return NotFound();
        if (!detail.CanEdit) return Forbid();
        (Detail, Assignment) = (detail, assignment);
        try
        {
            Saved = await quizzes.GetAsync(Viewer, assignmentId, Ct);
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
        {
            Saved = null; // no quiz yet: the builder starts empty
        }
        return null;
    }

    void FillFrom(QuizView quiz)
    {
        TimeLimitMinutes = quiz.TimeLimitMinutes?.ToString(CultureInfo.InvariantCulture);
        Keep = quiz.Keep;
        ShuffleQuestions = quiz.ShuffleQuestions;
        ShuffleAnswers = quiz.ShuffleAnswers;
        Questions = quiz.Questions.Select(q => new QuestionForm
        {
            Id = q.Id, Kind = q.Kind, Prompt = q.Prompt, Points = QuizText.Points(q.Points),
            Choices = q.Choices.Select(c => new ChoiceForm { Id = c.Id, Text = c.Text, Correct = c.Correct }).ToList(),
            CorrectChoice = q.Kind == QuestionKind.SingleChoice && q.Choices.ToList().FindIndex(c => c.Correct) is var at and >= 0 ? at : null,
            CorrectBoolean = q.CorrectBoolean switch { true => "true", false => "false", _ => null },
            NumericAnswer = q.NumericAnswer?.ToString(CultureInfo.InvariantCulture),
            Tolerance = q.Tolerance.ToString(CultureInfo.InvariantCulture),
            AcceptedAnswers = q.AcceptedAnswers is { } accepted ? string.Join('\n', accepted) : null,
            CaseSensitive = q.CaseSensitive,
        }).ToList();
    }

    /// <summary>The form as the service's input; what does not parse as a number is marked here, before the service is asked.</summary>
    QuizInput ToInput()
    {
        int? limit = null;
        if (!string.IsNullOrWhiteSpace(TimeLimitMinutes))
        {
            if (int.TryParse(TimeLimitMinutes.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)) limit = minutes;
            else Errors["timeLimitMinutes"] = "A time limit is a whole number of minutes (or empty for none).";
        }
        var questions = new List<QuizQuestion>();
        for (var i = 0; i < Questions.Count; i++)
        {
            var q = Questions[i];
            decimal? Number(string? text, string field, string message, bool required)
            {
                if (string.IsNullOrWhiteSpace(text) && !required) return null;
                if (QuizText.TryNumber(text, out var value)) return value;
                Errors[$"questions[{i}].{field}"] = $"Question {i + 1}: {message}";
                return null;
            }
            var points = Number(q.Points, "points", "points are a number, like 2 or 1.5.", required: true) ?? 0;
            var numeric = q.Kind == QuestionKind.Numeric ? Number(q.NumericAnswer, "numericAnswer", "the answer is a number, like 3.14.", required: false) : null;
            var tolerance = q.Kind == QuestionKind.Numeric ? Number(q.Tolerance, "tolerance", "the tolerance is a number, like 0.01.", required: false) ?? 0 : 0;
            questions.Add(new QuizQuestion(q.Id == Guid.Empty ? Guid.NewGuid() : q.Id, q.Kind, q.Prompt ?? "", points,
                q.Choices.Select((c, j) => new QuizChoice(c.Id == Guid.Empty ? Guid.NewGuid() : c.Id, c.Text ?? "",
                    q.Kind == QuestionKind.SingleChoice ? q.CorrectChoice == j : c.Correct)).ToList(),
                q.CorrectBoolean switch { "true" => true, "false" => false, _ => null },
                numeric, tolerance,
                (q.AcceptedAnswers ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                q.CaseSensitive));
        }
        return new QuizInput(limit, Keep, ShuffleQuestions, ShuffleAnswers, questions);
    }
}

using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// A student's attempt. Open: the questions in the attempt's order with the input each kind takes, autosaved by
/// wwwroot/js/quiz.js (<see cref="OnPostAutosaveAsync"/>, JSON) or saved with a button without script, a countdown from
/// the server's <see cref="QuizAttemptView.SecondsLeft"/>, and submit after a confirmation. Finished: the score of each
/// question (an essay waits for the teacher), never the key. The server keeps the time: a save or submit after the
/// deadline finishes the attempt with what was saved in time, and the page then says so ("Time is up"). A teacher is
/// sent to the review page; anyone else's attempt is 404.
/// </summary>
public sealed class AttemptModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public QuizAttemptView Attempt { get; private set; } = null!;
    public bool Confirm { get; private set; }
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    /// <summary>Per question id: what could not be taken (a number that is not one), and the text as typed.</summary>
    public Dictionary<Guid, (string Message, string Typed)> Errors { get; } = [];

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    public string PagePath => $"/courses/{Detail.Shell.Id}/quizzes/{Assignment.Id}/attempts/{Attempt.Id}";
    public bool Open => Attempt.State == "in_progress";

    public QuizAnswer? AnswerTo(Guid questionId) => Attempt.Answers.FirstOrDefault(a => a.QuestionId == questionId);
    public QuestionScore? ScoreOf(Guid questionId) => Attempt.Scores?.FirstOrDefault(s => s.QuestionId == questionId);
    public int Answered => Attempt.Questions.Count(q => QuizText.Answer(q, AnswerTo(q.Id)) != "No answer");

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, Guid attemptId, bool confirm = false, string? done = null)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused;
        Confirm = confirm && Open;
        Message = done == "saved" && Open ? "Your answers are saved." : null;
        return Page();
    }

    /// <summary>The script's save: 200 with the seconds left (and any answer that could not be taken), or 409 with where to go when the attempt is finished.</summary>
    public async Task<IActionResult> OnPostAutosaveAsync(Guid id, Guid assignmentId, Guid attemptId)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused is RedirectResult ? NotFound() : refused;
        if (!Open) return Finished();
        try
        {
            Attempt = await quizzes.SaveAnswersAsync(Viewer, attemptId, Posted(), Ct);
            return new JsonResult(new { saved = true, secondsLeft = Attempt.SecondsLeft, problems = Errors.Values.Select(e => e.Message).ToList() });
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status409Conflict)
        {
            return Finished();
        }
        catch (ShellRefusal refusal)
        {
            return new JsonResult(new { saved = false, problems = new[] { CourseText.Message(refusal) } }) { StatusCode = refusal.Status };
        }
    }

    /// <summary>Save without script; also what "Submit…" does before it asks for confirmation.</summary>
    public Task<IActionResult> OnPostSaveAsync(Guid id, Guid assignmentId, Guid attemptId) => SaveAsync(id, assignmentId, attemptId, "?done=saved");

    public Task<IActionResult> OnPostReviewAsync(Guid id, Guid assignmentId, Guid attemptId) => SaveAsync(id, assignmentId, attemptId, "?confirm=true");

    public async Task<IActionResult> OnPostSubmitAsync(Guid id, Guid assignmentId, Guid attemptId)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused;
        if (!Open) return Redirect(PagePath);
        var answers = Request.Form.Keys.Any(k => k.StartsWith("answer-")) ? Posted() : null;
        if (Errors.Count > 0)
        {
            Refusal = "Not submitted yet: some answers could not be taken, see the questions marked below.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        try
        {
            await quizzes.SubmitAsync(Viewer, attemptId, answers, Ct);
            return Redirect(PagePath);
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, assignmentId, attemptId) == null,
                () => Refusal = CourseText.Message(refusal));
        }
    }

    async Task<IActionResult> SaveAsync(Guid id, Guid assignmentId, Guid attemptId, string then)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused;
        if (!Open) return Redirect(PagePath);
        try
        {
            var answers = Posted();
            Attempt = await quizzes.SaveAnswersAsync(Viewer, attemptId, answers, Ct);
            if (Errors.Count == 0) return Redirect(PagePath + then);
            Refusal = "Some answers could not be saved: see the questions marked below.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status409Conflict)
        {
            return Redirect(PagePath); // time is up (or already submitted): the page shows the attempt as finished
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, assignmentId, attemptId) == null,
                () => Refusal = CourseText.Message(refusal));
        }
    }

    IActionResult Finished() => new JsonResult(new { finished = true, url = PagePath }) { StatusCode = StatusCodes.Status409Conflict };

    /// <summary>
    /// The answers in the form, one per question (the whole form is always sent, so a question left empty is cleared). A
    /// number that does not read as one keeps the saved answer and is marked.
    /// </summary>
    List<QuizAnswer> Posted()
    {
        var form = Request.Form;
        var answers = new List<QuizAnswer>();
        for (var i = 0; i < Attempt.Questions.Count; i++)
        {
            var q = Attempt.Questions[i];
            var values = form[$"answer-{q.Id}"];
            var first = values.FirstOrDefault()?.Trim();
            switch (q.Kind)
            {
                case QuestionKind.SingleChoice or QuestionKind.MultipleChoice:
                    var ids = values.Select(v => Guid.TryParse(v, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList();
                    answers.Add(new QuizAnswer(q.Id, ChoiceIds: ids.Count == 0 ? null : ids));
                    break;
                case QuestionKind.TrueFalse:
                    answers.Add(new QuizAnswer(q.Id, Boolean: first switch { "true" => true, "false" => false, _ => null }));
                    break;
                case QuestionKind.Numeric:
                    if (string.IsNullOrEmpty(first)) answers.Add(new QuizAnswer(q.Id));
                    else if (QuizText.TryNumber(first, out var n)) answers.Add(new QuizAnswer(q.Id, Number: n));
                    else Errors[q.Id] = ($"Question {i + 1}: enter a number, like 3.14.", first);
                    break;
                default:
                    answers.Add(new QuizAnswer(q.Id, Text: string.IsNullOrEmpty(values.FirstOrDefault()) ? null : values.FirstOrDefault()));
                    break;
            }
        }
        return answers;
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId, Guid attemptId)
    {
        if (await QuizText.LoadAsync(reading, assignments, Viewer, id, assignmentId, Ct) is not var (detail, assignment)) return NotFound();
        (Detail, Assignment) = (detail, assignment);
        if (detail.CanEdit) return Redirect($"/courses/{id}/quizzes/{assignmentId}/attempts/{attemptId}/review");
        try
        {
            Attempt = await quizzes.GetAttemptAsync(Viewer, attemptId, Ct); // finishes an attempt left open past its deadline
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
        {
            return NotFound();
        }
        return Attempt.AssignmentId == assignmentId ? null : NotFound();
    }
}

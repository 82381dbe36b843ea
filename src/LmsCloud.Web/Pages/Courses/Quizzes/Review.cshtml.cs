using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// One attempt for the course's teachers: each question with the student's answer, the key and the score, and a form to
/// score a question by hand with a reason (<see cref="QuizService.GradeQuestionAsync"/>: essays, or a regrade), whose
/// refusals (points out of range, a closed grading period) are shown at that question.
/// </summary>
public sealed class ReviewModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public QuizAttemptView Attempt { get; private set; } = null!;
    public string StudentName { get; private set; } = "";
    public string? Message { get; private set; }
    public Guid? ErrorQuestion { get; private set; }
    public string? Error { get; private set; }
    public (string? Points, string? Reason) Typed { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    public string PagePath => $"/courses/{Detail.Shell.Id}/quizzes/{Assignment.Id}/attempts/{Attempt.Id}/review";

    public QuizAnswer? AnswerTo(Guid questionId) => Attempt.Answers.FirstOrDefault(a => a.QuestionId == questionId);
    public QuestionScore? ScoreOf(Guid questionId) => Attempt.Scores?.FirstOrDefault(s => s.QuestionId == questionId);
    public QuizQuestion? KeyOf(Guid questionId) => Attempt.Key?.FirstOrDefault(q => q.Id == questionId);

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, Guid attemptId, string? done)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused;
        Message = done == "graded" ? "The score is saved; the student's grade follows." : null;
        return Page();
    }

    public async Task<IActionResult> OnPostGradeAsync(Guid id, Guid assignmentId, Guid attemptId, Guid questionId, string? points, string? reason)
    {
        if (await LoadAsync(id, assignmentId, attemptId) is { } refused) return refused;
        try
        {
            if (!QuizText.TryNumber(points, out var value)) throw ShellRefusal.Invalid("points", "Points are a number, like 4 or 2.5.");
            await quizzes.GradeQuestionAsync(Viewer, attemptId, questionId, value, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), Ct);
            return Redirect($"{PagePath}?done=graded#question-{questionId}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, assignmentId, attemptId) == null, () =>
            {
                (ErrorQuestion, Error, Typed) = (questionId, CourseText.Message(refusal), (points, reason));
            });
        }
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId, Guid attemptId)
    {
        if (await QuizText.LoadAsync(reading, assignments, Viewer, id, assignmentId, Ct) is not var (detail, assignment)) return NotFound();
        if (!detail.CanEdit) return Forbid();
        (Detail, Assignment) = (detail, assignment);
        try
        {
            Attempt = await quizzes.GetAttemptAsync(Viewer, attemptId, Ct);
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
        {
            return NotFound();
        }
        if (Attempt.AssignmentId != assignmentId) return NotFound();
        StudentName = (await assignments.DueDatesAsync(Viewer, assignmentId, Ct)).FirstOrDefault(d => d.StudentId == Attempt.StudentId)?.StudentName
                      ?? "A former student";
        return null;
    }
}

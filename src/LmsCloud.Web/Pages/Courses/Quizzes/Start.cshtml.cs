using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// A quiz before a student starts it: time limit, attempts used of those allowed, which attempt counts, dates, and their
/// earlier attempts. "Start" goes through <see cref="QuizService.StartAsync"/> (which returns the open attempt, if any,
/// and refuses before unlock, after lock or when the attempts are used: shown here in words). A teacher is sent to the
/// builder.
/// </summary>
public sealed class StartModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public QuizSummary Quiz { get; private set; } = null!;
    public IReadOnlyList<QuizAttemptView> Attempts { get; private set; } = [];
    public string? Refusal { get; private set; }

    public QuizAttemptView? Open => Attempts.FirstOrDefault(a => a.State == "in_progress");
    public bool AttemptsLeft => Assignment.AllowedAttempts is not { } allowed || Attempts.Count < allowed || Open != null;

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    string PagePath => $"/courses/{Detail.Shell.Id}/quizzes/{Assignment.Id}";

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId) => await LoadAsync(id, assignmentId) ?? Page();

    public async Task<IActionResult> OnPostAsync(Guid id, Guid assignmentId)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        try
        {
            var attempt = await quizzes.StartAsync(Viewer, assignmentId, Ct);
            return Redirect($"{PagePath}/attempts/{attempt.Id}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, assignmentId) == null, () => Refusal = CourseText.Message(refusal));
        }
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId)
    {
        if (await QuizText.LoadAsync(reading, assignments, Viewer, id, assignmentId, Ct) is not var (detail, assignment)) return NotFound();
        (Detail, Assignment) = (detail, assignment);
        if (detail.CanEdit) return Redirect($"{PagePath}/build");
        if ((await quizzes.ShellQuizzesAsync(Viewer, id, Ct)).FirstOrDefault(q => q.AssignmentId == assignmentId) is not { } quiz) return NotFound();
        Quiz = quiz;
        Attempts = await quizzes.AttemptsAsync(Viewer, assignmentId, Ct);
        return null;
    }
}

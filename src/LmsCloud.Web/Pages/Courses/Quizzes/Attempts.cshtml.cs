using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// The students' attempts at a quiz for its teachers (<see cref="QuizService.AttemptsAsync"/>, names from the
/// assignment's due dates): state, times, score, and the ones whose essays wait for hand grading first.
/// </summary>
public sealed class AttemptsModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public IReadOnlyList<QuizAttemptView> Attempts { get; private set; } = [];
    public Dictionary<Guid, string> Names { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId)
    {
        var viewer = ShellViewer.From(User);
        var ct = HttpContext.RequestAborted;
        if (await QuizText.LoadAsync(reading, assignments, viewer, id, assignmentId, ct) is not var (detail, assignment)) return NotFound();
        if (!detail.CanEdit) return Forbid();
        (Detail, Assignment) = (detail, assignment);
        Names = (await assignments.DueDatesAsync(viewer, assignmentId, ct)).ToDictionary(d => d.StudentId, d => d.StudentName ?? "(no name)");
        // Waiting for a teacher first, then newest first (the service's order).
        Attempts = (await quizzes.AttemptsAsync(viewer, assignmentId, ct)).OrderBy(a => a.State == "submitted" ? 0 : 1).ToList();
        return Page();
    }

    public string Name(Guid student) => Names.GetValueOrDefault(student, "A former student");
}

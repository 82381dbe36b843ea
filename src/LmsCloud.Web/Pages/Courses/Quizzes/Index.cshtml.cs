using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Quizzes;

/// <summary>
/// A course's quizzes: for its teachers every assignment, with a link to build its quiz and to the students' attempts;
/// for a student the published assignments that have a quiz, with their time limit and a link to take it.
/// </summary>
public sealed class IndexModel(ShellReading reading, AssignmentReading assignments, QuizService quizzes) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public IReadOnlyList<(AssignmentView Assignment, QuizSummary? Quiz)> Rows { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        var viewer = ShellViewer.From(User);
        var ct = HttpContext.RequestAborted;
        if (await reading.GetAsync(viewer, id, ct) is not { } detail) return NotFound();
        Detail = detail;
        var summaries = (await quizzes.ShellQuizzesAsync(viewer, id, ct)).ToDictionary(q => q.AssignmentId);
        Rows = (await assignments.ListAsync(viewer, id, ct))
            .Select(a => (a, summaries.GetValueOrDefault(a.Id)))
            .Where(r => detail.CanEdit || r.Item2 is { QuestionCount: > 0 })
            .ToList();
        return Page();
    }
}

using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using LmsCloud.Web.Pages.Courses.Work;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Children;

/// <summary>
/// A guardian's view of one child's grades in one course: the same report and partial as the student's own page (the
/// student's view: posted work only). Another family's child, or a course the child does not take, is 404.
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class ChildGradesModel(StudentWork work) : PageModel
{
    public StudentGradeReport Report { get; private set; } = null!;
    public Guid ChildId { get; private set; }
    public Guid ShellId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid childId, Guid shellId)
    {
        try
        {
            Report = await work.ReportAsync(ShellViewer.From(User), shellId, childId, HttpContext.RequestAborted);
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status);
        }
        (ChildId, ShellId) = (childId, shellId);
        return Page();
    }
}

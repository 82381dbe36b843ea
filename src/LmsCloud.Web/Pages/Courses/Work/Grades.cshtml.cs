using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Work;

/// <summary>
/// "My grades" in one course: the stored grade in the student's view with its explanation (<see cref="StudentWork.ReportAsync"/>,
/// the numbers of <c>GET /api/shells/{id}/students/{sid}/grade</c>). A course the student does not take is 404.
/// </summary>
[Authorize(Roles = Roles.Student)]
public sealed class GradesModel(StudentWork work) : PageModel
{
    public StudentGradeReport Report { get; private set; } = null!;
    public Guid ShellId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        var viewer = ShellViewer.From(User);
        try
        {
            Report = await work.ReportAsync(viewer, id, viewer.PersonId!.Value, HttpContext.RequestAborted);
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status); // the friendly 403/404 page
        }
        ShellId = id;
        return Page();
    }
}

using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using LmsCloud.Web.Pages.Courses;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Children;

/// <summary>
/// A guardian's read-only view of one child's course: the child's progress, and per module and item whether it is done
/// or locked for the child, and why (<see cref="CourseProgress.ChildCourseAsync"/>). Another family's child, or a course
/// the guardian may not read, is 404.
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class ChildCourseModel(CourseProgress progress) : PageModel
{
    public ChildCourseDetail Detail { get; private set; } = null!;
    public Guid ChildId { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid childId, Guid shellId)
    {
        if (await progress.ChildCourseAsync(ShellViewer.From(User), childId, shellId, HttpContext.RequestAborted) is not { } detail) return NotFound();
        (Detail, ChildId) = (detail, childId);
        return Page();
    }
}

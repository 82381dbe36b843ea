using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Classes;

/// <summary>"My classes" of a teacher or student: the same data as <c>GET /api/me/classes</c>.</summary>
[Authorize(Roles = $"{Roles.Teacher},{Roles.Student}")]
public sealed class MyClassesModel(MyRoster roster) : PageModel
{
    public IReadOnlyList<MyClassResponse> Classes { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Classes = await roster.ClassesAsync(Guid.Parse(User.FindFirst("sub")!.Value), RosterRoles.EnrollmentRolesOf(User), HttpContext.RequestAborted);
    }
}

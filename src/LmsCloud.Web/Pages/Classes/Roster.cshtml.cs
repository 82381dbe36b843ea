using LmsCloud.Core.Rostering;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Classes;

/// <summary>A class's roster, for its teachers and administrators: the same data and rule as <c>GET /api/classes/{id}/roster</c>.</summary>
[Authorize(Roles = $"{Roles.Teacher},{Roles.DistrictAdmin},{Roles.SchoolAdmin}")]
public sealed class ClassRosterModel(MyRoster roster) : PageModel
{
    public ClassRosterResponse Roster { get; private set; } = null!;
    public IReadOnlyList<RosterMemberResponse> Teachers => Roster.Members.Where(m => m.Role == RosterRoles.Teacher).ToList();
    public IReadOnlyList<RosterMemberResponse> Students => Roster.Members.Where(m => m.Role == RosterRoles.Student).ToList();

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        var ct = HttpContext.RequestAborted;
        var admin = User.IsInRole(Roles.DistrictAdmin) || User.IsInRole(Roles.SchoolAdmin);
        if (!admin && !await roster.TeachesAsync(Guid.Parse(User.FindFirst("sub")!.Value), id, ct)) return Forbid();
        if (await roster.ClassRosterAsync(id, ct) is not { } found) return NotFound();
        Roster = found;
        return Page();
    }
}

using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages;

/// <summary>Home: a landing for each of the user's roles, saying what that role does here.</summary>
public sealed class HomeModel(LmsDbContext db, DistrictBranding branding) : PageModel
{
    public string DisplayName { get; private set; } = "";
    public string DistrictName { get; private set; } = "";
    public IReadOnlyList<string> Roles { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var id = Guid.Parse(User.FindFirst("sub")!.Value);
        DisplayName = await db.Users.Where(u => u.Id == id).Select(u => u.DisplayName).SingleAsync(HttpContext.RequestAborted);
        DistrictName = (await branding.CurrentAsync()).Name;
        // In the order of Roles.All, so a person with two roles always sees the same page.
        Roles = LmsCloud.Core.Users.Roles.All.Where(r => User.IsInRole(r)).ToList();
    }
}

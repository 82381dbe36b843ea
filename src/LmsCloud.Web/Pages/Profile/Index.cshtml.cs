using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Profile;

/// <summary>
/// The signed-in user's own profile: the display name (audited by <see cref="UserAdministration.UpdateAsync"/>).
/// No password change yet: it changes the security stamp, which ends this session, so it needs re-issuing the
/// session from the API host; the reset-code page covers it until then.
/// </summary>
public sealed class ProfileModel(LmsDbContext db, UserAdministration users) : PageModel
{
    [BindProperty] public string? DisplayName { get; set; }
    public string Email { get; private set; } = "";
    public IReadOnlyList<string> Roles { get; private set; } = [];
    public bool Saved { get; private set; }
    public List<string> Errors { get; } = [];

    Guid UserId => Guid.Parse(User.FindFirst("sub")!.Value);

    public async Task OnGetAsync() => await LoadAsync(keepInput: false);

    public async Task OnPostAsync()
    {
        var outcome = await users.UpdateAsync(UserId, new UserChanges(DisplayName ?? "", null, null), UserId, HttpContext.RequestAborted);
        if (outcome.Errors != null)
        {
            Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else Saved = true;
        await LoadAsync(keepInput: outcome.Errors != null);
    }

    async Task LoadAsync(bool keepInput)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Roles).SingleAsync(u => u.Id == UserId, HttpContext.RequestAborted);
        Email = user.Email ?? user.UserName ?? "";
        if (!keepInput) DisplayName = user.DisplayName;
        Roles = LmsCloud.Core.Users.Roles.All.Where(r => user.Roles.Any(ur => ur.Role == r)).ToList();
    }
}

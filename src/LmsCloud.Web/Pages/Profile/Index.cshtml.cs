using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Profile;

/// <summary>
/// The signed-in user's own profile: the display name (audited by <see cref="UserAdministration.UpdateAsync"/>) and the
/// password (<see cref="UserAdministration.ChangePasswordAsync"/>). A password change changes the security stamp and
/// revokes the user's tokens, which ends every session; this one is ended here too and the person signs in again with
/// the new password (no second way of issuing sessions in the pages).
/// </summary>
public sealed class ProfileModel(LmsDbContext db, UserAdministration users, WebSession session) : PageModel
{
    [BindProperty] public string? DisplayName { get; set; }
    public string Email { get; private set; } = "";
    public IReadOnlyList<string> Roles { get; private set; } = [];
    public bool Saved { get; private set; }
    public List<string> Errors { get; } = [];
    public List<string> PasswordErrors { get; } = [];

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

    public async Task<IActionResult> OnPostPasswordAsync(string? currentPassword, string? newPassword, string? confirmPassword)
    {
        if (newPassword != confirmPassword) PasswordErrors.Add("The new password and its confirmation differ.");
        else
        {
            var outcome = await users.ChangePasswordAsync(UserId, currentPassword, newPassword, HttpContext.RequestAborted);
            if (outcome.Value != null)
            {
                await HttpContext.SignOutAsync(session.Scheme);
                return Redirect("/account/sign-in?notice=password-changed");
            }
            PasswordErrors.AddRange(outcome.Errors?.Values.SelectMany(m => m) ?? []);
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(keepInput: false);
        return Page();
    }

    async Task LoadAsync(bool keepInput)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Roles).SingleAsync(u => u.Id == UserId, HttpContext.RequestAborted);
        Email = user.Email ?? user.UserName ?? "";
        if (!keepInput) DisplayName = user.DisplayName;
        Roles = LmsCloud.Core.Users.Roles.All.Where(r => user.Roles.Any(ur => ur.Role == r)).ToList();
    }
}

using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Users;

/// <summary>Creates a local account without a password (<see cref="UserAdministration.CreateAsync"/>); its page then offers a reset code.</summary>
public sealed class NewModel(UserAdministration admin) : PageModel
{
    [BindProperty] public string? DisplayName { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public List<string> SelectedRoles { get; set; } = [];
    public List<string> Errors { get; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var outcome = await admin.CreateAsync(new NewUser(Email, DisplayName, SelectedRoles, null), ct: HttpContext.RequestAborted);
        if (outcome.Value is { } user) return Redirect($"/admin/users/{user.Id}?created=true");
        if (outcome.Errors != null) Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
        if (outcome.Conflict != null) Errors.Add(outcome.Conflict);
        Response.StatusCode = outcome.Conflict != null ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return Page();
    }
}

using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Account;

/// <summary>A new password with the one-time token a district admin created (the same rules as <c>POST /api/account/password-reset</c>).</summary>
public sealed class PasswordResetModel(UserAdministration users) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Token { get; set; }
    [BindProperty] public string? NewPassword { get; set; }

    public bool Done { get; private set; }
    public List<string> Errors { get; } = [];

    public void OnGet() { }

    public async Task OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Token)) Errors.Add("Enter the reset code.");
        if (string.IsNullOrEmpty(NewPassword)) Errors.Add("Enter a new password.");
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var outcome = await users.ResetPasswordAsync(Token!.Trim(), NewPassword!, HttpContext.RequestAborted);
        if (outcome.Errors != null)
        {
            Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        Done = true;
    }
}

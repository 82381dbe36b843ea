using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Account;

/// <summary>
/// The sign-in form. It posts to <c>POST /account/sign-in</c> (the API host's endpoint, which also serves the OAuth
/// authorize flow and the rate limits), which on failure sends the browser back here with an error code.
/// </summary>
public sealed class SignInModel(LmsDbContext db) : PageModel
{
    public string ReturnUrl { get; private set; } = "/";
    public string? Message { get; private set; }
    public string? Notice { get; private set; }
    public IReadOnlyList<(Guid Id, string DisplayName)> Providers { get; private set; } = [];

    public async Task OnGetAsync(string? returnUrl, string? error, string? wait, string? notice)
    {
        Notice = SignInMessages.NoticeFor(notice);
        ReturnUrl = returnUrl is { Length: > 0 } && LocalUrls.IsLocal(returnUrl) ? returnUrl : "/";
        Message = SignInMessages.For(error, wait);
        Providers = (await db.IdentityProviders.AsNoTracking().Where(p => p.Enabled).OrderBy(p => p.DisplayName)
            .Select(p => new { p.Id, p.DisplayName }).ToListAsync(HttpContext.RequestAborted))
            .Select(p => (p.Id, p.DisplayName)).ToList();
        if (Message != null) Response.StatusCode = error == "rate" ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest;
    }
}

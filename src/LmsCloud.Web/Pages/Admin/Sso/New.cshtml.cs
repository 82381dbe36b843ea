using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Sso;

/// <summary>Adding an identity provider (checked and audited by <see cref="IdentityProviders.CreateAsync"/>).</summary>
public sealed class NewProviderModel(IdentityProviders providers) : PageModel
{
    [BindProperty] public ProviderForm Form { get; set; } = new();
    public List<string> Errors { get; } = [];

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var outcome = await providers.CreateAsync(Form.ToRequest(), HttpContext.RequestAborted);
        if (outcome.Errors == null) return Redirect($"/admin/sso?saved={outcome.Value!.Id}");
        Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}

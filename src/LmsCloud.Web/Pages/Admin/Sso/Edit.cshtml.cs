using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Sso;

/// <summary>Changing an identity provider (checked and audited by <see cref="IdentityProviders.UpdateAsync"/>); the secret only when a new one is typed.</summary>
public sealed class EditProviderModel(IdentityProviders providers) : PageModel
{
    [BindProperty] public ProviderForm Form { get; set; } = new();
    public List<string> Errors { get; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        if (await providers.FindAsync(id, HttpContext.RequestAborted) is not { } provider) return NotFound();
        Form = ProviderForm.From(provider);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id)
    {
        var outcome = await providers.UpdateAsync(id, Form.ToRequest(), HttpContext.RequestAborted);
        if (outcome.NotFound) return NotFound();
        if (outcome.Errors == null) return Redirect($"/admin/sso?saved={id}");
        Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
        Form.SecretSet = true;
        Form.ClientSecret = null; // never echoed back into the page
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}

using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Sso;

/// <summary>Deleting a provider after a confirmation page (audited by <see cref="IdentityProviders.DeleteAsync"/>).</summary>
public sealed class DeleteProviderModel(IdentityProviders providers) : PageModel
{
    public IdentityProvider Provider { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        if (await providers.FindAsync(id, HttpContext.RequestAborted) is not { } provider) return NotFound();
        Provider = provider;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id) =>
        await providers.DeleteAsync(id, HttpContext.RequestAborted) ? Redirect("/admin/sso?deleted=1") : NotFound();
}

using LmsCloud.Core.Integrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Integrations;

/// <summary>Revoking a client, after a confirmation page (a plain form: it works without JavaScript). Audited by <see cref="IntegrationClients.RevokeAsync"/>.</summary>
public sealed class RevokeClientModel(IntegrationClients clients) : PageModel
{
    public IntegrationClient Client { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        if (await clients.FindAsync(id, HttpContext.RequestAborted) is not { } client) return NotFound();
        if (client.RevokedAt != null) return Redirect("/admin/integrations");
        Client = client;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id)
    {
        if (!await clients.RevokeAsync(id, HttpContext.RequestAborted)) return NotFound();
        return Redirect($"/admin/integrations?revoked={id}");
    }
}

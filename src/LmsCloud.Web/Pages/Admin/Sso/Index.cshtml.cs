using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Sso;

/// <summary>The district's identity providers, a page at a time, with enable/disable; never a client secret, only whether one is set.</summary>
public sealed class SsoIndexModel(IdentityProviders providers) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<IdentityProvider> Providers { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public bool HasNext { get; private set; }
    public string? Notice { get; private set; }

    // "page" from the query only: as a route value it is the Razor page's own path.
    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1, Guid? saved = null, string? deleted = null)
    {
        PageNumber = Math.Max(1, page);
        var rows = await providers.ListAsync((PageNumber - 1) * PageSize, PageSize + 1, HttpContext.RequestAborted);
        HasNext = rows.Count > PageSize;
        Providers = rows.Take(PageSize).ToList();
        if (saved is { } id && await providers.FindAsync(id, HttpContext.RequestAborted) is { } p)
            Notice = $"{p.DisplayName} is saved{(p.Enabled ? "" : " (disabled: it is not on the sign-in page)")}.";
        else if (deleted != null) Notice = "The provider is deleted, with every sign-in linked through it.";
    }

    /// <summary>Enable or disable from the list (a plain form per row; no JavaScript needed).</summary>
    public async Task<IActionResult> OnPostEnabledAsync(Guid id, bool enabled)
    {
        var outcome = await providers.UpdateAsync(id, new IdentityProviderRequest(null, null, null, null, null, null, null, enabled),
            HttpContext.RequestAborted);
        if (outcome.NotFound) return NotFound();
        // Enabling alone can break no rule the provider did not already meet, so there are no field errors to show.
        return Redirect($"/admin/sso?saved={id}");
    }
}

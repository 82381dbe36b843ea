using Microsoft.AspNetCore.Mvc;
using LmsCloud.Core.Integrations;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin.Integrations;

/// <summary>The district's integration clients, oldest first, a page at a time; never a secret (it was shown once, at creation).</summary>
public sealed class IntegrationsIndexModel(IntegrationClients clients) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<IntegrationClient> Clients { get; private set; } = [];
    public int PageNumber { get; private set; } = 1;
    public bool HasNext { get; private set; }
    /// <summary>The client just revoked (PRG: the revoke form redirects here with its id), to say so.</summary>
    public IntegrationClient? Revoked { get; private set; }

    // "page" from the query only: as a route value it is the Razor page's own path.
    public async Task OnGetAsync([FromQuery(Name = "page")] int page = 1, Guid? revoked = null)
    {
        PageNumber = Math.Max(1, page);
        // One more than a page tells whether there is a next one.
        var rows = await clients.ListAsync((PageNumber - 1) * PageSize, PageSize + 1, HttpContext.RequestAborted);
        HasNext = rows.Count > PageSize;
        Clients = rows.Take(PageSize).ToList();
        if (revoked is { } id && await clients.FindAsync(id, HttpContext.RequestAborted) is { RevokedAt: not null } client) Revoked = client;
    }
}

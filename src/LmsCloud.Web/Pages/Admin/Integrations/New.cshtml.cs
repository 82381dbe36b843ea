using LmsCloud.Core.Integrations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Web.Pages.Admin.Integrations;

/// <summary>
/// A new machine client or code-flow app, made by <see cref="IntegrationClients.CreateAsync"/> (which checks and audits
/// it). The secret is shown in the answer to the POST itself, marked <c>no-store</c>, and nowhere else: not in a redirect
/// URL, not in TempData, not in the list. So, unlike the other forms, success renders the page instead of redirecting.
/// </summary>
public sealed class NewClientModel(IntegrationClients clients) : PageModel
{
    public const string Machine = "machine";
    public const string App = "app";

    public static readonly IReadOnlyList<(string Scope, string Kind, string Meaning)> ScopeChoices =
    [
        (Core.Integrations.Scopes.SisImport, Machine, "upload roster packages and read their runs"),
        (Core.Integrations.Scopes.GradebookReadonly, Machine, "read grades for the SIS (OneRoster 1.2 Gradebook)"),
        (OpenIddictConstants.Scopes.OpenId, App, "sign the person in"),
        (OpenIddictConstants.Scopes.Profile, App, "their name"),
        (OpenIddictConstants.Scopes.Email, App, "their email address"),
        (OpenIddictConstants.Scopes.OfflineAccess, App, "stay signed in (refresh tokens)"),
    ];

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string Kind { get; set; } = Machine;
    [BindProperty] public List<string> Scopes { get; set; } = [];
    [BindProperty] public string? RedirectUris { get; set; }
    [BindProperty] public string? PostLogoutRedirectUris { get; set; }
    [BindProperty] public string ClientType { get; set; } = ClientTypes.Confidential;
    [BindProperty] public string Consent { get; set; } = ConsentTypes.Explicit;

    public List<string> Errors { get; } = [];
    public CreatedClient? Created { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        var app = Kind == App;
        var redirectUris = Lines(RedirectUris);
        if (app && redirectUris.Count == 0) Errors.Add("An app that signs people in needs at least one redirect URI.");
        else
        {
            // A machine client has no redirect URIs, client type or consent: the service tells the two kinds apart by them.
            var request = app
                ? new CreateClientRequest(Name, Scopes, redirectUris, Lines(PostLogoutRedirectUris), ClientType, Consent)
                : new CreateClientRequest(Name, Scopes);
            var outcome = await clients.CreateAsync(request, Guid.TryParse(User.FindFirst("sub")?.Value, out var by) ? by : null,
                HttpContext.RequestAborted);
            if (outcome.Errors == null)
            {
                Created = outcome.Value;
                Response.Headers.CacheControl = "no-cache, no-store";
                return Page();
            }
            Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    static List<string> Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}

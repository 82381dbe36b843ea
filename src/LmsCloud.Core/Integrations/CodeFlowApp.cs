using System.Net;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Core.Integrations;

/// <summary>
/// An application that signs users in with the authorization code flow and PKCE: the registration rules for its
/// redirect URIs, client type and consent, and its OpenIddict application.
/// </summary>
public sealed record CodeFlowApp(IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris, string ClientType, string Consent)
{
    public static readonly IReadOnlyList<string> Scopes =
        [OpenIddictConstants.Scopes.OpenId, OpenIddictConstants.Scopes.Profile, OpenIddictConstants.Scopes.Email, OpenIddictConstants.Scopes.OfflineAccess];

    const int MaxUris = 10;
    const int MaxUriLength = 2000;

    public bool Public => ClientType == ClientTypes.Public;

    /// <summary>The code-flow app the request registers, or null for a machine client; problems go to <paramref name="errors"/>.</summary>
    public static CodeFlowApp? Check(CreateClientRequest request, Dictionary<string, string[]> errors)
    {
        if (request.RedirectUris is not { Count: > 0 })
        {
            if (request.PostLogoutRedirectUris is { Count: > 0 } || request.ClientType != null || request.Consent != null)
                errors["redirectUris"] = ["postLogoutRedirectUris, clientType and consent are for apps that sign users in: give their redirectUris too."];
            return null;
        }
        CheckUris("redirectUris", request.RedirectUris, errors);
        CheckUris("postLogoutRedirectUris", request.PostLogoutRedirectUris ?? [], errors);
        var type = request.ClientType ?? ClientTypes.Confidential;
        if (type is not (ClientTypes.Confidential or ClientTypes.Public))
            errors["clientType"] = ["Give confidential (a server that keeps a secret) or public (a browser or native app, no secret)."];
        var consent = request.Consent ?? ConsentTypes.Explicit;
        if (consent is not (ConsentTypes.Explicit or ConsentTypes.Implicit))
            errors["consent"] = ["Give explicit (a third-party app: the user is asked) or implicit (the district's own app: never asked)."];
        return new([.. request.RedirectUris.Distinct()], [.. (request.PostLogoutRedirectUris ?? []).Distinct()], type, consent);
    }

    /// <summary>
    /// Absolute, no fragment (RFC 6749 §3.1.2), https, or http on a loopback host for native apps and local development
    /// (localhost, *.localhost, 127.0.0.1, [::1]).
    /// </summary>
    static void CheckUris(string field, IReadOnlyList<string> uris, Dictionary<string, string[]> errors)
    {
        if (uris.Count > MaxUris) { errors[field] = [$"Give at most {MaxUris} URIs."]; return; }
        var problems = new List<string>();
        foreach (var text in uris)
        {
            var shown = text is { Length: <= 200 } ? text : text?[..200] + "…";
            if (string.IsNullOrEmpty(text) || text.Length > MaxUriLength || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || text.Any(char.IsControl))
                problems.Add($"'{shown}' is not an absolute URI of at most {MaxUriLength} characters.");
            else if (uri.Fragment.Length > 0 || text.Contains('#'))
                problems.Add($"'{shown}' has a fragment (#...), which a redirect URI may not have.");
            else if (!(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri.Host))))
                problems.Add($"'{shown}' must use https (http only on localhost, *.localhost, 127.0.0.1 or [::1]).");
            else if (uri.UserInfo.Length > 0)
                problems.Add($"'{shown}' may not carry a user name or password.");
        }
        if (problems.Count > 0) errors[field] = [.. problems];
    }

    static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) ||
        (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    public OpenIddictApplicationDescriptor Application(IntegrationClient client, string? secret)
    {
        var application = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = secret,
            ClientType = ClientType,
            ConsentType = Consent,
            DisplayName = client.Name,
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
                Permissions.Endpoints.Revocation, Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        if (client.Scopes.Contains(OpenIddictConstants.Scopes.OfflineAccess)) application.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        foreach (var scope in client.Scopes) application.Permissions.Add(Permissions.Prefixes.Scope + scope);
        foreach (var uri in RedirectUris) application.RedirectUris.Add(new Uri(uri));
        foreach (var uri in PostLogoutRedirectUris) application.PostLogoutRedirectUris.Add(new Uri(uri));
        return application;
    }
}

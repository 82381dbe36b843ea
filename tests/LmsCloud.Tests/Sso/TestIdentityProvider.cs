using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Microsoft.AspNetCore;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LmsCloud.Tests.Sso;

/// <summary>Who the test provider says is signing in: its subject and the claims a district's Google would send.</summary>
public sealed record TestPerson(string Subject, string? Email = null, bool EmailVerified = false, string? EmployeeId = null);

/// <summary>
/// "The district's Google": a real OpenID Connect provider (OpenIddict 7.8 server, degraded mode: no store) on its own
/// Kestrel port on 127.0.0.1, with discovery, JWKS, an authorization endpoint that signs in <see cref="Person"/> without
/// any page, and a token endpoint for the authorization code grant with PKCE required. Clients are registered with
/// <see cref="AddClient"/>: an unknown client, a wrong secret or an unregistered redirect URI is refused, as a real
/// provider would.
/// </summary>
public sealed class TestIdentityProvider : IAsyncLifetime
{
    public const string SisIdClaim = "employee_id";

    WebApplication _app = null!;
    readonly ConcurrentDictionary<string, (string Secret, string RedirectUri)> _clients = new();

    /// <summary>The issuer, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The person the next authorization request signs in.</summary>
    public TestPerson Person { get; set; } = new("nobody");

    public void AddClient(string clientId, string secret, string redirectUri) => _clients[clientId] = (secret, redirectUri);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.Email, Scopes.Profile);
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
            // No application store: client id, secret and redirect URI are checked by the two handlers below.
            server.EnableDegradedMode();
            server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
            server.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!_clients.TryGetValue(context.ClientId ?? "", out var client))
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                else if (context.RedirectUri != client.RedirectUri)
                    context.Reject(Errors.InvalidRequest, "Unregistered redirect_uri.");
                return default;
            }));
            server.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!_clients.TryGetValue(context.ClientId ?? "", out var client) || context.ClientSecret != client.Secret)
                    context.Reject(Errors.InvalidClient, "Wrong client id or secret.");
                return default;
            }));
        });

        _app = builder.Build();
        _app.MapGet("/connect/authorize", (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest()!;
            var person = Person;
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.AddClaim(new Claim(Claims.Subject, person.Subject));
            if (person.Email != null) identity.AddClaim(new Claim(Claims.Email, person.Email));
            identity.AddClaim(new Claim(Claims.EmailVerified, person.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean));
            if (person.EmployeeId != null) identity.AddClaim(new Claim(SisIdClaim, person.EmployeeId));
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        _app.MapPost("/connect/token", async (HttpContext http) =>
        {
            // The code's principal, already checked by OpenIddict (PKCE verifier, redirect_uri, expiry).
            var code = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            return Results.SignIn(code.Principal!, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        await _app.StartAsync();
        Issuer = _app.Urls.Single().TrimEnd('/') + "/";
        // Warm up (OpenIddict's pipeline is cold until its first request), so the first test's sign-in is not the slow one.
        using var client = new HttpClient();
        (await client.GetAsync(Issuer + ".well-known/openid-configuration")).EnsureSuccessStatusCode();
        (await client.GetAsync(Issuer + ".well-known/jwks")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();
}

using System.Security.Claims;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Api.Auth;

/// <summary>
/// <c>POST /connect/token</c>, OpenIddict's pass-through: OpenIddict parses and checks the request (form body, grant
/// type, client secret, refresh token signature, expiry and reuse) and answers the RFC 6749 errors; this code decides
/// who signs in and what the tokens say. Each grant runs in one transaction with its audit events and token rows.
/// Rate limited per district and address, per user name and per client id (AuthExtensions).
/// </summary>
public static class TokenEndpoint
{
    public const string Path = "/connect/token";
    public const string RateLimitPolicy = "token";

    /// <summary>Never stored: the refresh token carries it (encrypted), so a changed stamp ends the sign-in.</summary>
    public const string StampClaim = "lms_stamp";

    /// <summary>Marks a sign-in that began in the browser (/connect/authorize); never leaves the server's own tokens.</summary>
    public const string CodeFlowClaim = "lms_browser";

    const string BadCredentials = "The user name or password is incorrect.";
    const string BadRefreshToken = "The refresh token is invalid, expired or revoked.";
    const string BadCode = "The authorization code is invalid, expired or revoked.";

    public static IEndpointRouteBuilder MapTokenEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy)
            .DisableAntiforgery()
            .WithTags("Auth")
            .Accepts<IFormCollection>("application/x-www-form-urlencoded")
            .Produces(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status400BadRequest)
            .Produces(StatusCodes.Status401Unauthorized);
        return app;
    }

    static async Task<IResult> HandleAsync(HttpContext http, LmsDbContext db, PasswordSignIn passwords, UserManager<User> users,
        AuditLog audit, IOptions<AuthOptions> options, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle /connect/token.");
        if (request.IsPasswordGrantType())
        {
            if (PasswordSignIn.RefuseInput(request.Username!, request.Password!) is { } refused) return Error(Errors.InvalidRequest, refused);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var user = await passwords.CheckAsync(request.Username!, request.Password!, ct);
            if (user == null)
            {
                await tx.CommitAsync(ct); // the failure's audit event and the failed-attempt count
                return Error(Errors.InvalidGrant, BadCredentials);
            }
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
            identity.SetScopes(OpenIddict.Abstractions.OpenIddictConstants.Scopes.OfflineAccess).SetResources(options.Value.Audience);
            return await SignInAsync(http, db, user, identity, tx, ct);
        }

        if (request.IsRefreshTokenGrantType() || request.IsAuthorizationCodeGrantType())
        {
            // OpenIddict has checked the token or code: signature, issuer (this district), expiry, its row, reuse, and
            // for a code the client, redirect_uri and PKCE verifier.
            var refreshed = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var user = await users.FindByIdAsync(refreshed.Principal?.GetClaim(Claims.Subject) ?? "");
            // A browser sign-in may be by district SSO, without a password (BrowserSessions checks the same).
            var canSignIn = user is { CanSignIn: true } || (user is { Status: "active", EnabledUser: true } && refreshed.Principal!.GetClaim(CodeFlowClaim) != null);
            if (!canSignIn || user!.SecurityStamp != refreshed.Principal!.GetClaim(StampClaim) || await users.IsLockedOutAsync(user))
                return Error(Errors.InvalidGrant, request.IsAuthorizationCodeGrantType() ? BadCode : BadRefreshToken);
            // Keeps OpenIddict's own claims (authorization, scopes, resources); roles and stamp are read afresh.
            var identity = new ClaimsIdentity(refreshed.Principal!.Claims, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
            return await SignInAsync(http, db, user, identity, tx, ct);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the client (its district's application, secret, permissions and scopes).
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var client = await db.IntegrationClients.SingleOrDefaultAsync(c => c.ClientId == request.ClientId, ct);
            if (client is not { RevokedAt: null })
                return Error(Errors.InvalidClient, "Client authentication failed.");
            var scopes = request.GetScopes() is { Length: > 0 } asked ? asked.ToArray() : client.Scopes;
            var granted = string.Join(' ', scopes);
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
            identity.SetClaim(Claims.Subject, client.Id.ToString())
                .SetClaim(Claims.ClientId, client.ClientId)
                .SetClaim("tid", db.TenantId!.Value.ToString());
            identity.SetScopes(scopes).SetResources(options.Value.Audience);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            await audit.WriteAsync(new AuditEntry("token.issued_to_client", "integration_client", client.Id.ToString(),
                After: new { client.ClientId, scope = granted }, Actor: new AuditActor("client", client.Id.ToString())), ct);
            await http.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            await tx.CommitAsync(ct);
            return Results.Empty;
        }

        // OpenIddict refuses every other grant type before this endpoint runs.
        return Error(Errors.UnsupportedGrantType, $"The grant type '{request.GrantType}' is not supported.");
    }

    /// <summary>Signs the user in (sub, tid, roles: no names or emails in tokens) inside the grant's transaction.</summary>
    static async Task<IResult> SignInAsync(HttpContext http, LmsDbContext db, User user, ClaimsIdentity identity,
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, CancellationToken ct)
    {
        var roles = await db.UserRoles.Where(r => r.UserId == user.Id).Select(r => r.Role).ToArrayAsync(ct);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim("tid", db.TenantId!.Value.ToString())
            .SetClaim(StampClaim, user.SecurityStamp)
            // Roles only in tokens for our API: a third-party app's tokens name no resource (AuthorizeEndpoints).
            .SetClaims(Claims.Role, identity.GetResources().IsDefaultOrEmpty ? [] : [.. roles]);
        identity.SetDestinations(ClaimDestinations);
        await http.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        await tx.CommitAsync(ct); // the audit events and the authorization and token rows together
        return Results.Empty;
    }

    /// <summary>
    /// Where each claim goes: our stamp and markers nowhere but the server's own encrypted tokens; sub and tid in the
    /// id_token too (with openid); roles in the access token only.
    /// </summary>
    public static IEnumerable<string> ClaimDestinations(Claim claim) => claim.Type switch
    {
        StampClaim or CodeFlowClaim => [],
        Claims.Subject or "tid" when claim.Subject?.HasScope(OpenIddictConstants.Scopes.OpenId) == true => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        _ => [OpenIddictConstants.Destinations.AccessToken],
    };

    /// <summary>An RFC 6749 error, written by OpenIddict (status, no-store, error_uri; at /connect/authorize, a redirect to the client).</summary>
    internal static IResult Error(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

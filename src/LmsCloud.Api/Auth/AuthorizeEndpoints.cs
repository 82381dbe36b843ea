using System.Security.Claims;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Api.Auth;

/// <summary>
/// The browser side of OpenID Connect, OpenIddict's pass-through: <c>/connect/authorize</c> (authorization code +
/// PKCE, consent), <c>/connect/userinfo</c> and <c>/connect/endsession</c>. OpenIddict has checked the request (client,
/// registered redirect URI, PKCE challenge, scopes) before these run and writes the protocol answers; this code decides
/// who the user is (the browser session) and what they agreed to.
/// </summary>
public static class AuthorizeEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string UserInfoPath = "/connect/userinfo";
    public const string EndSessionPath = "/connect/endsession";

    /// <summary>The consent page's button: <c>allow</c> or <c>deny</c>.</summary>
    const string ConsentField = "consent";

    public static IEndpointRouteBuilder MapAuthorizeEndpoints(this IEndpointRouteBuilder app)
    {
        string[] getOrPost = [HttpMethods.Get, HttpMethods.Post];
        // Anonymous at the endpoint: each decides itself (session, or the access token OpenIddict validated).
        // Antiforgery is checked by hand on the consent answer only: a client may POST an authorization request.
        app.MapMethods(AuthorizePath, getOrPost, AuthorizeAsync).AllowAnonymous().DisableAntiforgery().WithTags("Auth");
        app.MapMethods(UserInfoPath, getOrPost, UserInfoAsync).AllowAnonymous().DisableAntiforgery().WithTags("Auth");
        app.MapMethods(EndSessionPath, getOrPost, EndSessionAsync).AllowAnonymous().DisableAntiforgery().WithTags("Auth");
        return app;
    }

    static async Task<IResult> AuthorizeAsync(HttpContext http, LmsDbContext db, UserManager<User> users,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, IAntiforgery antiforgery,
        AuditLog audit, IOptions<AuthOptions> options, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle /connect/authorize.");

        // The browser session of this district (the cookie scheme refuses another district's cookie).
        var session = await http.AuthenticateAsync(BrowserSessions.SchemeName);
        var user = session.Succeeded ? await users.FindByIdAsync(session.Principal.FindFirstValue("sub") ?? "") : null;
        if (user == null)
        {
            if (request.HasPromptValue(PromptValues.None)) return TokenEndpoint.Error(Errors.LoginRequired, "The user is not signed in.");
            return Results.Redirect($"{AccountEndpoints.SignInPath}?returnUrl={Uri.EscapeDataString(AuthorizeUrl(http))}");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, ct)
            ?? throw new InvalidOperationException("OpenIddict let an unknown client through.");
        var applicationId = (await applications.GetIdAsync(application, ct))!;
        var firstParty = await applications.HasConsentTypeAsync(application, ConsentTypes.Implicit, ct);
        var scopes = request.GetScopes();
        var subject = user.Id.ToString();

        object? consent = null;
        await foreach (var existing in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes, ct))
        {
            consent = existing;
            break;
        }

        if (!firstParty && consent == null)
        {
            var answer = http.Request.HasFormContentType ? (string?)http.Request.Form[ConsentField] : null;
            if (answer is not ("allow" or "deny"))
            {
                if (request.HasPromptValue(PromptValues.None)) return TokenEndpoint.Error(Errors.ConsentRequired, "The user has not agreed to this application's access.");
                var name = await applications.GetLocalizedDisplayNameAsync(application, ct) ?? request.ClientId!;
                return BrowserPages.Consent(http, antiforgery, name, scopes, ParametersOf(http));
            }
            if (!await BrowserPages.AntiforgeryValidAsync(http, antiforgery))
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Form refused",
                    detail: "The form has expired or did not come from this site. Reload the page and try again.");

            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (answer == "deny")
            {
                await audit.WriteAsync(new AuditEntry("consent.denied", "application", request.ClientId, user.Id,
                    After: new { client_id = request.ClientId, scope = string.Join(' ', scopes) }, Actor: AuditActor.User(user.Id)), ct);
                await tx.CommitAsync(ct);
                return TokenEndpoint.Error(Errors.AccessDenied, "The user denied the application access.");
            }
            var identity = await IdentityAsync(db, user, scopes, firstParty, options.Value, ct);
            consent = await authorizations.CreateAsync(new ClaimsPrincipal(identity), subject, applicationId, AuthorizationTypes.Permanent, scopes, ct);
            var consentId = await authorizations.GetIdAsync(consent, ct);
            await audit.WriteAsync(new AuditEntry("consent.granted", "authorization", consentId, user.Id,
                After: new { client_id = request.ClientId, scope = string.Join(' ', scopes) }, Actor: AuditActor.User(user.Id)), ct);
            identity.SetAuthorizationId(consentId);
            await http.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            await tx.CommitAsync(ct); // the consent, its audit event and the code's row together
            return Results.Empty;
        }

        // First-party apps (implicit consent) get an ad-hoc authorization from OpenIddict; a covered request reuses the consent.
        var signIn = await IdentityAsync(db, user, scopes, firstParty, options.Value, ct);
        if (consent != null) signIn.SetAuthorizationId(await authorizations.GetIdAsync(consent, ct));
        await http.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(signIn));
        return Results.Empty;
    }

    /// <summary>
    /// sub, tid and the security stamp (which ends the sign-in when the account changes). Only first-party apps get an
    /// access token for our API (its audience and the user's roles): a third-party app the user consented to for
    /// "profile" or "email" gets an access token good for userinfo, not for acting as the user on the API.
    /// </summary>
    static async Task<ClaimsIdentity> IdentityAsync(LmsDbContext db, User user, IEnumerable<string> scopes, bool firstParty,
        AuthOptions options, CancellationToken ct)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Subject, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim("tid", db.TenantId!.Value.ToString())
            .SetClaim(TokenEndpoint.StampClaim, user.SecurityStamp)
            .SetClaim(TokenEndpoint.CodeFlowClaim, "1");
        identity.SetScopes(scopes);
        if (firstParty)
        {
            identity.SetResources(options.Audience);
            identity.SetClaims(Claims.Role, [.. await db.UserRoles.Where(r => r.UserId == user.Id).Select(r => r.Role).ToArrayAsync(ct)]);
        }
        identity.SetDestinations(TokenEndpoint.ClaimDestinations);
        return identity;
    }

    /// <summary>
    /// Only what the token's scopes allow: <c>sub</c> always, <c>name</c> with profile, <c>email</c> and
    /// <c>email_verified</c> with email. Read from the account now, so a changed name shows at once.
    /// </summary>
    static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<User> users)
    {
        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = await users.FindByIdAsync(principal?.GetClaim(Claims.Subject) ?? "");
        if (principal == null || user is not { Status: "active", EnabledUser: true })
            return Results.Challenge(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The access token does not name a user of this district.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

        var claims = new Dictionary<string, object> { [Claims.Subject] = user.Id.ToString() };
        if (principal.HasScope(Scopes.Profile)) claims[Claims.Name] = user.DisplayName;
        if (principal.HasScope(Scopes.Email) && user.Email != null)
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }
        return Results.Ok(claims);
    }

    /// <summary>
    /// Ends the browser session. OpenIddict has refused a <c>post_logout_redirect_uri</c> no application registered;
    /// with one, it redirects there (with <c>state</c>); without, a plain page says so.
    /// </summary>
    static async Task<IResult> EndSessionAsync(HttpContext http, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("OpenIddict did not handle /connect/endsession.");
        await BrowserSessions.SignOutAsync(http, db, audit, ct);
        if (!string.IsNullOrEmpty(request.PostLogoutRedirectUri))
            return Results.SignOut(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        return BrowserPages.SignedOut(http);
    }

    /// <summary>The authorization request's own parameters (query or form), without the consent page's fields.</summary>
    static List<KeyValuePair<string, StringValues>> ParametersOf(HttpContext http) =>
        (http.Request.HasFormContentType ? http.Request.Form.AsEnumerable() : http.Request.Query)
        .Where(p => p.Key is not (ConsentField or BrowserSessions.AntiforgeryFieldName))
        .ToList();

    /// <summary>Where the sign-in page sends the browser back to: this request as a GET.</summary>
    static string AuthorizeUrl(HttpContext http) => AuthorizePath + QueryString.Create(ParametersOf(http));
}

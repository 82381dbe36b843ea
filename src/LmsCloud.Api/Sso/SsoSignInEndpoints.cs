using System.Security.Cryptography;
using System.Text;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Tenancy;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Sso;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Sso;

/// <summary>
/// The browser's way through district SSO: <c>GET /account/sso/{providerId}</c> sends it to the district's provider,
/// which sends it back to <c>GET /account/sso/callback</c> on the district's own host. Anonymous by nature; every
/// refusal is a problem document saying why (no HTML pages yet).
/// </summary>
public static class SsoSignInEndpoints
{
    public const string CallbackPath = "/account/sso/callback";

    public static IEndpointRouteBuilder MapSsoSignInEndpoints(this IEndpointRouteBuilder app)
    {
        // Anonymous, and each request costs a call to the provider: the token endpoint's budget per district and address.
        var account = app.MapGroup("/account/sso").WithTags("Single sign-on").AllowAnonymous().RequireRateLimiting(TokenEndpoint.RateLimitPolicy);
        account.MapGet("/callback", CallbackAsync);
        account.MapGet("/{providerId:guid}", StartAsync);
        return app;
    }

    /// <summary>
    /// Where the provider must send the browser back: this district's public URL (its issuer, from configuration), never
    /// another's, and never the request's scheme, which reads http behind a TLS-terminating proxy.
    /// </summary>
    public static string RedirectUri(HttpContext http) => new Uri(DistrictUrl(http), CallbackPath).ToString();

    public static string StartUrl(HttpContext http, Guid providerId) => new Uri(DistrictUrl(http), $"/account/sso/{providerId}").ToString();

    static Uri DistrictUrl(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<TenancyOptions>>().Value
        .DistrictUrl(http.RequestServices.GetRequiredService<IMultiTenantContextAccessor<District>>().MultiTenantContext.TenantInfo!.Slug);

    static async Task<Results<RedirectHttpResult, ProblemHttpResult>> StartAsync(Guid providerId, string? returnUrl, HttpContext http,
        LmsDbContext db, OidcCodeFlowClient oidc, IDataProtectionProvider protection, IOptions<SsoOptions> options, CancellationToken ct)
    {
        var provider = await db.IdentityProviders.AsNoTracking().SingleOrDefaultAsync(p => p.Id == providerId && p.Enabled, ct);
        if (provider == null)
            return TypedResults.Problem(title: "Unknown identity provider", detail: "This district has no such sign-in provider, or it is switched off.",
                statusCode: StatusCodes.Status404NotFound);
        if (returnUrl != null && !IsLocalPath(returnUrl))
            return TypedResults.Problem(title: "Invalid return URL", detail: "returnUrl must be a path on this site, such as /courses.",
                statusCode: StatusCodes.Status400BadRequest);

        Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await oidc.ConfigurationAsync(provider, ct);
        }
        catch (SsoProtocolException e)
        {
            return ProviderFailed(e);
        }

        var flow = SsoFlow.Start(provider.Id, returnUrl ?? "/");
        http.Response.Cookies.Append(SsoFlow.CookieName, flow.Protect(protection, provider.TenantId, options.Value.FlowLifetime), FlowCookie(http, options.Value));
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Redirect(OidcCodeFlowClient.AuthorizationUrl(configuration, provider, RedirectUri(http), flow));
    }

    static async Task<Results<RedirectHttpResult, ProblemHttpResult>> CallbackAsync(string? code, string? state, string? error, string? iss,
        HttpContext http, LmsDbContext db, OidcCodeFlowClient oidc, ProviderSecrets secrets, SsoMatching matching, AuditLog audit,
        IDataProtectionProvider protection, IOptions<SsoOptions> options, ILoggerFactory logs, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        // One use only: whatever happens next, the flow is over.
        var flow = SsoFlow.Read(protection, db.TenantId!.Value, http.Request.Cookies[SsoFlow.CookieName]);
        http.Response.Cookies.Delete(SsoFlow.CookieName, FlowCookie(http, options.Value));
        if (flow == null || state == null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state), Encoding.UTF8.GetBytes(flow.State)))
            return TypedResults.Problem(title: "Sign-in expired",
                detail: "This sign-in was not started here, was already used, or took too long. Start again from the sign-in page.",
                statusCode: StatusCodes.Status400BadRequest);

        var provider = await db.IdentityProviders.AsNoTracking().SingleOrDefaultAsync(p => p.Id == flow.ProviderId && p.Enabled, ct);
        if (provider == null)
            return TypedResults.Problem(title: "Unknown identity provider", detail: "This sign-in provider was removed or switched off.",
                statusCode: StatusCodes.Status404NotFound);
        if (error != null || string.IsNullOrEmpty(code))
            return TypedResults.Problem(title: "Sign-in cancelled",
                detail: $"The identity provider did not sign you in ({Truncate(error ?? "no code")}).", statusCode: StatusCodes.Status400BadRequest);

        string clientSecret;
        try
        {
            clientSecret = secrets.Unprotect(provider.TenantId, provider.ClientSecretProtected);
        }
        catch (CryptographicException)
        {
            // The Data Protection key that encrypted it is gone (docs/security.md): only a new secret helps.
            logs.CreateLogger("LmsCloud.Api.Sso").LogError("The client secret of SSO provider {ProviderId} cannot be decrypted", provider.Id);
            return TypedResults.Problem(title: "Identity provider misconfigured",
                detail: "The provider's client secret cannot be read; a district admin must enter it again.", statusCode: StatusCodes.Status500InternalServerError);
        }

        ExternalIdentity person;
        try
        {
            person = await oidc.RedeemAsync(provider, clientSecret, code, iss, RedirectUri(http), flow, ct);
        }
        catch (SsoProtocolException e)
        {
            // Why, for the operator; never the code, the tokens or the secret.
            logs.CreateLogger("LmsCloud.Api.Sso").LogWarning("SSO sign-in through provider {ProviderId} failed: {Reason}", provider.Id, e.Message);
            await using var failed = await db.Database.BeginTransactionAsync(ct);
            await audit.WriteAsync(new AuditEntry("sign_in.failed", "identity_provider", provider.Id.ToString(),
                After: new { method = "sso", providerId = provider.Id, provider = provider.DisplayName }, Reason: e.Message, Actor: AuditActor.Anonymous), ct);
            await failed.CommitAsync(ct);
            return ProviderFailed(e);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var match = await matching.MatchAsync(provider, person, ct);
        await tx.CommitAsync(ct);
        if (match.User == null)
            return TypedResults.Problem(title: "Sign-in refused", detail: match.Refusal, statusCode: StatusCodes.Status403Forbidden);

        // The district's browser session, as the sign-in form starts it (amr "sso").
        await BrowserSessions.SignInAsync(http, match.User, method: "sso", ct);
        return TypedResults.Redirect(flow.ReturnUrl);
    }

    static ProblemHttpResult ProviderFailed(SsoProtocolException e) =>
        TypedResults.Problem(title: "Identity provider failed", detail: e.Message, statusCode: StatusCodes.Status502BadGateway);

    static CookieOptions FlowCookie(HttpContext http, SsoOptions options) => new()
    {
        // Host-only (no Domain): the flow belongs to this district's host. Lax: it must come back on the provider's
        // top-level redirect to the callback.
        HttpOnly = true,
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/account/sso",
        MaxAge = options.FlowLifetime,
        IsEssential = true,
    };

    /// <summary>A path of this site: not another host (<c>//evil</c>, <c>/\evil</c>), not a scheme (<c>https:</c>).</summary>
    static bool IsLocalPath(string url) => LmsCloud.Web.LocalUrls.IsLocal(url) && url.Length <= 2000;

    static string Truncate(string text) => text.Length <= 100 ? text : text[..100];
}

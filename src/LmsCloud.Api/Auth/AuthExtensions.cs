using System.Threading.RateLimiting;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenIddict.Validation.AspNetCore;

namespace LmsCloud.Api.Auth;

/// <summary>Authorization policy names. Every endpoint needs a signed-in caller unless it says AllowAnonymous.</summary>
public static class Policies
{
    public const string DistrictAdmin = "DistrictAdmin";
    public const string AuditReader = "AuditReader";

    /// <summary>Roster uploads and import runs: district admins, or an integration client holding the sis.import scope.</summary>
    public const string SisImport = "SisImport";

    /// <summary>Sensitive student data (demographics): district admins and compliance officers.</summary>
    public const string DemographicsReader = "DemographicsReader";

    /// <summary>Compliance requests: compliance officers create and decide them.</summary>
    public const string ComplianceOfficer = "ComplianceOfficer";

    /// <summary>Reading compliance requests: compliance officers and district admins.</summary>
    public const string ComplianceReader = "ComplianceReader";

    /// <summary>Creating a compliance request: compliance officers, and guardians (for their own child's export, checked in Core).</summary>
    public const string ComplianceRequester = "ComplianceRequester";
}

public static class AuthExtensions
{
    /// <summary>
    /// The token server and its validation (OpenIddict), policies and the sign-in rate limits; and the audit context of each request (who the
    /// token names, the request id, the client address), which the audit log of Core reads.
    /// </summary>
    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AuthOptions>(configuration.GetSection("Auth"));
        services.AddHttpContextAccessor();
        services.AddScoped(sp => sp.GetRequiredService<IHttpContextAccessor>().HttpContext is { } http
            ? new AuditContext { Actor = AuditLog.ActorOf(http.User), RequestId = http.TraceIdentifier, ClientAddress = http.Connection.RemoteIpAddress?.ToString() }
            : new AuditContext());
        services.AddSingleton<SigningKeys>();
        services.AddTokenServer();
        // Browser sessions; the default scheme picks OpenIddict's bearer validation or the session cookie per request.
        services.AddBrowserSessions(configuration, bearerScheme: OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.DistrictAdmin, p => p.RequireRole(Roles.DistrictAdmin))
            .AddPolicy(Policies.AuditReader, p => p.RequireRole(Roles.DistrictAdmin, Roles.ComplianceOfficer))
            .AddPolicy(Policies.DemographicsReader, p => p.RequireRole(Roles.DistrictAdmin, Roles.ComplianceOfficer))
            .AddPolicy(Policies.ComplianceOfficer, p => p.RequireRole(Roles.ComplianceOfficer))
            .AddPolicy(Policies.ComplianceReader, p => p.RequireRole(Roles.DistrictAdmin, Roles.ComplianceOfficer))
            .AddPolicy(Policies.ComplianceRequester, p => p.RequireRole(Roles.ComplianceOfficer, Roles.Guardian))
            .AddPolicy(Policies.SisImport, p => p.RequireAssertion(c =>
                c.User.IsInRole(Roles.DistrictAdmin) ||
                c.User.FindFirst("scope")?.Value.Split(' ').Contains(Scopes.SisImport) == true));

        services.AddRateLimiter(limiter =>
        {
            // Per district and client address (an IPv6 client holds a whole /64, so it counts as one)...
            limiter.AddPolicy(TokenEndpoint.RateLimitPolicy, http => TokenLimit(http, $"address|{TokenRateLimits.AddressKey(http.Connection.RemoteIpAddress)}", o => o.TokenRequestLimit));
            // Certificate look-ups (page and API, one budget) per district and address, so codes cannot be enumerated.
            limiter.AddPolicy(LmsCloud.Web.Pages.Verify.IndexModel.RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                $"{DistrictSlug(http)}|verify|{TokenRateLimits.AddressKey(http.Connection.RemoteIpAddress)}",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = LmsCloud.Web.Pages.Verify.IndexModel.LookupsPerMinute, Window = TimeSpan.FromMinutes(1) }));
            // ...and per district and user name or client id, however many addresses ask (a global limiter, so both apply).
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                TokenRateLimits.IsSignIn(http.Request.Path) && TokenRateLimits.NameKey(http) is { } name
                    ? TokenLimit(http, name, o => o.TokenRequestLimitPerName)
                    : RateLimitPartition.GetNoLimiter(""));
            limiter.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString();
                if (http.Request.Path.StartsWithSegments(AccountEndpoints.SignInPath) && LmsCloud.Web.WebExtensions.FromBrowserForm(http))
                {
                    // The sign-in page says so (per network, never per account), rather than a problem document.
                    await AccountEndpoints.BackToSignIn(http, "rate", null, http.Response.Headers.RetryAfter).ExecuteAsync(http);
                    return;
                }
                if (LmsCloud.Web.WebExtensions.IsPageRequest(http))
                {
                    await LmsCloud.Web.ErrorPages.TooManyRequestsAsync(http, http.Response.Headers.RetryAfter.ToString());
                    return;
                }
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = $"Try again in {http.Response.Headers.RetryAfter} seconds." },
                });
            };
        });
        return services;
    }

    static string? DistrictSlug(HttpContext http) =>
        http.RequestServices.GetRequiredService<IMultiTenantContextAccessor<District>>().MultiTenantContext.TenantInfo?.Slug;

    static RateLimitPartition<string> TokenLimit(HttpContext http, string key, Func<AuthOptions, int> limit)
    {
        var auth = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        return RateLimitPartition.GetFixedWindowLimiter($"{DistrictSlug(http)}|{key}",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit(auth), Window = auth.TokenRequestWindow });
    }
}

using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LmsCloud.Api.Auth;

/// <summary>Configuration section <c>DataProtection</c>: how the shared key ring is protected at rest.</summary>
public sealed class DataProtectionSettings
{
    /// <summary>A PFX file whose certificate encrypts each new key before it is stored; unset, keys are stored in clear.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }
}

/// <summary>
/// Browser sessions: a cookie per district host (<c>__Host-lms.session</c>), checked on every request against the
/// host's district and the user's current account, and the choice between it and the bearer scheme of API clients.
/// </summary>
public static class BrowserSessions
{
    public const string SchemeName = "BrowserSession";

    /// <summary>The default scheme: picks the bearer scheme or the cookie for each request (<see cref="SelectScheme"/>).</summary>
    public const string BearerOrSessionScheme = "BearerOrSession";

    /// <summary>
    /// <c>__Host-</c>: the browser keeps it only if Secure, Path=/ and without Domain, so it is never sent to another
    /// district's host (or set for ours by one).
    /// </summary>
    public const string CookieName = "__Host-lms.session";

    /// <summary>Host-only like the session cookie. No <c>__Host-</c> prefix: antiforgery insists on HTTPS for a Secure cookie, which a node behind a TLS-terminating proxy does not see.</summary>
    public const string AntiforgeryCookieName = "lms.af";

    public const string AntiforgeryFieldName = "__RequestVerificationToken";
    public const string AntiforgeryHeaderName = "RequestVerificationToken";

    const string StampClaim = "lms.stamp";
    const string SignedInAtClaim = "auth_time";

    /// <summary>
    /// The cookie scheme, the antiforgery cookie, the key ring in PostgreSQL, and <see cref="BearerOrSessionScheme"/>
    /// as the default scheme forwarding to <paramref name="bearerScheme"/> or the cookie.
    /// </summary>
    public static IServiceCollection AddBrowserSessions(this IServiceCollection services, IConfiguration configuration, string bearerScheme)
    {
        var keyRing = services.AddDataProtection().SetApplicationName("LmsCloud"); // fixed: every node, every release
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((keys, database) => keys.XmlRepository = new PostgresXmlRepository(database));
        var protection = configuration.GetSection("DataProtection").Get<DataProtectionSettings>();
        if (!string.IsNullOrEmpty(protection?.CertificatePath))
            keyRing.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(protection.CertificatePath, protection.CertificatePassword));

        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookieName;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = AntiforgeryFieldName;
            o.HeaderName = AntiforgeryHeaderName; // htmx sends the token as a header (../shared/design/WEB-UI.md)
        });

        services.AddAuthentication(o => o.DefaultScheme = BearerOrSessionScheme)
            .AddPolicyScheme(BearerOrSessionScheme, "Bearer token or browser session", o => o.ForwardDefaultSelector = http => SelectScheme(http, bearerScheme))
            .AddCookie(SchemeName, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.Path = "/";
                o.Cookie.Domain = null;
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ValidateAsync;
                // Pages redirect to the sign-in page and the 403 page; everything else gets problems, never redirects.
                o.Events.OnRedirectToLogin = c => LmsCloud.Web.WebExtensions.IsPageRequest(c.HttpContext)
                    ? RedirectAsync(c.HttpContext, $"{AccountEndpoints.SignInPath}?returnUrl={Uri.EscapeDataString(c.Request.PathBase + c.Request.Path + c.Request.QueryString)}")
                    : WriteProblemAsync(c.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized",
                    "Your session has ended. Sign in again.");
                o.Events.OnRedirectToAccessDenied = c => LmsCloud.Web.WebExtensions.IsPageRequest(c.HttpContext)
                    ? RedirectAsync(c.HttpContext, "/errors/forbidden")
                    : WriteProblemAsync(c.HttpContext, StatusCodes.Status403Forbidden, "Forbidden",
                    "Your role does not allow this.");
            });
        services.AddOptions<CookieAuthenticationOptions>(SchemeName)
            .Configure<IOptions<AuthOptions>>((cookie, auth) => cookie.ExpireTimeSpan = auth.Value.SessionIdleTimeout);
        return services;
    }

    /// <summary>
    /// An <c>Authorization: Bearer</c> header means an API client: the bearer scheme, whatever cookies come along. Else
    /// the session cookie, when there is one, or for a page request (a browser's GET of an unknown address meets the
    /// fallback policy, and the cookie's challenge sends it to sign in). Else the bearer scheme too, so an API call with
    /// neither is answered by its RFC 9457 401 challenge as before.
    /// </summary>
    public static string SelectScheme(HttpContext http, string bearerScheme) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? bearerScheme
        : http.Request.Cookies.ContainsKey(CookieName) || LmsCloud.Web.WebExtensions.IsPageRequest(http) ? SchemeName
        : bearerScheme;

    /// <summary>
    /// Signs the user in to a browser session of the current district: the one way a session starts (the sign-in form,
    /// and district SSO). The caller has checked the credentials; <paramref name="method"/> is the <c>amr</c> value.
    /// </summary>
    public static async Task SignInAsync(HttpContext http, User user, string method = "pwd", CancellationToken ct = default)
    {
        var db = http.RequestServices.GetRequiredService<LmsDbContext>();
        var roles = await db.UserRoles.Where(r => r.UserId == user.Id).Select(r => r.Role).ToListAsync(ct);
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        // Like the access token: sub, tid and roles, no names or emails; plus the stamp that ends the session.
        List<Claim> claims =
        [
            new("sub", user.Id.ToString()),
            new("tid", user.TenantId.ToString()),
            new(StampClaim, user.SecurityStamp),
            new(SignedInAtClaim, now.ToUnixTimeSeconds().ToString(), ClaimValueTypes.Integer64),
            new("amr", method),
            .. roles.Select(r => new Claim("role", r)),
        ];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, "sub", "role"));
        await http.SignInAsync(SchemeName, principal, new AuthenticationProperties { IsPersistent = false, AllowRefresh = true });
    }

    /// <summary>Ends the browser session, auditing <c>sign_out</c> for whoever it was (the sign-out form and OIDC end session).</summary>
    public static async Task SignOutAsync(HttpContext http, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        var session = await http.AuthenticateAsync(SchemeName);
        if (session.Succeeded && Guid.TryParse(session.Principal.FindFirst("sub")?.Value, out var userId))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await audit.WriteAsync(new AuditEntry("sign_out", "user", userId.ToString(), userId, Actor: AuditActor.User(userId)), ct);
            await tx.CommitAsync(ct);
        }
        await http.SignOutAsync(SchemeName);
    }

    /// <summary>
    /// On every request that carries the cookie: one primary-key read of the user (measured in docs/security.md).
    /// Refused when the cookie belongs to another district, is past its absolute lifetime, or the account changed
    /// since the sign-in (security stamp: password reset, lock, role change) or can no longer sign in.
    /// </summary>
    static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var district = http.RequestServices.GetRequiredService<IMultiTenantContextAccessor<District>>().MultiTenantContext.TenantInfo;
        if (district == null)
        {
            context.RejectPrincipal(); // an endpoint outside any district: no session there, but the cookie stays
            return;
        }
        var reason = await RefusalAsync(context.Principal!, district, http.RequestServices);
        if (reason == null) return;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrowserSessions))
            .LogInformation("Browser session refused: {Reason}", reason);
        context.RejectPrincipal();
        await http.SignOutAsync(SchemeName);
    }

    static async Task<string?> RefusalAsync(ClaimsPrincipal principal, District district, IServiceProvider services)
    {
        if (principal.FindFirstValue("tid") != district.Id) return "the session was issued for another district";
        var options = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!long.TryParse(principal.FindFirstValue(SignedInAtClaim), out var signedIn) ||
            DateTimeOffset.FromUnixTimeSeconds(signedIn) + options.SessionAbsoluteLifetime <= now)
            return "the session is past its absolute lifetime";
        var users = services.GetRequiredService<UserManager<User>>();
        var user = await users.FindByIdAsync(principal.FindFirstValue("sub") ?? "");
        // Not CanSignIn: that also needs a password, which a person signing in by district SSO may not have.
        if (user is not { Status: "active", EnabledUser: true }) return "the account is gone, disabled or dropped by the SIS";
        if (user.IsLocked(now)) return "the account is locked";
        if (user.SecurityStamp != principal.FindFirstValue(StampClaim)) return "the account changed since the sign-in";
        return null;
    }

    static Task RedirectAsync(HttpContext http, string location)
    {
        http.Response.Redirect(location);
        return Task.CompletedTask;
    }

    static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

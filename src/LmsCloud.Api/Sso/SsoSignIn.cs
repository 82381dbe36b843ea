using System.Security.Claims;
using LmsCloud.Core.Sso;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace LmsCloud.Api.Sso;

/// <summary>
/// The last step of a successful SSO sign-in: a browser session for the matched user.
///
/// INTERIM: the district's browser session (a <c>__Host-</c> cookie per district, branch <c>sessions</c>) is not on
/// main yet, so this signs in to a cookie scheme of its own, <see cref="SessionScheme"/>, that no endpoint accepts.
/// When the session lands: the body of <see cref="CompleteAsync"/> becomes
/// <c>BrowserSessions.SignInAsync(http, user, method: "sso", ct)</c>, the two constants point at
/// <c>BrowserSessions.SchemeName</c> and <c>BrowserSessions.CookieName</c> (the tests read them), and
/// <see cref="AddInterimSession"/> and its call in SsoExtensions go.
/// </summary>
public static class SsoSignIn
{
    public const string SessionScheme = "SsoInterimSession";
    public const string SessionCookieName = "lms_session";

    public static Task CompleteAsync(HttpContext http, User user, IdentityProvider provider, CancellationToken ct)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim("sub", user.Id.ToString()),
                new Claim("tid", user.TenantId.ToString()),
                new Claim("amr", "sso"),
                new Claim("idp", provider.Id.ToString()),
                .. user.Roles.Select(r => new Claim("role", r.Role)),
            ], SessionScheme, "sub", "role");
        return http.SignInAsync(SessionScheme, new ClaimsPrincipal(identity));
    }

    internal static void AddInterimSession(this IServiceCollection services) =>
        services.AddAuthentication().AddCookie(SessionScheme, cookie =>
        {
            cookie.Cookie.Name = SessionCookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
        });
}

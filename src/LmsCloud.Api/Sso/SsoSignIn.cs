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
/// main yet, so this signs in to a cookie scheme of its own, <see cref="InterimScheme"/>, that no endpoint accepts.
/// When the session lands, <see cref="CompleteAsync"/> becomes one call to it (e.g.
/// <c>BrowserSessions.SignInAsync(http, user, ...)</c>) and the interim scheme in SsoExtensions goes.
/// </summary>
public static class SsoSignIn
{
    public const string InterimScheme = "SsoInterimSession";
    public const string InterimCookieName = "lms_session";

    public static Task CompleteAsync(HttpContext http, User user, IdentityProvider provider)
    {
        var identity = new ClaimsIdentity(
            [
                new Claim("sub", user.Id.ToString()),
                new Claim("tid", user.TenantId.ToString()),
                new Claim("amr", "sso"),
                new Claim("idp", provider.Id.ToString()),
                .. user.Roles.Select(r => new Claim("role", r.Role)),
            ], InterimScheme, "sub", "role");
        return http.SignInAsync(InterimScheme, new ClaimsPrincipal(identity));
    }

    internal static void AddInterimSession(this IServiceCollection services) =>
        services.AddAuthentication().AddCookie(InterimScheme, cookie =>
        {
            cookie.Cookie.Name = InterimCookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
        });
}

using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace LmsCloud.Web;

/// <summary>The web application: Razor Pages in the API host, behind the same tenancy and authentication.</summary>
public static class WebExtensions
{
    /// <summary>Where <c>wwwroot</c> is served: outside any district, so the unknown-district page has its style too.</summary>
    public const string AssetsPath = "/static";

    /// <summary>Razor Pages; every page needs a browser session of <paramref name="sessionScheme"/> unless it allows anonymous.</summary>
    public static IServiceCollection AddLmsWeb(this IServiceCollection services, string sessionScheme)
    {
        services.AddRazorPages(o =>
        {
            // The session scheme, not the API's default (bearer or session): its challenge sends a page to sign-in.
            o.Conventions.AuthorizeFolder("/", WebPolicies.Session);
            o.Conventions.AllowAnonymousToPage("/Account/SignIn");
            o.Conventions.AllowAnonymousToPage("/Account/PasswordReset");
            o.Conventions.AllowAnonymousToFolder("/Errors");
            o.Conventions.AllowAnonymousToFolder("/Verify"); // certificate verification: public on the district's host
            // Administration is for district admins, the audit trail for them and compliance officers (as the API's policies).
            o.Conventions.AuthorizeFolder("/Admin", WebPolicies.DistrictAdmin);
            o.Conventions.AuthorizeFolder("/Imports", WebPolicies.DistrictAdmin);
            o.Conventions.AuthorizeFolder("/Audit", WebPolicies.AuditReader);
            // Compliance pages: officers act, district admins read (as the API's ComplianceReader); each action checks the officer role.
            o.Conventions.AuthorizeFolder("/Compliance", WebPolicies.ComplianceReader);
        });
        services.AddScoped<DistrictBranding>();
        services.AddScoped<Pages.Courses.CourseProgress>();
        services.AddScoped<Pages.Courses.Work.StudentWork>();
        services.AddSingleton(new WebSession(sessionScheme));
        services.AddAuthorizationBuilder()
            .AddPolicy(WebPolicies.Session, p => p.AddAuthenticationSchemes(sessionScheme).RequireAuthenticatedUser())
            .AddPolicy(WebPolicies.DistrictAdmin, p => p.AddAuthenticationSchemes(sessionScheme).RequireRole(Roles.DistrictAdmin))
            .AddPolicy(WebPolicies.AuditReader, p => p.AddAuthenticationSchemes(sessionScheme).RequireRole(Roles.DistrictAdmin, Roles.ComplianceOfficer))
            .AddPolicy(WebPolicies.ComplianceReader, p => p.AddAuthenticationSchemes(sessionScheme).RequireRole(Roles.DistrictAdmin, Roles.ComplianceOfficer));
        return services;
    }

    /// <summary>The vendored assets (htmx, the style sheet), from the assembly, at <see cref="AssetsPath"/>.</summary>
    public static IApplicationBuilder UseLmsWebAssets(this IApplicationBuilder app) => app.UseStaticFiles(new StaticFileOptions
    {
        FileProvider = new EmbeddedFileProvider(typeof(WebExtensions).Assembly, "LmsCloud.Web.wwwroot"),
        RequestPath = AssetsPath,
        OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "public, max-age=3600",
    });

    /// <summary>
    /// For <c>UseStatusCodePages</c>: a page request's empty error answer becomes a page ("Page not found" for a 404, the
    /// 403 page's redirect for a 403, a plain error page otherwise); every other empty error answer stays the RFC 9457
    /// problem document it was.
    /// </summary>
    public static async Task StatusCodePageAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        if (IsPageRequest(http))
        {
            var status = http.Response.StatusCode;
            if (status == StatusCodes.Status404NotFound) await ErrorPages.NotFoundAsync(http);
            else if (status == StatusCodes.Status403Forbidden) http.Response.Redirect("/errors/forbidden");
            else await ErrorPages.OtherErrorAsync(http, status);
            return;
        }
        // Results.Problem writes through the same service, and as JSON even when the client accepts only HTML (a
        // browser opening an /api address), which the service alone would answer with an empty body.
        await Results.Problem(statusCode: http.Response.StatusCode).ExecuteAsync(http);
    }

    public static IEndpointRouteBuilder MapLmsWeb(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        return app;
    }

    /// <summary>
    /// A request for a page, which gets HTML answers (a sign-in redirect, friendly error pages): a Razor page's endpoint,
    /// or no endpoint at all for a browser's GET outside <c>/api</c> and <c>/connect</c>. API and OAuth endpoints keep
    /// their RFC 9457 and RFC 6749 answers.
    /// </summary>
    public static bool IsPageRequest(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint != null) return endpoint.Metadata.GetMetadata<PageActionDescriptor>() != null;
        var path = http.Request.Path;
        return HttpMethods.IsGet(http.Request.Method)
            && !path.StartsWithSegments("/api") && !path.StartsWithSegments("/connect")
            && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether a browser posted this form (it accepts HTML), so failures go back to the page rather than as problems.</summary>
    public static bool FromBrowserForm(HttpContext http) =>
        http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The host's browser-session scheme, for a page that ends the session itself (the password change).</summary>
public sealed record WebSession(string Scheme);

public static class WebPolicies
{
    public const string Session = "web.session";
    public const string DistrictAdmin = "web.district-admin";
    public const string AuditReader = "web.audit-reader";
    public const string ComplianceReader = "web.compliance-reader";
}

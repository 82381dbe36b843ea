using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace LmsCloud.Web;

/// <summary>
/// The error pages that cannot be Razor pages: no district to render a layout for (an unknown host), or the request
/// failed before or while rendering (500). Static HTML with the site's style sheet; nothing from the failure itself.
/// </summary>
public static class ErrorPages
{
    public static Task UnknownDistrictAsync(HttpContext http, string host) => WriteAsync(http, StatusCodes.Status404NotFound,
        "District not found",
        $"<p>No school district answers at <strong>{HtmlEncoder.Default.Encode(host)}</strong>.</p><p>Check the address: each district has its own, such as <code>https://yourdistrict.example.org/</code>. Your school or district office can tell you yours.</p>");

    public static Task NotFoundAsync(HttpContext http) => WriteAsync(http, StatusCodes.Status404NotFound,
        "Page not found",
        "<p>There is no page at this address. Check the address, or start from the home page.</p><p><a href=\"/\">Go to the home page</a></p>");

    public static Task DistrictSuspendedAsync(HttpContext http, string districtName) => WriteAsync(http, StatusCodes.Status403Forbidden,
        "District unavailable",
        $"<p>The pages of <strong>{HtmlEncoder.Default.Encode(districtName)}</strong> are not available at the moment: the district's LmsCloud service is paused.</p><p>Nothing is wrong with your account. Your school or district office knows when it will be back.</p>");

    /// <summary>A rate limit refused the page (the certificate look-up): when to try again, nothing about the limit's key.</summary>
    public static Task TooManyRequestsAsync(HttpContext http, string retryAfterSeconds) => WriteAsync(http, StatusCodes.Status429TooManyRequests,
        "Too many look-ups",
        $"<p>This network has looked up many certificates in a short time. Wait {HtmlEncoder.Default.Encode(retryAfterSeconds)} seconds, then try again.</p><p><a href=\"/\">Go to the home page</a></p>");

    /// <summary>Any other error a page request meets with no body of its own (a refused form, a method not allowed).</summary>
    public static Task OtherErrorAsync(HttpContext http, int status) => WriteAsync(http, status,
        status == StatusCodes.Status400BadRequest ? "Request refused" : "This did not work",
        status == StatusCodes.Status400BadRequest
            ? "<p>The page could not accept what was sent, for example a form that was open too long or sent twice. Go back, reload the page and try again.</p><p><a href=\"/\">Go to the home page</a></p>"
            : $"<p>The page could not do this (error {status}). Go back and try again, or start from the home page.</p><p><a href=\"/\">Go to the home page</a></p>");

    public static Task ServerErrorAsync(HttpContext http) => WriteAsync(http, StatusCodes.Status500InternalServerError,
        "Something went wrong",
        "<p>We could not show this page. Nothing you did caused it, and the problem has been logged.</p><p><a href=\"/\">Go to the home page</a> or try again in a moment.</p>");

    static async Task WriteAsync(HttpContext http, int status, string title, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache, no-store";
        await http.Response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · LmsCloud</title><link rel="stylesheet" href="{WebExtensions.AssetsPath}/css/site.css"></head>
            <body><header class="site-header"><span class="brand">LmsCloud</span></header>
            <main id="main" class="content"><h1>{title}</h1>{body}</main></body></html>
            """);
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;

namespace LmsCloud.Web;

/// <summary>
/// <c>Server-Timing: app;dur=12.3</c> on every response: milliseconds from the start of the request (this middleware
/// runs first) until the response starts. How the pages' "under 100 ms" is measured (tests/LmsCloud.Benchmarks
/// <c>--pages</c>), and visible in a browser's developer tools. A duration only: nothing about the request or the server.
/// </summary>
public static class ServerTiming
{
    public const string HeaderName = "Server-Timing";

    public static IApplicationBuilder UseServerTiming(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var started = Stopwatch.GetTimestamp();
        http.Response.OnStarting(() =>
        {
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            http.Response.Headers[HeaderName] = "app;dur=" + ms.ToString("0.0", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        return next(http);
    });
}

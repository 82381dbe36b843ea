using System.Diagnostics;
using LmsCloud.Core.Tenancy;

namespace LmsCloud.Api.Http;

/// <summary>One structured log line per request, naming the district that served it.</summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var tenant = context.Features.Get<IMultiTenantContext<District>>()?.TenantInfo?.Slug ?? "-";
            logger.LogInformation("HTTP {Method} {Path} {StatusCode} in {ElapsedMs:0.0} ms tenant={Tenant}",
                context.Request.Method, context.Request.Path.Value, context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, tenant);
        }
    }
}

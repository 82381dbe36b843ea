using LmsCloud.Core.Tenancy;
namespace LmsCloud.Api.Tenancy;

/// <summary>Marks an endpoint that needs no district (health, OpenAPI, platform operations).</summary>
public sealed class ExcludeFromMultiTenantResolutionMetadata;

/// <summary>
/// Resolves the district from the host before authentication and sets it for the rest of the request. Unknown
/// district: 404; suspended district: 403; a page for page requests, otherwise as problem details.
/// </summary>
public sealed class MultiTenantMiddleware(RequestDelegate next, ILogger<MultiTenantMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context, ITenantResolver<District> resolver,
        IMultiTenantContextAccessor<District> accessor, IProblemDetailsService problems)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ExcludeFromMultiTenantResolutionMetadata>() != null)
        {
            await next(context);
            return;
        }

        var resolved = await resolver.ResolveAsync(context, context.RequestAborted);
        if (resolved.TenantInfo is not { } district)
        {
            if (LmsCloud.Web.WebExtensions.IsPageRequest(context))
            {
                await LmsCloud.Web.ErrorPages.UnknownDistrictAsync(context, HostStrategy.RawHost(context.Request));
                return;
            }
            await WriteProblemAsync(context, problems, StatusCodes.Status404NotFound, "Unknown district",
                $"No district answers at '{HostStrategy.RawHost(context.Request)}'. Districts are reached at https://{{district}}.<base domain>/.");
            return;
        }
        if (district.Status == DistrictStatus.Suspended)
        {
            if (LmsCloud.Web.WebExtensions.IsPageRequest(context))
            {
                await LmsCloud.Web.ErrorPages.DistrictSuspendedAsync(context, district.DisplayName);
                return;
            }
            await WriteProblemAsync(context, problems, StatusCodes.Status403Forbidden, "District suspended",
                $"The district '{district.Slug}' is suspended. Contact LmsCloud support.");
            return;
        }

        accessor.MultiTenantContext = resolved;
        context.Features.Set(resolved); // for the request log, which runs outside this middleware
        using (logger.BeginScope(new Dictionary<string, object> { ["Tenant"] = district.Slug, ["TenantId"] = district.TenantId }))
            await next(context);
    }

    static async Task WriteProblemAsync(HttpContext context, IProblemDetailsService problems, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}

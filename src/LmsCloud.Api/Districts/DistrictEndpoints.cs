using LmsCloud.Api.Auth;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Districts;

public sealed record DistrictResponse(string Slug, string DisplayName, string TimeZone, string Locale, string? BrandColor,
    SisImportSettings Import, DateTimeOffset UpdatedAt);

/// <summary>The import settings of a PUT; each one left out keeps its value.</summary>
public sealed record ImportSettingsRequest(string? Mode, double? DeletionThreshold, string? LocalEdits);

/// <summary>
/// Name, time zone and locale are required. <c>brandColor</c> and <c>import</c> may be left out (kept as they are);
/// <c>brandColor: ""</c> removes the colour.
/// </summary>
public sealed record UpdateDistrictRequest(string? DisplayName, string? TimeZone, string? Locale, string? BrandColor = null,
    ImportSettingsRequest? Import = null);

/// <summary><c>/api/district</c>: the profile of the district the host name names (logic in <see cref="DistrictSettings"/>).</summary>
public static class DistrictEndpoints
{
    public static IEndpointRouteBuilder MapDistrictEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/district").WithTags("District");
        group.MapGet("/", GetAsync).AllowAnonymous(); // public: the sign-in page shows the district's name
        group.MapPut("/", UpdateAsync).RequireAuthorization(Policies.DistrictAdmin);
        return app;
    }

    static async Task<Results<Ok<DistrictResponse>, NotFound>> GetAsync(
        DistrictSettings settings, IMultiTenantContextAccessor<District> tenant, CancellationToken ct) =>
        await settings.GetAsync(ct) is { } view ? TypedResults.Ok(ToResponse(view, tenant)) : TypedResults.NotFound();

    static async Task<Results<Ok<DistrictResponse>, ValidationProblem, NotFound>> UpdateAsync(
        UpdateDistrictRequest request, DistrictSettings settings, IMultiTenantContextAccessor<District> tenant, CancellationToken ct)
    {
        var outcome = await settings.UpdateAsync(new DistrictSettingsChange(request.DisplayName, request.TimeZone, request.Locale,
            request.BrandColor, request.Import?.Mode, request.Import?.DeletionThreshold, request.Import?.LocalEdits), ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        return outcome.Value is { } view ? TypedResults.Ok(ToResponse(view, tenant)) : TypedResults.NotFound();
    }

    static DistrictResponse ToResponse(DistrictSettingsView v, IMultiTenantContextAccessor<District> tenant) =>
        new(tenant.MultiTenantContext.TenantInfo!.Slug, v.DisplayName, v.TimeZone, v.Locale, v.BrandColor, v.Import, v.UpdatedAt);
}

using LmsCloud.Api.Auth;
using LmsCloud.Api.Rostering;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Districts;

public sealed record DistrictResponse(string Slug, string DisplayName, string TimeZone, string Locale, DateTimeOffset UpdatedAt);

public sealed record UpdateDistrictRequest(string? DisplayName, string? TimeZone, string? Locale);

/// <summary><c>/api/district</c>: the profile of the district the host name names.</summary>
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
        LmsDbContext db, IMultiTenantContextAccessor<District> tenant, CancellationToken ct)
    {
        var profile = await db.DistrictProfiles.AsNoTracking().SingleOrDefaultAsync(ct);
        return profile == null ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(profile, tenant));
    }

    static async Task<Results<Ok<DistrictResponse>, ValidationProblem, NotFound>> UpdateAsync(
        UpdateDistrictRequest request, LmsDbContext db, AuditLog audit, IMultiTenantContextAccessor<District> tenant,
        TimeProvider clock, NightlyImportTriggers nightlyImport, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (DistrictRules.CheckName(request.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        if (DistrictRules.CheckTimeZone(request.TimeZone) is { } zoneError) errors["timeZone"] = [zoneError];
        var locale = DistrictRules.CanonicalLocale(request.Locale);
        if (locale == null) errors["locale"] = [$"'{request.Locale}' is not a known locale such as en-US."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var profile = await db.DistrictProfiles.SingleOrDefaultAsync(ct);
        if (profile == null) return TypedResults.NotFound();
        var before = new { profile.DisplayName, profile.TimeZone, profile.Locale };
        profile.DisplayName = request.DisplayName!.Trim();
        profile.TimeZone = request.TimeZone!;
        profile.Locale = locale!;
        var after = new { profile.DisplayName, profile.TimeZone, profile.Locale };
        if (after != before)
        {
            profile.UpdatedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            await audit.WriteAsync(new AuditEntry("district.settings_changed", "district", profile.TenantId.ToString(),
                Before: before, After: after), ct);
            await tx.CommitAsync(ct);
            if (before.TimeZone != after.TimeZone) await nightlyImport.SyncAsync(db, ct); // the nightly import follows the district's clock
        }
        return TypedResults.Ok(ToResponse(profile, tenant));
    }

    static DistrictResponse ToResponse(DistrictProfile p, IMultiTenantContextAccessor<District> tenant) =>
        new(tenant.MultiTenantContext.TenantInfo!.Slug, p.DisplayName, p.TimeZone, p.Locale, p.UpdatedAt);
}

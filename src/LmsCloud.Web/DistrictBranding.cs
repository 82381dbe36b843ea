using System.Globalization;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web;

/// <summary>What the layout shows of the request's district: its name, language and brand colour, from its profile.</summary>
public sealed record DistrictLook(string Name, string Language, string TimeZone, string? BrandColor = null)
{
    /// <summary>An instant as the district reads it: in its time zone and its locale's format, with the offset (UTC-06:00).</summary>
    public string Format(DateTimeOffset instant)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var sign = local.Offset < TimeSpan.Zero ? "-" : "+";
        return $"{local.ToString("g", CultureInfo.GetCultureInfo(Language))} UTC{sign}{local.Offset:hh\\:mm}";
    }
}

/// <summary>The district's profile for the layout, read once per request.</summary>
public sealed class DistrictBranding(IMultiTenantContextAccessor<District> districts, LmsDbContext db)
{
    DistrictLook? _look;

    public async Task<DistrictLook> CurrentAsync()
    {
        if (_look != null) return _look;
        var district = districts.MultiTenantContext.TenantInfo;
        if (district == null) return _look = new("LmsCloud", "en", "UTC");
        var profile = await db.DistrictProfiles.AsNoTracking().SingleOrDefaultAsync();
        // The profile's locale (en-US) is also the page's language tag, which screen readers use to pick a voice.
        return _look = new(profile?.DisplayName is { Length: > 0 } name ? name : district.DisplayName, profile?.Locale ?? "en-US", profile?.TimeZone ?? "UTC",
            profile?.BrandColor);
    }
}

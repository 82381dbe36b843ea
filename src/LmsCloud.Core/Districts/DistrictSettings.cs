using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Core.Districts;

/// <summary>
/// The import settings the engine reads from <c>district_profiles.settings → sis</c> (RosterImporter.LoadSettingsAsync):
/// strict or lenient validation, the share of a district's people or enrollments an import may delete before it is held
/// for review, and whether the SIS or a local edit wins.
/// </summary>
public sealed record SisImportSettings(string Mode = "lenient", double DeletionThreshold = 0.10, string LocalEdits = "SisWins")
{
    public static readonly string[] Modes = ["strict", "lenient"];
    public static readonly string[] LocalEditPolicies = ["SisWins", "LocalWins"];
}

/// <summary>A district's settings as an admin sees and edits them.</summary>
public sealed record DistrictSettingsView(
    string DisplayName, string TimeZone, string Locale, string? BrandColor, SisImportSettings Import, DateTimeOffset UpdatedAt);

/// <summary>
/// A change of the district's settings. Name, time zone and locale are required (as <c>PUT /api/district</c> always
/// had them); a null brand colour or import field keeps its value, an empty brand colour removes it.
/// </summary>
public sealed record DistrictSettingsChange(
    string? DisplayName, string? TimeZone, string? Locale, string? BrandColor = null,
    string? ImportMode = null, double? DeletionThreshold = null, string? LocalEdits = null);

/// <summary>
/// Told when a district's time zone changed, inside the district's request, after the change is committed. The seam
/// exists because the nightly import's Quartz trigger lives in the API host (<c>NightlyImportTriggers</c>), while the
/// settings are changed from the API and the pages alike; hosts without a scheduler (lms) register none.
/// </summary>
public interface IDistrictTimeZoneFollower
{
    Task TimeZoneChangedAsync(LmsDbContext db, CancellationToken ct);
}

/// <summary>Reading and changing the current district's settings, audited, for <c>/api/district</c> and <c>/admin/district</c>.</summary>
public sealed class DistrictSettings(LmsDbContext db, AuditLog audit, TimeProvider clock, IEnumerable<IDistrictTimeZoneFollower> followers)
{
    public async Task<DistrictSettingsView?> GetAsync(CancellationToken ct = default)
    {
        var profile = await db.DistrictProfiles.AsNoTracking().SingleOrDefaultAsync(ct);
        return profile == null ? null : View(profile, await ReadImportAsync(ct));
    }

    public async Task<AdminOutcome<DistrictSettingsView>> UpdateAsync(DistrictSettingsChange change, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (DistrictRules.CheckName(change.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        if (DistrictRules.CheckTimeZone(change.TimeZone) is { } zoneError) errors["timeZone"] = [zoneError];
        var locale = DistrictRules.CanonicalLocale(change.Locale);
        if (locale == null) errors["locale"] = [$"'{change.Locale}' is not a known locale such as en-US."];
        string? brandColor = null;
        if (change.BrandColor is { Length: > 0 })
        {
            (brandColor, var colorError) = DistrictRules.CheckBrandColor(change.BrandColor);
            if (colorError != null) errors["brandColor"] = [colorError];
        }
        if (change.ImportMode != null && !SisImportSettings.Modes.Contains(change.ImportMode))
            errors["import.mode"] = [$"'{change.ImportMode}' is not an import mode: strict or lenient."];
        if (change.DeletionThreshold is { } threshold && !(threshold >= 0 && threshold <= 1))
            errors["import.deletionThreshold"] = ["The deletion threshold is a share from 0 to 1 (0% to 100%)."];
        if (change.LocalEdits != null && !SisImportSettings.LocalEditPolicies.Contains(change.LocalEdits))
            errors["import.localEdits"] = [$"'{change.LocalEdits}' is not a local-edit policy: SisWins or LocalWins."];
        if (errors.Count > 0) return new AdminOutcome<DistrictSettingsView>(null, errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var profile = await db.DistrictProfiles.FromSql($"select * from district_profiles for update").SingleOrDefaultAsync(ct);
        if (profile == null) return AdminOutcome<DistrictSettingsView>.Missing;
        var importBefore = await ReadImportAsync(ct);
        var importAfter = new SisImportSettings(change.ImportMode ?? importBefore.Mode, change.DeletionThreshold ?? importBefore.DeletionThreshold,
            change.LocalEdits ?? importBefore.LocalEdits);
        var before = Audited(profile, importBefore);
        profile.DisplayName = change.DisplayName!.Trim();
        profile.TimeZone = change.TimeZone!;
        profile.Locale = locale!;
        if (change.BrandColor != null) profile.BrandColor = brandColor;
        var after = Audited(profile, importAfter);
        if (after == before) return new(View(profile, importBefore));

        profile.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        if (importAfter != importBefore)
        {
            var sis = JsonSerializer.Serialize(new { mode = importAfter.Mode, deletionThreshold = importAfter.DeletionThreshold, localEdits = importAfter.LocalEdits });
            // Merged into what is there, so keys this page does not know survive.
            await db.Database.ExecuteSqlAsync(
                $$"""update district_profiles set settings = jsonb_set(settings, '{sis}', coalesce(settings -> 'sis', '{}') || {{sis}}::jsonb)""", ct);
        }
        await audit.WriteAsync(new AuditEntry("district.settings_changed", "district", profile.TenantId.ToString(), Before: before, After: after), ct);
        await tx.CommitAsync(ct);
        if (before.TimeZone != after.TimeZone) // the nightly import follows the district's clock
            foreach (var follower in followers) await follower.TimeZoneChangedAsync(db, ct);
        return new(View(profile, importAfter));
    }

    static DistrictSettingsView View(DistrictProfile p, SisImportSettings import) =>
        new(p.DisplayName, p.TimeZone, p.Locale, p.BrandColor, import, p.UpdatedAt);

    static AuditedSettings Audited(DistrictProfile p, SisImportSettings import) =>
        new(p.DisplayName, p.TimeZone, p.Locale, p.BrandColor, import.Mode, import.DeletionThreshold, import.LocalEdits);

    sealed record AuditedSettings(string DisplayName, string TimeZone, string Locale, string? BrandColor,
        string ImportMode, double DeletionThreshold, string LocalEdits);

    /// <summary>The same reading as the engine's: a missing value is its default.</summary>
    async Task<SisImportSettings> ReadImportAsync(CancellationToken ct)
    {
        var json = await db.Database.SqlQuery<string?>($"select (settings -> 'sis')::text as \"Value\" from district_profiles").SingleOrDefaultAsync(ct);
        var defaults = new SisImportSettings();
        if (json == null) return defaults;
        var root = JsonDocument.Parse(json).RootElement;
        return new SisImportSettings(
            root.TryGetProperty("mode", out var mode) && mode.GetString() == "strict" ? "strict" : "lenient",
            root.TryGetProperty("deletionThreshold", out var threshold) && threshold.ValueKind == JsonValueKind.Number ? threshold.GetDouble() : defaults.DeletionThreshold,
            root.TryGetProperty("localEdits", out var local) && local.GetString() == "LocalWins" ? "LocalWins" : "SisWins");
    }
}

public static class DistrictExtensions
{
    public static IServiceCollection AddDistricts(this IServiceCollection services) => services.AddScoped<DistrictSettings>();
}

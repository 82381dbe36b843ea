using System.Globalization;
using LmsCloud.Core.Database;

namespace LmsCloud.Core.Districts;

/// <summary>A district's own profile and settings (table <c>district_profiles</c>, one row per district).</summary>
public sealed class DistrictProfile : ITenantOwned
{
    public Guid TenantId { get; set; }
    public string DisplayName { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";
    public string Locale { get; set; } = "en-US";
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Rules shared by the API and the CLI for what a district may be called and where it is.</summary>
public static class DistrictRules
{
    public const int MaxNameLength = 200;

    /// <summary>Null when valid, else why not. Time zones are IANA names (<c>America/Chicago</c>) or UTC.</summary>
    public static string? CheckTimeZone(string? timeZone) =>
        !string.IsNullOrWhiteSpace(timeZone) && (timeZone == "UTC" || timeZone.Contains('/')) && !TextRules.HasControlCharacters(timeZone) &&
        TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _)
            ? null
            : $"'{timeZone}' is not an IANA time zone such as America/Chicago.";

    /// <summary>The canonical BCP 47 name of a known culture (<c>en-us</c> → <c>en-US</c>), or null.</summary>
    public static string? CanonicalLocale(string? locale)
    {
        if (string.IsNullOrWhiteSpace(locale) || TextRules.HasControlCharacters(locale)) return null; // ICU would read "en-US\0" as en-US
        try
        {
            var name = CultureInfo.GetCultureInfo(locale, predefinedOnly: true).Name;
            return name.Length == 0 ? null : name;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Null when valid, else why not. Names of districts, people and integration clients are one line of printable text.</summary>
    public static string? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength ? $"A name of 1 to {MaxNameLength} characters is required."
        : TextRules.HasControlCharacters(name) ? "A name may not contain control characters (such as NUL, tabs or line breaks)."
        : null;
}

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

    /// <summary><c>#rrggbb</c> (lower case) for the web layout's header, or null for the default palette.</summary>
    public string? BrandColor { get; set; }
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

    /// <summary>
    /// The canonical form (<c>#1d4ed8</c>) of a brand colour, or why it is refused: it must be <c>#rrggbb</c>, and white
    /// text on it (the page header) and it on white (links) need WCAG AA contrast, 4.5:1.
    /// </summary>
    public static (string? Color, string? Error) CheckBrandColor(string? color)
    {
        var value = color?.Trim().ToLowerInvariant();
        if (value is not { Length: 7 } || value[0] != '#' || !value[1..].All(Uri.IsHexDigit))
            return (null, $"'{color}' is not a colour of the form #rrggbb, such as #1d4ed8.");
        var ratio = ContrastWithWhite(value);
        return ratio < 4.5
            ? (null, $"{value} is too light: white text on it has a contrast of {ratio:0.0}:1, and at least 4.5:1 is needed (WCAG AA). Choose a darker colour.")
            : (value, null);
    }

    /// <summary>WCAG 2 contrast ratio of white against <c>#rrggbb</c>: (1 + 0.05) / (L + 0.05), L its relative luminance.</summary>
    public static double ContrastWithWhite(string color)
    {
        static double Channel(string hex)
        {
            var c = Convert.ToInt32(hex, 16) / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        var luminance = 0.2126 * Channel(color[1..3]) + 0.7152 * Channel(color[3..5]) + 0.0722 * Channel(color[5..7]);
        return 1.05 / (luminance + 0.05);
    }

    /// <summary>Null when valid, else why not. Names of districts, people and integration clients are one line of printable text.</summary>
    public static string? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength ? $"A name of 1 to {MaxNameLength} characters is required."
        : TextRules.HasControlCharacters(name) ? "A name may not contain control characters (such as NUL, tabs or line breaks)."
        : null;
}

using System.Globalization;
using LmsCloud.Core.Districts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Admin;

/// <summary>
/// District settings (<see cref="DistrictSettings"/>, as <c>PUT /api/district</c>): name, time zone, locale, brand colour
/// and the roster import settings. The deletion threshold is a share to the engine and a percent to people.
/// </summary>
public sealed class DistrictModel(DistrictSettings settings) : PageModel
{
    [BindProperty] public string? DisplayName { get; set; }
    [BindProperty] public string? TimeZone { get; set; }
    [BindProperty] public string? Locale { get; set; }
    [BindProperty] public string? BrandColor { get; set; }
    [BindProperty] public string? ImportMode { get; set; }
    [BindProperty] public string? DeletionPercent { get; set; }
    [BindProperty] public string? LocalEdits { get; set; }

    public bool Saved { get; private set; }
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>IANA names only (Linux lists them; "UTC" too), for the time zone's suggestions.</summary>
    public static readonly IReadOnlyList<string> TimeZones = TimeZoneInfo.GetSystemTimeZones()
        .Select(z => z.Id).Where(id => id == "UTC" || id.Contains('/')).Order(StringComparer.Ordinal).ToList();

    public static readonly IReadOnlyList<string> Locales = ["en-US", "en-GB", "es-US", "es-MX", "fr-CA", "zh-CN", "vi-VN"];

    public async Task<IActionResult> OnGetAsync(bool saved = false)
    {
        var view = await settings.GetAsync(HttpContext.RequestAborted);
        if (view == null) return NotFound();
        Saved = saved;
        Show(view);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        // Not a number: NaN, which the service refuses with the threshold's own message (and saves nothing).
        var threshold = double.TryParse(DeletionPercent?.Trim().TrimEnd('%'), NumberStyles.Float, CultureInfo.InvariantCulture, out var percent)
            ? percent / 100 : double.NaN;
        var outcome = await settings.UpdateAsync(new DistrictSettingsChange(DisplayName, TimeZone, Locale, BrandColor ?? "",
            ImportMode, threshold, LocalEdits), HttpContext.RequestAborted);
        if (outcome.Errors == null)
            return outcome.Value == null ? NotFound() : Redirect("/admin/district?saved=true"); // PRG: the next page shows the new name and colour
        Errors = outcome.Errors;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    void Show(DistrictSettingsView view)
    {
        DisplayName = view.DisplayName;
        TimeZone = view.TimeZone;
        Locale = view.Locale;
        BrandColor = view.BrandColor;
        ImportMode = view.Import.Mode;
        DeletionPercent = (view.Import.DeletionThreshold * 100).ToString("0.##", CultureInfo.InvariantCulture);
        LocalEdits = view.Import.LocalEdits;
        UpdatedAt = view.UpdatedAt;
    }

    /// <summary>The field's error messages, for the list and the field's description.</summary>
    public string[] ErrorsOf(string field) => Errors.TryGetValue(field, out var messages) ? messages : [];
}

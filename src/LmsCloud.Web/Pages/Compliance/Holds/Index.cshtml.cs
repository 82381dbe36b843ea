using System.Globalization;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Compliance.Holds;

/// <summary>
/// The district's legal holds, active and released, with what each covers in words. An officer finds the school, class
/// or person to hold by name (a GET search, so it works without script), places a hold with a reason and an optional end
/// day, and releases one with a reason; all through <see cref="LegalHolds"/>, which audits both. District admins read.
/// </summary>
public sealed class HoldsIndexModel(LegalHolds holds, LmsDbContext db, DistrictBranding branding) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? ScopeType { get; set; }
    [BindProperty(SupportsGet = true, Name = "q")] public string? Search { get; set; }

    public IReadOnlyList<LegalHoldView> Active { get; private set; } = [];
    public IReadOnlyList<LegalHoldView> Released { get; private set; } = [];
    public IReadOnlyDictionary<Guid, string> ScopeNames { get; private set; } = new Dictionary<Guid, string>();
    public IReadOnlyDictionary<Guid, string> People { get; private set; } = new Dictionary<Guid, string>();
    public IReadOnlyList<HoldScopeCandidate> Candidates { get; private set; } = [];
    public bool CanAct => User.IsInRole(Roles.ComplianceOfficer);
    public string? Message { get; private set; }
    /// <summary>Why the new hold was refused, by field (scopeType, scopeId, reason, until).</summary>
    public Dictionary<string, string> PlaceErrors { get; } = [];
    public (Guid HoldId, string Error)? ReleaseError { get; private set; }
    public string? Reason { get; private set; }
    public string? Until { get; private set; }
    public Guid? SelectedScopeId { get; private set; }

    public async Task OnGetAsync(string? done)
    {
        Message = done switch { "placed" => "The hold is placed: nothing it covers is erased or purged while it stands.", "released" => "The hold is released.", _ => null };
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostPlaceAsync(Guid? scopeId, string? reason, string? until)
    {
        if (!CanAct) return Forbid();
        Reason = reason;
        Until = until;
        SelectedScopeId = scopeId;
        DateTimeOffset? untilAt = null;
        if (!string.IsNullOrWhiteSpace(until))
        {
            if (DateOnly.TryParseExact(until.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                // Through the whole of that day in the district's time zone.
                var zone = TimeZoneInfo.TryFindSystemTimeZoneById((await branding.CurrentAsync()).TimeZone, out var found) ? found : TimeZoneInfo.Utc;
                var midnight = day.AddDays(1).ToDateTime(TimeOnly.MinValue);
                untilAt = new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).ToUniversalTime(); // Npgsql writes UTC only
            }
            else PlaceErrors["until"] = $"\"{until}\" is not a day; use the form 2027-06-30.";
        }
        if (PlaceErrors.Count == 0)
        {
            var outcome = await holds.TryPlaceAsync(new NewLegalHold(ScopeType, ScopeType == "district" ? null : scopeId, reason, untilAt),
                AuditLog.ActorOf(User), HttpContext.RequestAborted);
            if (outcome.Hold != null) return Redirect("/compliance/holds?done=placed"); // PRG
            PlaceErrors[outcome.Error!.Field ?? "reason"] = outcome.Error.Field == "scopeId" && scopeId == null
                ? $"Choose the {ScopeType} the hold covers: search by name and select one." : outcome.Error.Message;
        }
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostReleaseAsync(Guid holdId, string? reason)
    {
        if (!CanAct) return Forbid();
        var outcome = await holds.TryReleaseAsync(holdId, reason, AuditLog.ActorOf(User), HttpContext.RequestAborted);
        if (outcome.Hold != null) return Redirect("/compliance/holds?done=released");
        if (outcome.Error!.Kind == HoldErrorKind.NotFound) return NotFound();
        ReleaseError = (holdId, outcome.Error.Kind == HoldErrorKind.Validation && outcome.Error.Field == "reason" && string.IsNullOrWhiteSpace(reason)
            ? "Say why the hold is released." : outcome.Error.Message);
        Response.StatusCode = outcome.Error.Kind == HoldErrorKind.AlreadyReleased ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        ScopeType = LegalHolds.ScopeTypes.Contains(ScopeType?.Trim().ToLowerInvariant()) ? ScopeType!.Trim().ToLowerInvariant() : null;
        var all = await holds.ListAsync(ct: ct);
        Active = all.Where(h => h.Active).ToList();
        Released = all.Where(h => !h.Active).ToList();
        ScopeNames = await holds.ScopeNamesAsync(all, ct);
        var ids = all.SelectMany(h => new[] { h.CreatedBy, h.ReleasedBy }).OfType<Guid>().Distinct().ToList();
        People = await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        if (CanAct && ScopeType is "school" or "class" or "person" && !string.IsNullOrWhiteSpace(Search))
            Candidates = await holds.FindScopesAsync(ScopeType, Search, ct: ct);
    }

    /// <summary>What a hold covers, in words.</summary>
    public string Scope(LegalHoldView h) => h.ScopeType switch
    {
        "district" => "The whole district",
        _ => $"{char.ToUpperInvariant(h.ScopeType[0])}{h.ScopeType[1..]}: {(h.ScopeId is { } id && ScopeNames.TryGetValue(id, out var name) ? name : "(no longer in the district)")}",
    };

    public string Person(Guid? id) => id is { } i ? People.GetValueOrDefault(i) ?? "an operator or client" : "an operator or the platform";
}

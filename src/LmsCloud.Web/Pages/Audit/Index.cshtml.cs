using System.Globalization;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Audit;

/// <summary>
/// The district's audit trail, newest first: the filters of <c>GET /api/audit/events</c> (<see cref="AuditFilter"/>),
/// with people found by email and dates read as whole days in the district's time zone; paged by sequence (keyset:
/// <c>before</c> / <c>after</c>), so every page costs the same however deep; and the filtered events as CSV.
/// Reading the trail is not itself audited, as with the API.
/// </summary>
public sealed class AuditIndexModel(LmsDbContext db, DistrictBranding branding) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public string? Actor { get; set; }
    [BindProperty(SupportsGet = true)] public string? Subject { get; set; }
    [BindProperty(SupportsGet = true, Name = "action")] public string? ActionName { get; set; }
    [BindProperty(SupportsGet = true)] public string? Entity { get; set; }
    [BindProperty(SupportsGet = true)] public string? EntityId { get; set; }
    [BindProperty(SupportsGet = true)] public string? From { get; set; }
    [BindProperty(SupportsGet = true)] public string? To { get; set; }
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public long? After { get; set; }

    public List<AuditEventRecord> Events { get; } = [];
    public Dictionary<string, (string Name, string? Email)> People { get; private set; } = [];
    public List<string> Errors { get; } = [];
    public string TimeZone { get; private set; } = "UTC";
    public bool HasNewer { get; private set; }
    public bool HasOlder { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var filter = await FilterAsync(ct);
        if (filter == null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var events = db.AuditEvents.AsNoTracking();
        if (After is { } after)
        {
            // Back towards newer events: the next PageSize above "after", oldest first, shown newest first.
            var newer = await filter.Apply(events.Where(e => e.Seq > after), oldestFirst: true).Take(PageSize + 1).ToListAsync(ct);
            HasNewer = newer.Count > PageSize;
            Events.AddRange(newer.Take(PageSize).Reverse());
            HasOlder = await filter.Apply(events.Where(e => e.Seq <= after)).AnyAsync(ct);
        }
        else
        {
            var older = Before is { } before ? events.Where(e => e.Seq < before) : events;
            var page = await filter.Apply(older).Take(PageSize + 1).ToListAsync(ct);
            HasOlder = page.Count > PageSize;
            Events.AddRange(page.Take(PageSize));
            HasNewer = Before is { } b && await filter.Apply(events.Where(e => e.Seq >= b)).AnyAsync(ct);
        }
        People = await AuditQuery.PeopleAsync(db, Events, ct);
        return Page();
    }

    /// <summary>Every event the filters match (not only this page), streamed as CSV.</summary>
    public async Task<IActionResult> OnGetCsvAsync()
    {
        var ct = HttpContext.RequestAborted;
        var filter = await FilterAsync(ct);
        if (filter == null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = "attachment; filename=\"audit-events.csv\"";
        Response.Headers.CacheControl = "no-cache, no-store";
        await AuditCsv.WriteAsync(Response.Body, filter.Apply(db.AuditEvents.AsNoTracking()).AsAsyncEnumerable(), ct);
        return new EmptyResult();
    }

    /// <summary>The filter the fields describe, or null with <see cref="Errors"/> saying what to correct.</summary>
    async Task<AuditFilter?> FilterAsync(CancellationToken ct)
    {
        TimeZone = (await branding.CurrentAsync()).TimeZone;
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        string? actorId = null;
        if (Clean(Actor) is { } actor)
        {
            // A person by email, name or id; text naming nobody is an actor id as stored (a client id, an operator's name).
            var people = await AuditQuery.FindUsersAsync(db, actor, ct);
            actorId = people.Count switch
            {
                1 => people[0].ToString(),
                0 when !actor.Contains('@') => actor,
                _ => Unclear("Actor", actor, people.Count),
            };
        }
        Guid? subject = null;
        if (Clean(Subject) is { } subjectText)
        {
            var people = await AuditQuery.FindUsersAsync(db, subjectText, ct);
            if (people.Count == 1) subject = people[0];
            else Unclear("Subject", subjectText, people.Count);
        }
        var from = Day("From", From);
        var to = Day("To", To);
        var filter = new AuditFilter(actorId, subject, Clean(ActionName), Clean(Entity), Clean(EntityId),
            from is { } f ? AuditQuery.StartOfDay(f, zone) : null,
            to is { } t ? AuditQuery.StartOfDay(t.AddDays(1), zone) : null); // "to" is the whole of that day
        Errors.AddRange(filter.Validate().Values.SelectMany(m => m));
        return Errors.Count == 0 ? filter : null;
    }

    string? Unclear(string field, string text, int matches)
    {
        Errors.Add(matches == 0
            ? $"{field}: no user in this district has the email, name or id \"{text}\"."
            : $"{field}: several users are named \"{text}\"; use their email.");
        return null;
    }

    DateOnly? Day(string label, string? text)
    {
        if (Clean(text) is not { } day) return null;
        if (DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        Errors.Add($"{label}: \"{day}\" is not a date; use the form 2026-12-01.");
        return null;
    }

    static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>This list's address with the filters kept, another page or handler.</summary>
    public string Link(long? before = null, long? after = null, string? handler = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["handler"] = handler, ["actor"] = Clean(Actor), ["subject"] = Clean(Subject), ["action"] = Clean(ActionName),
            ["entity"] = Clean(Entity), ["entityId"] = Clean(EntityId), ["from"] = Clean(From), ["to"] = Clean(To),
            ["before"] = before?.ToString(CultureInfo.InvariantCulture), ["after"] = after?.ToString(CultureInfo.InvariantCulture),
        };
        return QueryHelpers.AddQueryString("/audit", query.Where(p => p.Value != null));
    }

    /// <summary>An actor or subject as a person reads it: the user's name and email when it is one of ours.</summary>
    public string Who(string? type, string? id)
    {
        if (id == null) return type ?? "";
        if (People.TryGetValue(id, out var person)) return person.Email is { } email ? $"{person.Name} ({email})" : person.Name;
        return type == null ? id : $"{type} {id}";
    }
}

using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Audit;

/// <summary>
/// Which audit events to read: the filters of <c>GET /api/audit/events</c> and of the audit page, checked and applied
/// in one place. Every filter is exact (they match the tenant-first indexes of migration 0004); <see cref="From"/> is
/// inclusive and <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditFilter(
    string? Actor = null, Guid? Subject = null, string? Action = null, string? EntityType = null, string? EntityId = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>Field errors for a 400 (empty when the filter is fine), keyed by the query parameter's name.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        // PostgreSQL text cannot hold NUL: the query would fail (SQLSTATE 22021) rather than match nothing.
        foreach (var (name, value) in new[] { ("actor", Actor), ("action", Action), ("entity", EntityType), ("entityId", EntityId) })
            if (value?.Contains('\0') == true) errors[name] = [$"{name} may not contain NUL (U+0000)."];
        if (From > To) errors["to"] = ["The end of the date range comes before its start."];
        return errors;
    }

    /// <summary>The matching events, newest first (or oldest first, for paging back towards newer events).</summary>
    public IQueryable<AuditEventRecord> Apply(IQueryable<AuditEventRecord> events, bool oldestFirst = false)
    {
        if (!string.IsNullOrEmpty(Actor)) events = events.Where(e => e.ActorId == Actor);
        if (Subject != null) events = events.Where(e => e.SubjectUserId == Subject);
        if (!string.IsNullOrEmpty(Action)) events = events.Where(e => e.Action == Action);
        if (!string.IsNullOrEmpty(EntityType)) events = events.Where(e => e.EntityType == EntityType);
        if (!string.IsNullOrEmpty(EntityId)) events = events.Where(e => e.EntityId == EntityId);
        // timestamptz parameters must be UTC (Npgsql refuses any other offset); 08:00-06:00 is the instant 14:00Z.
        if (From?.ToUniversalTime() is { } start) events = events.Where(e => e.OccurredAt >= start);
        if (To?.ToUniversalTime() is { } end) events = events.Where(e => e.OccurredAt < end);
        return oldestFirst ? events.OrderBy(e => e.Seq) : events.OrderByDescending(e => e.Seq);
    }
}

/// <summary>Reading the audit trail for people: dates in the district's time zone, people by email.</summary>
public static class AuditQuery
{
    /// <summary>The instant a calendar day starts in the zone (the first valid minute, where a clock change skips midnight).</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
    }

    /// <summary>
    /// The users a person's text names: a user id; an email address of this district (case-insensitive); or a display
    /// name, exactly but case-insensitively (several people may share one: the caller asks for the email then). At
    /// most two, which is enough to tell "one" from "several".
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> FindUsersAsync(LmsDbContext db, string text, CancellationToken ct)
    {
        text = text.Trim();
        if (Guid.TryParse(text, out var id)) return [id];
        if (text.Length == 0 || text.Contains('\0')) return [];
        var normalized = text.ToUpperInvariant();
        var byEmail = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).Take(2).ToListAsync(ct);
        if (byEmail.Count > 0 || text.Contains('@')) return byEmail;
        return await db.Users.Where(u => u.DisplayName.ToUpper() == normalized).OrderBy(u => u.Id).Select(u => u.Id).Take(2).ToListAsync(ct);
    }

    /// <summary>Who the people among these actor and subject ids are (name and email), for showing a page of events.</summary>
    public static async Task<Dictionary<string, (string Name, string? Email)>> PeopleAsync(LmsDbContext db,
        IEnumerable<AuditEventRecord> events, CancellationToken ct)
    {
        var ids = events.SelectMany(e => new[] { e.ActorType == "user" ? e.ActorId : null, e.SubjectUserId?.ToString() })
            .Select(s => Guid.TryParse(s, out var g) ? g : (Guid?)null).OfType<Guid>().Distinct().ToList();
        if (ids.Count == 0) return [];
        return await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id.ToString(), u => (u.DisplayName, u.Email), ct);
    }
}

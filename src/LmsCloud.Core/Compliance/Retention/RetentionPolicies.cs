using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Compliance.Retention;

/// <summary>One table's rule under the district's policy: the map's default, what applies now, and the floors.</summary>
public sealed record RetentionTableRule(string Table, string DefaultPeriod, string Period, string CountsFrom, IReadOnlyList<string> Floors);

/// <summary>A data category's policy: <see cref="Period"/> is the district's own (null: each table keeps the map's default).</summary>
public sealed record RetentionPolicyView(string Category, string? Period, IReadOnlyList<RetentionTableRule> Tables);

public sealed record PolicyOutcome(RetentionPolicyView? Policy, string? Error, string? Field = null, bool NotFound = false);

/// <summary>
/// The district's retention policy: per data category of the <see cref="DataMap"/>, an ISO-8601 period that replaces the
/// map's default of every table in that category (each still counting from its own event). Stored in
/// <c>district_profiles.settings.compliance.retention</c> (<c>{"ImportArtefacts": "P30D"}</c>); a period below any
/// table's floor is refused with the floor named (<see cref="RetentionRule.Check"/>). Changes are audited.
/// </summary>
public sealed class RetentionPolicies(LmsDbContext db, AuditLog audit)
{
    public static IReadOnlyList<DataCategory> Categories { get; } =
        DataMap.Entries.Select(e => e.Category).Distinct().ToList();

    /// <summary>The district's own periods, by category (categories it did not set are absent).</summary>
    public async Task<IReadOnlyDictionary<DataCategory, string>> OverridesAsync(CancellationToken ct = default)
    {
        var json = await db.Database.SqlQuery<string?>(
            $"select (settings #> '{{compliance,retention}}')::text as \"Value\" from district_profiles").SingleOrDefaultAsync(ct);
        var result = new Dictionary<DataCategory, string>();
        if (json == null) return result;
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return result;
        foreach (var p in doc.RootElement.EnumerateObject())
            if (Enum.TryParse<DataCategory>(p.Name, out var category) && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { } period &&
                IsoPeriod.TryParse(period, out _))
                result[category] = period;
        return result;
    }

    /// <summary>The period that applies to <paramref name="table"/> now: the district's for its category, else the map's default.</summary>
    public async Task<string> PeriodForAsync(string table, CancellationToken ct = default)
    {
        var entry = DataMap.Find(table) ?? throw new ArgumentException($"{table} is not in the data map.", nameof(table));
        return (await OverridesAsync(ct)).TryGetValue(entry.Category, out var period) ? period : entry.Retention.Period;
    }

    public async Task<IReadOnlyList<RetentionPolicyView>> ListAsync(CancellationToken ct = default)
    {
        var overrides = await OverridesAsync(ct);
        return Categories.Select(c => View(c, overrides.GetValueOrDefault(c))).ToList();
    }

    /// <summary>Sets (or, with a null period, resets to the map's defaults) a category's period.</summary>
    public async Task<PolicyOutcome> SetAsync(string? category, string? period, AuditActor actor, CancellationToken ct = default)
    {
        if (!Enum.TryParse<DataCategory>(category, ignoreCase: true, out var cat) || !Categories.Contains(cat))
            return new(null, $"No data category '{category}'; the categories are {string.Join(", ", Categories)}.", "category", NotFound: true);
        period = string.IsNullOrWhiteSpace(period) ? null : period.Trim().ToUpperInvariant();
        if (period != null)
            foreach (var entry in DataMap.Entries.Where(e => e.Category == cat))
                if (entry.Retention.Check(period) is { } problem)
                    return new(null, $"{problem} ({entry.Table})", "period");

        var before = (await OverridesAsync(ct)).GetValueOrDefault(cat);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var name = cat.ToString();
        await db.Database.ExecuteSqlAsync($$"""
            update district_profiles set settings = coalesce(settings, '{}'::jsonb) || jsonb_build_object('compliance',
              coalesce(settings -> 'compliance', '{}'::jsonb) || jsonb_build_object('retention',
                case when {{period}}::text is null then coalesce(settings #> '{compliance,retention}', '{}'::jsonb) - {{name}}::text
                     else coalesce(settings #> '{compliance,retention}', '{}'::jsonb) || jsonb_build_object({{name}}::text, {{period}}::text) end))
            """, ct);
        await audit.WriteAsync(new AuditEntry("retention_policy.updated", "retention_policy", name,
            Before: new { period = before }, After: new { period }, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new(View(cat, period), null);
    }

    static RetentionPolicyView View(DataCategory category, string? period) =>
        new(category.ToString(), period, DataMap.Entries.Where(e => e.Category == category).Select(e => new RetentionTableRule(
            e.Table, e.Retention.Period, period ?? e.Retention.Period, e.Retention.CountsFrom.ToString(),
            e.Retention.Floors.Select(f => f.Period == null ? $"{f.CountsFrom}: {f.Why}" : $"{f.Period} after {f.CountsFrom}: {f.Why}").ToList())).ToList());
}

using System.Text.Json;
using LmsCloud.Sis;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>A run's counts for one entity type as the pages show them; <see cref="Masked"/> when the reader may not see them.</summary>
public sealed record EntityCountsRow(string Entity, string Label, int Created, int Updated, int Deleted, int Revived, int Unchanged, int Invalid,
    bool Masked);

/// <summary>How the import pages word a run: statuses, entity names, counts and what applying it will change.</summary>
public static class ImportRunText
{
    public static string Status(string status) => status switch
    {
        RunStatus.Received => "Waiting to start",
        RunStatus.Validating => "Reading the package",
        RunStatus.Staged => "Comparing with the roster",
        RunStatus.Applying => "Applying the changes",
        RunStatus.Succeeded => "Succeeded",
        RunStatus.SucceededWithWarnings => "Succeeded with warnings",
        RunStatus.Failed => "Failed",
        RunStatus.Held => "Held for review",
        RunStatus.DryRun => "Dry run complete",
        _ => status,
    };

    public static string Phase(string? phase) => phase switch
    {
        "reading" => "Reading the files",
        "comparing" => "Comparing with the roster",
        "applying" => "Applying the changes",
        "done" => "Done",
        null or "" => "Not started",
        _ => phase,
    };

    public static string Trigger(string trigger) => trigger switch
    {
        ImportTrigger.Upload => "Upload",
        ImportTrigger.Schedule => "Nightly schedule",
        ImportTrigger.Cli => "Command line",
        ImportTrigger.Inbox => "Inbox",
        _ => trigger,
    };

    /// <summary>The engine's entity types in the order it imports them, with the words a person reads.</summary>
    static readonly (string Entity, string Label)[] Entities =
    [
        ("orgs", "organisations"), ("academicSessions", "academic sessions"), ("courses", "courses"), ("classes", "classes"),
        ("users", "users"), ("roles", "role memberships"), ("guardians", "guardian links"), ("enrollments", "enrollments"),
        ("demographics", "demographics records"),
    ];

    public static string EntityLabel(string entity) => Entities.FirstOrDefault(e => e.Entity == entity).Label ?? entity;

    /// <summary>The run's <c>counts</c> document, one row per entity type it has, in import order.</summary>
    public static List<EntityCountsRow> Counts(JsonElement counts)
    {
        var rows = new List<EntityCountsRow>();
        if (counts.ValueKind != JsonValueKind.Object) return rows;
        var known = Entities.Select(e => e.Entity).ToList();
        foreach (var property in counts.EnumerateObject().OrderBy(p => known.IndexOf(p.Name) is var i && i < 0 ? int.MaxValue : i))
        {
            var c = property.Value;
            if (c.ValueKind != JsonValueKind.Object) continue;
            int N(string name) => c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
            rows.Add(new EntityCountsRow(property.Name, EntityLabel(property.Name), N("created"), N("updated"), N("deleted"), N("revived"),
                N("unchanged"), N("invalid"), c.TryGetProperty("masked", out _)));
        }
        return rows;
    }

    /// <summary>"12 created, 40 updated, 3 deleted" over every entity type: the run list's summary.</summary>
    public static string Summary(JsonElement counts)
    {
        var rows = Counts(counts).Where(r => !r.Masked).ToList();
        if (rows.Count == 0) return "—";
        var parts = new List<string>();
        void Add(int n, string what) { if (n > 0) parts.Add($"{n:N0} {what}"); }
        Add(rows.Sum(r => r.Created), "created");
        Add(rows.Sum(r => r.Updated), "updated");
        Add(rows.Sum(r => r.Deleted), "deleted");
        Add(rows.Sum(r => r.Revived), "restored");
        return parts.Count == 0 ? "no changes" : string.Join(", ", parts);
    }

    /// <summary>
    /// What applying the run will change, from its counts: "This will create 12, update 40 and delete 300 users; create 4
    /// classes." The confirmation before the Apply button says it.
    /// </summary>
    public static string WhatApplyingChanges(JsonElement counts)
    {
        var sentences = new List<string>();
        foreach (var r in Counts(counts).Where(r => !r.Masked))
        {
            var verbs = new List<string>();
            if (r.Created > 0) verbs.Add($"create {r.Created:N0}");
            if (r.Updated > 0) verbs.Add($"update {r.Updated:N0}");
            if (r.Deleted > 0) verbs.Add($"delete {r.Deleted:N0}");
            if (r.Revived > 0) verbs.Add($"restore {r.Revived:N0}");
            if (verbs.Count == 0) continue;
            var joined = verbs.Count == 1 ? verbs[0] : string.Join(", ", verbs[..^1]) + " and " + verbs[^1];
            sentences.Add($"{joined} {r.Label}");
        }
        return sentences.Count == 0 ? "This changes nothing in the roster." : $"This will {string.Join("; ", sentences)}.";
    }
}

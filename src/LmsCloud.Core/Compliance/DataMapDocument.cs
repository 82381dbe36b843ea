using System.Text;

namespace LmsCloud.Core.Compliance;

/// <summary>
/// Renders the data map as <c>docs/data-map.md</c>: the district's written retention policy and data dictionary. A test
/// fails when the committed file differs; <c>LMS_WRITE_DATA_MAP=1 dotnet test --filter DataMap</c> rewrites it.
/// </summary>
public static class DataMapDocument
{
    public static string Render()
    {
        var md = new StringBuilder();
        md.AppendLine("# Data map: the personal data LmsCloud keeps, how it is exported, erased and retained");
        md.AppendLine();
        md.AppendLine("<!-- Generated from src/LmsCloud.Core/Compliance/DataMap.cs by DataMapDocument. Do not edit by hand: change the map and run");
        md.AppendLine("     LMS_WRITE_DATA_MAP=1 dotnet test tests/LmsCloud.Tests --filter DataMap -->");
        md.AppendLine();
        md.AppendLine("Every table that holds a person's data, with its data category, the columns an export contains (as JSON and as CSV, the");
        md.AppendLine("same columns in both), what is never exported and why, how one person's data is erased, and how long it is kept by");
        md.AppendLine("default. Retention periods are ISO-8601 durations counted from the event named; a floor is a minimum a district's own");
        md.AppendLine("policy cannot go below. How the map is kept complete: [compliance.md](compliance.md).");
        md.AppendLine();
        md.AppendLine("A table holds a person's data when a column is part of a foreign key to `users`, or is named " +
                      string.Join(", ", DataMap.PersonKeyNames.Select(n => $"`{n}`")) + ", or ends with " +
                      string.Join(" or ", DataMap.PersonKeySuffixes.Select(n => $"`{n}`")) + "; and `users` itself. `tenant_id` (the district) is " +
                      "in every table and in no export: the export's manifest names the district once.");
        md.AppendLine();
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine("| table | category | identifies the person | erasure | default retention | floor |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var e in DataMap.Entries)
            md.AppendLine($"| [`{e.Table}`](#{e.Table}) | {Category(e.Category)} | " +
                          (e.PersonKeys.Count == 0 ? "not by a key" : string.Join(", ", e.PersonKeys.Select(k => $"`{k.Column}`"))) +
                          $" | {Method(e.Erasure.Method)} | {e.Retention.Period} after {ShortEvent(e.Retention.CountsFrom)} | " +
                          (e.Retention.Floors.Length == 0 ? "—" : string.Join("; ", e.Retention.Floors.Select(f =>
                              f.Period == null ? $"not before {ShortEvent(f.CountsFrom)}" : $"{f.Period} after {ShortEvent(f.CountsFrom)}"))) + " |");
        md.AppendLine();

        foreach (var group in DataMap.Entries.GroupBy(e => e.Category))
        {
            md.AppendLine($"## {Category(group.Key)}");
            md.AppendLine();
            foreach (var e in group)
            {
                md.AppendLine($"### {e.Table}");
                md.AppendLine();
                md.AppendLine(e.Holds);
                md.AppendLine();
                md.AppendLine("- **Identifies the person:** " + (e.PersonKeys.Count == 0
                    ? "no column: rows are not attributable to one person, so they come only in a district export."
                    : string.Join("; ", e.PersonKeys.Select(k => $"`{k.Column}` ({k.Meaning}, {Kind(k.Kind)})")) +
                      (e.RowsWhere == null ? "." : $", in rows where `{e.RowsWhere}`.")));
                md.AppendLine("- **Exported:** " + string.Join(", ", e.Exported.Select(c => $"`{c}`")) + ".");
                if (e.Withheld.Count > 0)
                    md.AppendLine("- **Never exported:** " + string.Join("; ", e.Withheld.Select(w => $"`{w.Column}`: {w.Why.TrimEnd('.')}")) + ".");
                md.AppendLine($"- **Erasure ({Method(e.Erasure.Method)}):** {e.Erasure.How}" +
                              (e.Erasure.Replace is { Count: > 0 } replace
                                  ? " Columns: " + string.Join(", ", replace.Select(r => $"`{r.Key}` → `{r.Value}`")) + "."
                                  : ""));
                md.AppendLine($"- **Retention:** {e.Retention.Period} after {Event(e.Retention.CountsFrom)}" +
                              (e.Retention.Floors.Length == 0 ? "." : "; floor: " + string.Join("; ", e.Retention.Floors.Select(f => $"{Floor(f)} ({f.Why.TrimEnd('.')})")) + "."));
                md.AppendLine(e.Retention.NotPurgedByRuns is { } why ? $"- **Not purged by retention runs:** {why}" : "- **Purged by:** the nightly retention run.");
                md.AppendLine();
            }
        }

        md.AppendLine("## Tables outside the map");
        md.AppendLine();
        md.AppendLine("Platform tables, shared by every district, that hold no person's data:");
        md.AppendLine();
        foreach (var x in DataMap.Excluded)
            md.AppendLine($"- `{x.Table}`: {x.Why}");
        md.AppendLine();
        md.AppendLine("Tenant tables without a person key (schools, terms, courses, classes, identity providers, schedules, OpenIddict's");
        md.AppendLine("applications and scopes, the district's profile) are the district's own records, not a person's, and need no entry.");
        return md.ToString();
    }

    static string Floor(RetentionFloor f) => f.Period == null ? $"not before {Event(f.CountsFrom)}" : $"{f.Period} after {Event(f.CountsFrom)}";

    static string Category(DataCategory c) => c switch
    {
        DataCategory.ImportArtefacts => "Import artefacts",
        _ => c.ToString(),
    };

    static string Method(ErasureMethod m) => m switch
    {
        ErasureMethod.DeleteRows => "delete rows",
        ErasureMethod.Anonymise => "anonymise",
        ErasureMethod.Keep => "keep",
        ErasureMethod.ByRetentionOnly => "by retention only",
        _ => m.ToString(),
    };

    static string Kind(PersonKeyKind k) => k switch
    {
        PersonKeyKind.UserId => "our id",
        PersonKeyKind.UserIdText => "our id as text",
        PersonKeyKind.ActorRef => "`user:{id}`",
        PersonKeyKind.SourcedId => "SIS sourcedId",
        PersonKeyKind.ElsewhereId => "their id elsewhere",
        _ => k.ToString(),
    };

    /// <summary>The event in a word or two, for the summary table; <see cref="Event"/> says it in full below it.</summary>
    static string ShortEvent(RetentionEvent e) => e switch
    {
        RetentionEvent.PersonDeparted => "departure",
        RetentionEvent.EnrollmentEnded => "enrollment end",
        RetentionEvent.ImportRunFinished => "run finished",
        RetentionEvent.CredentialEnded => "expiry or revocation",
        RetentionEvent.Occurred => "the event",
        RetentionEvent.RequestClosed => "request closed",
        RetentionEvent.StudentRecordErased => "student record erased",
        _ => e.ToString(),
    };

    static string Event(RetentionEvent e) => e switch
    {
        RetentionEvent.PersonDeparted => "the person departed (tobedeleted in the SIS, or a local account disabled)",
        RetentionEvent.EnrollmentEnded => "the enrollment ended (its end date, else its class's last term)",
        RetentionEvent.ImportRunFinished => "the import run finished",
        RetentionEvent.CredentialEnded => "the credential expired or was revoked",
        RetentionEvent.Occurred => "the event",
        RetentionEvent.RequestClosed => "the request was closed",
        RetentionEvent.StudentRecordErased => "the student's record is erased",
        _ => e.ToString(),
    };
}

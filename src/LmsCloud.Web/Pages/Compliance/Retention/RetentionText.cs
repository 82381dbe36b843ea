using System.Globalization;
using System.Text.Json;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Retention;

namespace LmsCloud.Web.Pages.Compliance.Retention;

/// <summary>Retention periods, events, states and counts as the compliance pages word them.</summary>
public static class RetentionText
{
    /// <summary>"1 year 6 months", "90 days" for an ISO-8601 period; the text itself when it is not one.</summary>
    public static string PeriodInWords(string period)
    {
        if (!IsoPeriod.TryParse(period, out var p)) return period;
        var parts = new List<string>();
        if (p.Years > 0) parts.Add(Count(p.Years, "year"));
        if (p.Months > 0) parts.Add(Count(p.Months, "month"));
        if (p.Days > 0 || parts.Count == 0) parts.Add(Count(p.Days, "day"));
        return string.Join(" ", parts);
    }

    public static string EventInWords(string countsFrom) => Enum.TryParse<RetentionEvent>(countsFrom, out var e) ? e switch
    {
        RetentionEvent.PersonDeparted => "after the person departed (the SIS marked them tobedeleted)",
        RetentionEvent.EnrollmentEnded => "after the enrollment ended (its end date, else its class's last term)",
        RetentionEvent.ImportRunFinished => "after the import run finished",
        RetentionEvent.CredentialEnded => "after the token, link or credential expired or was revoked",
        RetentionEvent.Occurred => "after the event occurred",
        RetentionEvent.RequestClosed => "after the compliance request was closed",
        RetentionEvent.StudentRecordErased => "until the student's record is erased",
        _ => countsFrom,
    } : countsFrom;

    public static string StateInWords(string state) => state switch
    {
        RetentionRunStates.Reported => "Dry-run report, awaiting approval",
        RetentionRunStates.Approved => "Approved, waiting to run",
        RetentionRunStates.Running => "Running",
        RetentionRunStates.Completed => "Completed",
        RetentionRunStates.Failed => "Failed",
        RetentionRunStates.Cancelled => "Cancelled",
        _ => state,
    };

    public static string KindInWords(string kind) => kind switch
    {
        RetentionItemKinds.ImportPackage => "Import package",
        RetentionItemKinds.ImportRowErrors => "Import row errors",
        RetentionItemKinds.ImportChanges => "Import change list",
        RetentionItemKinds.ClassEnrollments => "Class enrollments",
        RetentionItemKinds.DepartedPerson => "Departed person",
        _ => kind,
    };

    public static string OutcomeInWords(string? outcome) => outcome switch
    {
        null => "Pending",
        RetentionOutcomes.Done => "Deleted",
        RetentionOutcomes.Skipped => "Skipped",
        RetentionOutcomes.Held => "Held",
        RetentionOutcomes.Failed => "Failed",
        _ => outcome,
    };

    /// <summary>A run's counts (<c>retention_runs.counts</c>) in one line: "3 items: 2 deleted, 1 held".</summary>
    public static string CountsSummary(string? countsJson)
    {
        if (string.IsNullOrEmpty(countsJson)) return "";
        using var doc = JsonDocument.Parse(countsJson);
        var c = doc.RootElement;
        long N(string name) => c.ValueKind == JsonValueKind.Object && c.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
        var parts = new List<string>();
        foreach (var (name, label) in new[] { ("done", "deleted"), ("skipped", "skipped"), ("held", "held"), ("failed", "failed"), ("pending", "pending") })
            if (N(name) > 0) parts.Add($"{N(name).ToString(CultureInfo.InvariantCulture)} {label}");
        var items = Count(N("items"), "item");
        return parts.Count == 0 ? items : $"{items}: {string.Join(", ", parts)}";
    }

    public static string Count(long n, string noun) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";
}

using CsvHelper;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>The grade history as CSV (RFC 4180; text a spreadsheet would run as a formula is escaped, as in the import errors CSV). The API's
/// <c>?format=csv</c> and the grade history page write the same file.</summary>
public static class GradeHistoryCsv
{
    static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    public static readonly string[] Columns =
        ["changed_at", "assignment_id", "assignment_title", "student_id", "student_name", "kind", "before", "after", "grader_id", "grader_name", "channel", "reason"];

    public static async Task WriteAsync(Stream body, IAsyncEnumerable<GradeHistoryEntry> entries, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(body, Options, leaveOpen: true);
        csv.WriteHeader(Columns);
        await foreach (var e in entries.WithCancellation(ct))
        {
            csv.WriteField(e.ChangedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            csv.WriteField(e.AssignmentId?.ToString());
            csv.WriteField(e.AssignmentTitle);
            csv.WriteField(e.StudentId?.ToString());
            csv.WriteField(e.StudentName);
            csv.WriteField(e.Kind);
            csv.WriteField(e.Before);
            csv.WriteField(e.After);
            csv.WriteField(e.GraderId?.ToString());
            csv.WriteField(e.GraderName);
            csv.WriteField(e.Channel);
            csv.WriteField(e.Reason);
            await csv.EndRecordAsync(ct);
        }
    }
}

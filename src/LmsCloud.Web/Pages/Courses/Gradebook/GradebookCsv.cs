using System.Globalization;
using System.Text;
using CsvHelper;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Shells;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>
/// The gradebook as CSV (RFC 4180, formula-like text escaped): <c>student_id, student_name</c>, one column per
/// assignment headed <c>Title [assignment id]</c> holding the entered points (EX excused, empty none), then the stored
/// course grade (<c>current, current_letter, final, final_letter</c>). The import reads the same layout back.
/// </summary>
public static class GradebookCsv
{
    static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { NewLine = "\r\n", Injection = CsvInjection.Escape };

    public static readonly string[] GradeColumns = ["current", "current_letter", "final", "final_letter"];

    /// <summary>Every student of the grid as filtered (one class, one group's columns, late or missing work), a page of the maximum size at a time.</summary>
    public static async Task<(IReadOnlyList<GradebookColumn> Columns, IReadOnlyList<GradebookRow> Rows)> AllRowsAsync(GradebookReading gradebook,
        ShellViewer viewer, Guid shellId, GradebookFilter filter, CancellationToken ct)
    {
        var first = await gradebook.GetAsync(viewer, shellId, filter, 1, GradebookReading.MaxPageSize, ct);
        var rows = new List<GradebookRow>(first.Students.Items);
        for (var p = 2; (long)(p - 1) * GradebookReading.MaxPageSize < first.Students.Total; p++)
            rows.AddRange((await gradebook.GetAsync(viewer, shellId, filter, p, GradebookReading.MaxPageSize, ct)).Students.Items);
        return (first.Assignments, rows);
    }

    public static string Header(GradebookColumn column) => $"{column.Title} [{column.Id}]";

    public static byte[] Write(IReadOnlyList<GradebookColumn> columns, IEnumerable<GradebookRow> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, Options, leaveOpen: true))
        {
            csv.WriteHeader(["student_id", "student_name", .. columns.Select(Header), .. GradeColumns]);
            foreach (var row in rows)
                csv.WriteRecord(
                [
                    row.StudentId.ToString(), row.Name, .. row.Cells.Select(GradebookText.Value),
                    row.Current?.ToString("0.00", CultureInfo.InvariantCulture), row.CurrentLetter,
                    row.Final?.ToString("0.00", CultureInfo.InvariantCulture), row.FinalLetter,
                ]);
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Submissions;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>A finding of the import preview: where (1-based line of the file, the column's header) and what.</summary>
public sealed record ImportFinding(int Line, string? Column, string Message, bool Error);

/// <summary>One score the import would change, with the row version the preview read (the apply sends it as If-Match).</summary>
public sealed record ImportChange(Guid StudentId, string StudentName, Guid AssignmentId, string AssignmentTitle, string Before, string After,
    int RowVersion, int Line)
{
    /// <summary>The change as the confirm form carries it: student|assignment|row version|value.</summary>
    public string Encoded => $"{StudentId}|{AssignmentId}|{RowVersion}|{After}";

    public static (Guid Student, Guid Assignment, int RowVersion, string Value)? Decode(string text) =>
        text.Split('|') is [var s, var a, var v, var value] && Guid.TryParse(s, out var student) && Guid.TryParse(a, out var assignment) &&
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? (student, assignment, version, value) : null;
}

public sealed record ImportPreview(IReadOnlyList<ImportChange> Changes, IReadOnlyList<ImportFinding> Findings, int Rows)
{
    public int ErrorRows => Findings.Where(f => f.Error).Select(f => f.Line).Distinct().Count();
}

/// <summary>
/// Reads a gradebook CSV (the export's layout: <c>student_id</c>, assignment columns headed <c>Title [id]</c> or by an
/// assignment's exact title, other columns ignored) against the grid as it is now, and says what would change. A row
/// with any error changes nothing; an empty field leaves the score as it is (the import never clears a score); EX
/// excuses. Nothing is written here: the confirm step applies the changes through <see cref="Grading"/>.
/// </summary>
public static partial class GradebookImport
{
    public const int MaxBytes = 2 * 1024 * 1024;
    public const int MaxChanges = 10_000;

    static readonly HashSet<string> Ignored = new(["student_name", .. GradebookCsv.GradeColumns], StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"\[([0-9a-fA-F-]{36})\]\s*$")]
    private static partial Regex IdSuffix();

    public static async Task<ImportPreview> PreviewAsync(Stream file, IReadOnlyList<GradebookColumn> columns, IReadOnlyList<GradebookRow> students,
        CancellationToken ct)
    {
        var findings = new List<ImportFinding>();
        var changes = new List<ImportChange>();
        await using var reader = CsvReader.Create(file, new CsvReaderOptions { Separator = ',', TrackLineNumbers = true });
        await reader.ReadHeaderAsync(ct);
        var headers = reader.Headers.Select((h, i) => i == 0 ? h.TrimStart('\uFEFF').Trim() : h.Trim()).ToList();
        var studentColumn = headers.FindIndex(h => string.Equals(h, "student_id", StringComparison.OrdinalIgnoreCase));
        if (studentColumn < 0)
            return new ImportPreview([], [new ImportFinding(1, null, "The header has no student_id column (export the gradebook to see the layout).", true)], 0);

        var bound = new List<(int Index, GradebookColumn Column)>();
        for (var i = 0; i < headers.Count; i++)
        {
            if (i == studentColumn || Ignored.Contains(headers[i])) continue;
            var byId = IdSuffix().Match(headers[i]) is { Success: true } m && Guid.TryParse(m.Groups[1].Value, out var id)
                ? columns.FirstOrDefault(c => c.Id == id) : null;
            var byTitle = columns.Where(c => string.Equals(c.Title, headers[i], StringComparison.Ordinal)).ToList();
            var column = byId ?? (byTitle.Count == 1 ? byTitle[0] : null);
            if (column == null)
                findings.Add(new ImportFinding(1, Name(headers[i], i), byTitle.Count > 1
                    ? "Several assignments have this title; head the column with its id as the export does. The column is ignored."
                    : "Not an assignment of this course; the column is ignored.", false));
            else if (bound.Any(b => b.Column.Id == column.Id))
                findings.Add(new ImportFinding(1, Name(headers[i], i), "This assignment has an earlier column; this one is ignored.", false));
            else bound.Add((i, column));
        }

        var byStudent = students.ToDictionary(s => s.StudentId);
        var indexOf = columns.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var seen = new HashSet<Guid>();
        var rows = 0;
        while (await reader.ReadAsync(ct))
        {
            var line = (int)reader.LineNumber;
            if (reader.FieldCount == 1 && reader.GetString(0).Trim().Length == 0) continue; // blank line
            rows++;
            var rowFindings = new List<ImportFinding>();
            var rowChanges = new List<ImportChange>();
            if (reader.FieldCount != headers.Count)
                rowFindings.Add(new ImportFinding(line, null, $"The row has {reader.FieldCount} fields; the header has {headers.Count}.", true));
            else if (!Guid.TryParse(reader.GetString(studentColumn).Trim(), out var studentId) || !byStudent.TryGetValue(studentId, out var student))
                rowFindings.Add(new ImportFinding(line, "student_id", "Not a student of this course.", true));
            else if (!seen.Add(studentId))
                rowFindings.Add(new ImportFinding(line, "student_id", "This student has an earlier row; this row is not used.", true));
            else
                foreach (var (index, column) in bound)
                {
                    var text = reader.GetString(index).Trim();
                    if (text.Length == 0) continue; // left as it is
                    var cell = student.Cells[indexOf[column.Id]];
                    var (request, error) = GradebookText.Parse(text, null);
                    if (request?.Score is { } s && decimal.Round(s, 2) != s) error = "A score has at most 2 decimals.";
                    if (error != null || request == null)
                    {
                        rowFindings.Add(new ImportFinding(line, Name(headers[index], index), $"'{Short(text)}': {error}", true));
                        continue;
                    }
                    var after = request.Excused == true ? GradebookText.Excused : GradebookText.Points(request.Score);
                    var before = GradebookText.Value(cell);
                    if (after != before)
                        rowChanges.Add(new ImportChange(student.StudentId, student.Name, column.Id, column.Title, before, after, cell.RowVersion, line));
                }
            findings.AddRange(rowFindings);
            if (rowFindings.Count == 0) changes.AddRange(rowChanges); // a row with an error changes nothing
        }
        if (changes.Count > MaxChanges)
            return new ImportPreview([], [.. findings, new ImportFinding(1, null, $"The file changes {changes.Count:N0} scores; at most {MaxChanges:N0} at a time.", true)], rows);
        return new ImportPreview(changes, findings, rows);
    }

    static string Name(string header, int index) => header.Length == 0 ? $"#{index + 1}" : header;

    static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

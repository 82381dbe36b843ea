using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>
/// Scores from a CSV, in two steps: upload → preview (<see cref="GradebookImport"/>: what would change, and each error
/// with its line and column; nothing is written) → confirm, which applies the previewed changes one by one through
/// <see cref="Grading"/> (channel import, the form's reason, If-Match the version the preview read, so a score someone
/// changed in between is refused and reported, not overwritten). Editors only.
/// </summary>
public sealed class ImportModel(GradebookReading gradebook, Grading grading) : PageModel
{
    public Guid ShellId { get; private set; }
    public ImportPreview? Preview { get; private set; }
    public string? Reason { get; private set; }
    public string? FileError { get; private set; }
    public int? Applied { get; private set; }
    public IReadOnlyList<(string What, string Why)> Refused { get; private set; } = [];

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        ShellId = id;
        return await LoadGridAsync(id) is { } refused ? StatusCode(refused) : Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(Guid id, IFormFile? file, string? reason)
    {
        ShellId = id;
        Reason = reason;
        if (await LoadGridAsync(id) is { } status) return StatusCode(status);
        if (file is not { Length: > 0 }) FileError = "Choose a CSV file.";
        else if (file.Length > GradebookImport.MaxBytes) FileError = "The file is larger than 2 MB; import fewer students at a time.";
        if (FileError != null) return Page();
        await using var content = file!.OpenReadStream();
        Preview = await GradebookImport.PreviewAsync(content, _columns, _rows, Ct);
        return Page();
    }

    public async Task<IActionResult> OnPostApplyAsync(Guid id, string[] change, string? reason)
    {
        ShellId = id;
        if (await LoadGridAsync(id) is { } status) return StatusCode(status);
        var refused = new List<(string, string)>();
        var applied = 0;
        foreach (var encoded in change.Take(GradebookImport.MaxChanges))
        {
            if (ImportChange.Decode(encoded) is not var (student, assignment, version, value)) continue;
            var what = $"{_rows.FirstOrDefault(r => r.StudentId == student)?.Name ?? student.ToString()}, " +
                       $"{_columns.FirstOrDefault(c => c.Id == assignment)?.Title ?? assignment.ToString()}";
            var (request, error) = GradebookText.Parse(value, reason);
            if (request == null) { refused.Add((what, error!)); continue; }
            try
            {
                await grading.GradeAsync(Viewer, assignment, student, request, SubmissionETag.Of(version), GradeChannel.Import, Ct);
                applied++;
            }
            catch (ShellRefusal r)
            {
                refused.Add((what, r.Status == 412 ? "Changed since the preview (by someone else or a new attempt); not overwritten." : r.Message));
            }
        }
        Applied = applied;
        Refused = refused;
        return Page();
    }

    IReadOnlyList<GradebookColumn> _columns = [];
    IReadOnlyList<GradebookRow> _rows = [];

    /// <summary>Every student's row; the refusal's status when the caller may not see the gradebook.</summary>
    async Task<int?> LoadGridAsync(Guid id)
    {
        try
        {
            (_columns, _rows) = await GradebookCsv.AllRowsAsync(gradebook, Viewer, id, new GradebookFilter(), Ct);
            return null;
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return r.Status; }
    }
}

using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>What one cell shows: the stored cell, and after a refused save what was typed, why, and whether a reason is asked for.</summary>
public sealed record GradebookCellState(Guid ShellId, GradebookColumn Column, GradebookRow Row, GradebookCell Cell, string? Typed = null,
    string? Message = null, bool NeedsReason = false, bool Saved = false)
{
    public string Id => $"cell-{Row.StudentId:N}-{Column.Id:N}";
    public string Value => Typed ?? GradebookText.Value(Cell);
}

public sealed record GroupOption(Guid Id, string Name);

/// <summary>
/// The teacher's gradebook grid (<see cref="GradebookReading"/>): a page of students × the shell's assignments, grouped
/// by assignment group, each row with the stored course grade. Every cell is a one-field form posting to the
/// <c>cell</c> handler, which grades through <see cref="Grading"/> with the cell's row version as If-Match. With htmx
/// the answer is the cell and the row's course grade (out of band); without JavaScript the form posts and the page
/// comes back (redirect on success, the page with the cell's message on a refusal). Editors only: anyone else gets the
/// friendly 403 or 404 page.
/// </summary>
public sealed class IndexModel(GradebookReading gradebook, Grading grading, LmsDbContext db) : PageModel
{
    public const int PageSize = 50;

    public GradebookPage Grid { get; private set; } = null!;
    public IReadOnlyList<ClassOption> Classes { get; private set; } = [];
    public IReadOnlyList<GroupOption> Groups { get; private set; } = [];
    public GradebookFilter Filter { get; private set; } = new();
    public Guid? ClassId => Filter.ClassId;
    public string? Message { get; private set; }

    /// <summary>A refused cell of a form post without JavaScript, shown in place of the stored cell.</summary>
    public GradebookCellState? Refused { get; private set; }

    public Pager Pager => new($"/courses/{Grid.ShellId}/gradebook", Grid.Students.Page, Grid.Students.PageSize, Grid.Students.Total, Filters);

    /// <summary>The filters as query-string values: the pager, the CSV link and a saved cell's redirect keep them.</summary>
    public Dictionary<string, string?> Filters => QueryOf(Filter);

    static Dictionary<string, string?> QueryOf(GradebookFilter f) => new()
    {
        ["classId"] = f.ClassId?.ToString(), ["groupId"] = f.GroupId?.ToString(), ["late"] = f.OnlyLateOrMissing ? "1" : null,
    };

    static string Query(GradebookFilter f, params (string Key, string? Value)[] more) =>
        QueryString.Create(QueryOf(f).Concat(more.Select(m => new KeyValuePair<string, string?>(m.Key, m.Value)))
            .Where(p => !string.IsNullOrEmpty(p.Value))).ToString();

    public string CsvUrl => $"/courses/{Grid.ShellId}/gradebook" + Query(Filter, ("handler", "csv"));

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    bool FromHtmx => Request.Headers["HX-Request"] == "true";

    public async Task<IActionResult> OnGetAsync(Guid id, Guid? classId, Guid? groupId, string? late, int? page, string? saved)
    {
        if (await LoadAsync(id, new GradebookFilter(classId, groupId, late == "1"), page ?? 1) is { } refused) return refused;
        Message = saved == "1" ? "The grade is saved." : null;
        return Page();
    }

    public GradebookCellState CellOf(GradebookRow row, int index)
    {
        var (column, cell) = (Grid.Assignments[index], row.Cells[index]);
        return Refused is { } r && r.Row.StudentId == row.StudentId && r.Column.Id == column.Id ? r : new GradebookCellState(Grid.ShellId, column, row, cell);
    }

    /// <summary>One cell's grade: <paramref name="value"/> as typed (points, EX, empty), <paramref name="rowVersion"/> as read.</summary>
    public async Task<IActionResult> OnPostCellAsync(Guid id, Guid studentId, Guid assignmentId, int rowVersion, string? value, string? reason,
        Guid? classId, Guid? groupId, string? late, int? page)
    {
        var filter = new GradebookFilter(classId, groupId, late == "1");
        var (request, error) = GradebookText.Parse(value, reason);
        string? message = error;
        var needsReason = false;
        var stale = false;
        if (request != null)
        {
            try
            {
                await grading.GradeAsync(Viewer, assignmentId, studentId, request, SubmissionETag.Of(rowVersion), GradeChannel.Web, Ct);
            }
            catch (ShellRefusal r) when (r.Status is 404 or 403)
            {
                return StatusCode(r.Status);
            }
            catch (ShellRefusal r) when (r.Status == 412)
            {
                stale = true;
                message = "Someone else changed this grade after you opened the page. It now shows their value; enter yours again to replace it.";
            }
            catch (ShellRefusal r) when (r.Status == 400 && r.Errors?.ContainsKey("reason") == true)
            {
                needsReason = true;
                message = r.Message + (string.IsNullOrWhiteSpace(reason) ? " Give a reason and save again." : "");
            }
            catch (ShellRefusal r)
            {
                message = r.Message; // 400 score, 409 a closed grading period or an archived course
            }
        }

        if (!FromHtmx)
        {
            if (message == null) return Redirect($"/courses/{id}/gradebook" + Query(filter, ("saved", "1"), ("page", page is > 1 ? page.ToString() : null)));
            if (await LoadAsync(id, filter, page ?? 1) is { } refusedPage) return refusedPage;
        }
        var (columns, row) = await gradebook.RowAsync(Viewer, id, studentId, Ct);
        var index = columns.ToList().FindIndex(c => c.Id == assignmentId);
        if (row == null || index < 0) return NotFound();
        var state = new GradebookCellState(id, columns[index], row, row.Cells[index], stale || message == null ? null : value, message, needsReason,
            Saved: message == null);
        if (!FromHtmx)
        {
            Refused = state;
            return Page();
        }
        return Partial("_CellSaved", state);
    }

    /// <summary>The whole grid as CSV: every student (all pages), one column per assignment, then the course grade.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id, Guid? classId, Guid? groupId, string? late)
    {
        try
        {
            var (columns, rows) = await GradebookCsv.AllRowsAsync(gradebook, Viewer, id, new GradebookFilter(classId, groupId, late == "1"), Ct);
            var bytes = GradebookCsv.Write(columns, rows);
            return File(bytes, "text/csv; charset=utf-8", $"gradebook-{id}.csv");
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
    }

    async Task<IActionResult?> LoadAsync(Guid id, GradebookFilter filter, int page)
    {
        try
        {
            Grid = await gradebook.GetAsync(Viewer, id, filter, Math.Max(1, page), PageSize, Ct);
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        Classes = await (from l in db.Set<CourseShellClass>()
                         join c in db.RosterClasses on l.ClassId equals c.Id
                         where l.ShellId == id
                         orderby c.Title, c.Id
                         select new ClassOption(c.Id, c.Title)).ToListAsync(Ct);
        Groups = await db.Database.SqlQuery<GroupOption>($"""
            select id as "Id", name as "Name" from assignment_groups where shell_id = {id} order by position, id
            """).ToListAsync(Ct);
        Filter = filter;
        return null;
    }
}

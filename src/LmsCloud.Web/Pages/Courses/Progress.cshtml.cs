using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// The class progress view (<see cref="ClassProgress"/>): every enrolled student × the required items, sortable by the
/// column links and filterable by class for a merged course. Editors only: anyone else gets the 404 page.
/// </summary>
public sealed class ProgressModel(ClassProgress progress) : PageModel
{
    public ClassProgressResponse Progress { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid? classId, string? sort, bool desc)
    {
        var key = Enum.TryParse<ClassProgressSort>(sort, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : ClassProgressSort.Name;
        try { Progress = await progress.ForShellAsync(ShellViewer.From(User), id, new ClassProgressQuery(classId, key, desc), HttpContext.RequestAborted); }
        catch (ShellRefusal r) when (r.Status == 404) { return NotFound(); }
        catch (ShellRefusal r) when (r.Status == 400) { return Redirect($"/courses/{id}/progress"); } // a class no longer in the course
        return Page();
    }

    /// <summary>The link a column header sorts by: the same key again flips the order.</summary>
    public string SortUrl(ClassProgressSort key)
    {
        var desc = Progress.Sort == key ? !Progress.Descending : key != ClassProgressSort.Name;
        var q = $"?sort={key.ToString().ToLowerInvariant()}&desc={desc.ToString().ToLowerInvariant()}";
        return $"/courses/{Progress.ShellId}/progress{q}" + (Progress.ClassId is { } c ? $"&classId={c}" : "");
    }

    public string? AriaSort(ClassProgressSort key) =>
        Progress.Sort == key ? (Progress.Descending ? "descending" : "ascending") : null;
}

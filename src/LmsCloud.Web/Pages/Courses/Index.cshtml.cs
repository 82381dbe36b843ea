using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// "My courses": the course shells the person may read, as <c>GET /api/shells</c> lists them (<see cref="ShellAccess"/>
/// decides: a teacher's own, a student's published enrolled ones, a guardian's children's, an admin's).
/// </summary>
public sealed class IndexModel(ShellReading reading) : PageModel
{
    public const int PageSize = 50;
    public PagedList<ShellSummary> Shells { get; private set; } = null!;
    public Pager Pager => new("/courses", Shells.Page, Shells.PageSize, Shells.Total, new Dictionary<string, string?>());

    public async Task OnGetAsync(int page = 1)
    {
        Shells = await reading.ListAsync(ShellViewer.From(User), null, Math.Max(page, 1), PageSize, HttpContext.RequestAborted);
    }
}

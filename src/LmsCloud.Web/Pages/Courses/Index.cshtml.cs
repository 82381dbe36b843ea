using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// "My courses": the course shells the person may read, as <c>GET /api/shells</c> lists them (<see cref="ShellAccess"/>
/// decides: a teacher's own, a student's published enrolled ones, a guardian's children's, an admin's).
/// </summary>
public sealed class IndexModel(ShellReading reading, CourseProgress progress) : PageModel
{
    public const int PageSize = 50;
    public PagedList<ShellSummary> Shells { get; private set; } = null!;
    public Pager Pager => new("/courses", Shells.Page, Shells.PageSize, Shells.Total, new Dictionary<string, string?>());

    /// <summary>A student's standing per listed course (two queries for the page); empty for anyone else.</summary>
    public IReadOnlyDictionary<Guid, CourseStanding> Standings { get; private set; } = new Dictionary<Guid, CourseStanding>();

    public async Task OnGetAsync(int page = 1)
    {
        var viewer = ShellViewer.From(User);
        Shells = await reading.ListAsync(viewer, null, Math.Max(page, 1), PageSize, HttpContext.RequestAborted);
        if (viewer.Is(LmsCloud.Core.Users.Roles.Student) && viewer.PersonId is { } me && Shells.Items.Count > 0)
            Standings = await progress.StandingsAsync(me, Shells.Items.Select(s => (s.Id, s.RequiredItemCount)).ToList(), HttpContext.RequestAborted);
    }
}

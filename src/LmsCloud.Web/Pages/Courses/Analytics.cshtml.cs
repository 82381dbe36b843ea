using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>Course analytics for its editors (<see cref="CourseAnalytics"/>): the course's numbers, the item funnel, who never started.</summary>
public sealed class AnalyticsModel(CourseAnalytics analytics) : PageModel
{
    public CourseAnalyticsResponse Analytics { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        try { Analytics = await analytics.ForShellAsync(ShellViewer.From(User), id, HttpContext.RequestAborted); }
        catch (ShellRefusal r) when (r.Status == 404) { return NotFound(); }
        return Page();
    }
}

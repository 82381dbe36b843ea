using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Analytics;

/// <summary>
/// The district view (<see cref="DistrictAnalytics"/>): one row per school in the viewer's scope (district admins all,
/// school admins theirs), and with <c>?school=</c> that school's published courses, paged and sortable.
/// </summary>
[Authorize(Roles = $"{Roles.DistrictAdmin},{Roles.SchoolAdmin}")]
public sealed class IndexModel(DistrictAnalytics analytics) : PageModel
{
    const int PageSize = 25;

    public DistrictAnalyticsResponse District { get; private set; } = null!;
    public SchoolShellsResponse? School { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? school, int page = 1, string? sort = null, bool desc = false)
    {
        var viewer = ShellViewer.From(User);
        var ct = HttpContext.RequestAborted;
        District = await analytics.SchoolsAsync(viewer, ct);
        if (school is { } id)
        {
            var key = Enum.TryParse<ShellAnalyticsSort>(sort, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : ShellAnalyticsSort.Title;
            try { School = await analytics.SchoolShellsAsync(viewer, id, Math.Max(page, 1), PageSize, key, desc, ct); }
            catch (ShellRefusal r) when (r.Status == 404) { return NotFound(); }
        }
        return Page();
    }

    public Pager Pager => new("/analytics", School!.Shells.Page, School.Shells.PageSize, School.Shells.Total, new Dictionary<string, string?>
    {
        ["school"] = School.SchoolId.ToString(), ["sort"] = School.Sort.ToString().ToLowerInvariant(), ["desc"] = School.Descending ? "true" : null,
    });

    public string SortUrl(ShellAnalyticsSort key)
    {
        var desc = School!.Sort == key ? !School.Descending : key != ShellAnalyticsSort.Title;
        return $"/analytics?school={School.SchoolId}&sort={key.ToString().ToLowerInvariant()}&desc={desc.ToString().ToLowerInvariant()}";
    }

    public string? AriaSort(ShellAnalyticsSort key) => School!.Sort == key ? (School.Descending ? "descending" : "ascending") : null;
}

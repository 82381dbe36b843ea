using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>Words for the course pages, and how a page answers a refusal of the learning services.</summary>
public static class CourseText
{
    public static string Kind(string kind) => kind switch
    {
        ContentKind.Lesson => "Lesson",
        ContentKind.Link => "Link",
        ContentKind.File => "File",
        ContentKind.Assignment => "Assignment",
        ContentKind.Quiz => "Quiz",
        _ => kind,
    };

    public static string Status(string status) => status switch
    {
        ShellStatus.Draft => "Draft",
        ShellStatus.Published => "Published",
        ShellStatus.Archived => "Archived",
        _ => status,
    };

    /// <summary>
    /// The unlock date is shown as "Opens on" in the district's time (the page's <c>local-time</c>), not as LockRules'
    /// UTC sentence; any other lock reason (prerequisites, sequence) is LockRules' own.
    /// </summary>
    public static bool LockedByDate(DateTimeOffset? unlockAt, bool? locked) => locked == true && unlockAt is { } at && at > DateTimeOffset.UtcNow;

    /// <summary>
    /// A refusal as a page answer: 404 and 403 as the error pages, anything else (bad input 400, an archived course 409)
    /// as the page again with the message, which <paramref name="show"/> puts where the page shows it.
    /// </summary>
    public static async Task<IActionResult> RefusedAsync(PageModel page, ShellRefusal refusal, Func<Task<bool>> reload, Action show)
    {
        if (refusal.Status == StatusCodes.Status404NotFound) return page.NotFound();
        if (refusal.Status == StatusCodes.Status403Forbidden) return page.Forbid();
        if (!await reload()) return page.NotFound();
        show();
        page.Response.StatusCode = refusal.Status;
        return page.Page();
    }

    /// <summary>The first field message of a refusal, or its detail.</summary>
    public static string Message(ShellRefusal refusal) => refusal.Errors?.Values.FirstOrDefault()?.FirstOrDefault() ?? refusal.Message;
}

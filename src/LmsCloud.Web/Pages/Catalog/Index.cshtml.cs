using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Web.Pages.Courses;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Catalog;

/// <summary>
/// The course catalog for everyone of a course's audience (<see cref="CatalogService"/> decides who sees what): search,
/// tag filter, "My bookmarks", cards with seats left and the rating, enrol / join the waitlist / withdraw, bookmark, and
/// a review form once enrolled. Every POST redirects back with what it did (PRG) or shows the refusal on the page.
/// </summary>
public sealed class IndexModel(CatalogService catalog) : PageModel
{
    public const int PageSize = 20;
    public PagedList<CatalogCourse> Courses { get; private set; } = null!;
    public IReadOnlyList<string> Tags { get; private set; } = [];
    public string? Q { get; private set; }
    public string? Tag { get; private set; }
    public bool Mine { get; private set; }
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    public Pager Pager => new("/catalog", Courses.Page, Courses.PageSize, Courses.Total,
        new Dictionary<string, string?> { ["q"] = Q, ["tag"] = Tag, ["mine"] = Mine ? "true" : null });

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(string? q, string? tag, bool mine, string? done, int page = 1)
    {
        await LoadAsync(q, tag, mine, page);
        Message = done switch
        {
            "enrolled" => "You are enrolled. The course is now in My courses.",
            "waitlisted" => "The course is full: you are on its waitlist, and get a seat when one frees up.",
            "withdrawn" => "You have withdrawn from the course.",
            "saved" => "Saved to My bookmarks.",
            "unsaved" => "Removed from My bookmarks.",
            "reviewed" => "Thank you: your review is saved.",
            _ => null,
        };
        return Page();
    }

    public Task<IActionResult> OnPostEnrolAsync(Guid shellId, string? q, string? tag, bool mine) =>
        RunAsync(q, tag, mine, async () => (await catalog.EnrolAsync(Viewer, shellId, Ct)).MyState!);

    public Task<IActionResult> OnPostWithdrawAsync(Guid shellId, string? q, string? tag, bool mine) =>
        RunAsync(q, tag, mine, async () => { await catalog.WithdrawAsync(Viewer, shellId, Ct); return "withdrawn"; });

    public Task<IActionResult> OnPostBookmarkAsync(Guid shellId, bool saved, string? q, string? tag, bool mine) =>
        RunAsync(q, tag, mine, async () => { await catalog.BookmarkAsync(Viewer, shellId, saved, Ct); return saved ? "saved" : "unsaved"; });

    public Task<IActionResult> OnPostReviewAsync(Guid shellId, int? rating, string? body, string? q, string? tag, bool mine) =>
        RunAsync(q, tag, mine, async () => { await catalog.ReviewAsync(Viewer, shellId, new CatalogReviewInput(rating, body), Ct); return "reviewed"; });

    async Task<IActionResult> RunAsync(string? q, string? tag, bool mine, Func<Task<string>> write)
    {
        try
        {
            var done = await write();
            return Redirect(QueryString.Create(new Dictionary<string, string?> { ["q"] = q, ["tag"] = tag, ["mine"] = mine ? "true" : null, ["done"] = done }
                .Where(p => !string.IsNullOrEmpty(p.Value))) is var query ? "/catalog" + query : "/catalog");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => { await LoadAsync(q, tag, mine, 1); return true; },
                () => Refusal = CourseText.Message(refusal));
        }
    }

    async Task LoadAsync(string? q, string? tag, bool mine, int page)
    {
        (Q, Tag, Mine) = (q, string.IsNullOrWhiteSpace(tag) ? null : tag, mine);
        Courses = await catalog.SearchAsync(Viewer, q, Tag, mine, Math.Max(page, 1), PageSize, Ct);
        Tags = await catalog.TagsAsync(Viewer, Ct);
    }
}

using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Web.Pages.Courses;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Catalog;

/// <summary>
/// Catalog management for district admins (every course) and school admins (their schools'): list a published course
/// with its audience, tags, seat limit, enrolment window and prerequisite, change or unlist it, and the last nightly
/// reconcile run (what drifted, by how much). Others get 403 (<see cref="CatalogService.CanManage"/>).
/// </summary>
public sealed class ManageModel(CatalogService catalog) : PageModel
{
    public IReadOnlyList<CatalogCourse> Listings { get; private set; } = [];
    public IReadOnlyList<CourseShell> Shells { get; private set; } = [];
    public CatalogReconcileRun? LastRun { get; private set; }
    public IReadOnlyList<CatalogDrift> Drift { get; private set; } = [];
    public string? Message { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];
    public string? Refusal { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(string? done)
    {
        if (!CatalogService.CanManage(Viewer)) return Forbid();
        await LoadAsync();
        Message = done switch { "listed" => "The course is listed in the catalog.", "unlisted" => "The course is no longer listed.", _ => null };
        return Page();
    }

    public async Task<IActionResult> OnPostListAsync(Guid shellId, string? audience, string? tags, int? seatLimit, DateOnly? opensOn, DateOnly? closesOn,
        Guid? prerequisiteShellId)
    {
        var input = new CatalogListingInput(audience, (tags ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), seatLimit,
            opensOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), closesOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), prerequisiteShellId);
        return await RunAsync(async () => { await catalog.ListAsync(Viewer, shellId, input, Ct); return "listed"; });
    }

    public Task<IActionResult> OnPostUnlistAsync(Guid shellId) =>
        RunAsync(async () => { await catalog.UnlistAsync(Viewer, shellId, Ct); return "unlisted"; });

    async Task<IActionResult> RunAsync(Func<Task<string>> write)
    {
        if (!CatalogService.CanManage(Viewer)) return Forbid();
        try
        {
            return Redirect($"/catalog/manage?done={await write()}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => { await LoadAsync(); return true; }, () =>
            {
                if (refusal.Errors != null) foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                Refusal = CourseText.Message(refusal);
            });
        }
    }

    async Task LoadAsync()
    {
        Listings = await catalog.ManagedAsync(Viewer, Ct);
        Shells = await catalog.ListableShellsAsync(Viewer, Ct);
        LastRun = await catalog.LastReconcileAsync(Ct);
        Drift = LastRun is { } run ? CatalogReconcile.DriftOf(run) : [];
    }
}

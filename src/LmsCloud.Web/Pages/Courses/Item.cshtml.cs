using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// One item of a course as its reader sees it: a lesson's published version as sanitised HTML
/// (<see cref="ContentVersions.ShownAsync"/>, which renders with <see cref="LessonMarkdown"/>), a link, a file to download
/// (<see cref="ShellFiles"/>). A locked item (for a student: <see cref="ShellReading.GetAsync"/>'s lock state) shows why,
/// with 403, instead of its content. Teachers get a link to edit the lesson and its history. A student's visit is
/// recorded as a view (<see cref="ProgressRecorder.ViewAsync"/>: first view and the version shown, must-view completion),
/// and an item that is completed by marking it done gets a "Mark as done" button.
/// </summary>
public sealed class ItemModel(ShellReading reading, ContentVersions versions, ShellFiles files, ProgressRecorder progress, ShellAccess access) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public ShellModuleResponse Module { get; private set; } = null!;
    public ShellItemResponse Item { get; private set; } = null!;
    public VersionResponse? Lesson { get; private set; }
    public bool Preview { get; private set; }

    /// <summary>The student's own progress on this item, after this visit; null for anyone else.</summary>
    public ItemProgressResponse? Progress { get; private set; }

    /// <summary>Whether the student completes this item themselves (not by submitting or by a score).</summary>
    public bool CanMarkDone => Progress is { CompletedAt: null } &&
                               Item.Requirement is not (CompletionRequirement.MustSubmit or CompletionRequirement.MinScore);

    ShellViewer Viewer => ShellViewer.From(User);

    public async Task<IActionResult> OnGetAsync(Guid id, Guid itemId, string? preview)
    {
        var ct = HttpContext.RequestAborted;
        if (await reading.GetAsync(Viewer, id, ct) is not { } detail) return NotFound();
        Preview = preview == "student" && detail.CanEdit;
        Detail = Preview ? ShellPreview.AsStudent(detail) : detail;
        if (Detail.Modules.SelectMany(m => m.Items.Select(i => (m, i))).FirstOrDefault(x => x.i.Id == itemId) is not ({ } module, { } item))
            return NotFound();
        (Module, Item) = (module, item);
        if (item.Locked == true)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        if (item.Kind == ContentKind.Lesson)
        {
            try
            {
                Lesson = await versions.ShownAsync(Viewer, id, itemId, ct);
            }
            catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
            {
                return NotFound();
            }
        }
        if (await IsLearnerAsync(detail, id, ct)) Progress = await progress.ViewAsync(Viewer, id, itemId, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDoneAsync(Guid id, Guid itemId)
    {
        try
        {
            await progress.MarkDoneAsync(Viewer, id, itemId, HttpContext.RequestAborted);
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status); // a non-student or a locked item: the 403 or 404 page
        }
        return Redirect($"/courses/{id}/items/{itemId}");
    }

    /// <summary>
    /// A student reading their own course, or anyone enrolled in it from the catalog (not a teacher previewing it): their
    /// visits count as progress.
    /// </summary>
    async Task<bool> IsLearnerAsync(ShellDetail detail, Guid id, CancellationToken ct) => !detail.CanEdit && !Preview && Viewer.PersonId is { } me &&
        (Viewer.Is(Roles.Student) || await access.SelfEnrolledAsync(me, id, ct));

    /// <summary>The file, as an attachment with the type sniffed at upload (never rendered on the district's host).</summary>
    public async Task<IActionResult> OnGetFileAsync(Guid id, Guid itemId)
    {
        try
        {
            var file = await files.OpenAsync(Viewer, id, itemId, HttpContext.RequestAborted);
            return file == null ? NotFound() : File(file.Content, file.ContentType, file.FileName);
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status); // the status code pages answer with the 403 or 404 page
        }
    }
}

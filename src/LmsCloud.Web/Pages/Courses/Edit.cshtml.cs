using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// A lesson for its teachers: edit (saves a new immutable version, <see cref="ShellEditing.CreateVersionAsync"/>),
/// publish any version, the history and a line diff between two versions (<see cref="ContentVersions"/>). Learners are
/// refused by the Core (403), other districts' and unknown lessons are 404.
/// </summary>
public sealed class EditModel(ShellReading reading, ContentVersions versions, ShellEditing editing) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public ShellItemResponse Item { get; private set; } = null!;
    public IReadOnlyList<VersionSummary> History { get; private set; } = [];
    public VersionResponse Latest { get; private set; } = null!;
    public VersionDiff? Diff { get; private set; }
    public string? Body { get; private set; }
    public string? BodyError { get; private set; }
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    public bool Editable => Detail.Shell.Status != ShellStatus.Archived;

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid itemId, int? from, int? to, string? done)
    {
        try
        {
            if (!await LoadAsync(id, itemId)) return NotFound();
            if (from is { } a && to is { } b) Diff = await versions.DiffAsync(Viewer, id, itemId, a, b, Ct);
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, () => Task.FromResult(true), () => Refusal = CourseText.Message(refusal));
        }
        Message = done switch
        {
            "saved" => $"Saved as version {Latest.VersionNo}. Students still see the published version until you publish this one.",
            "published" => "Published: students see that version now.",
            _ => null,
        };
        return Page();
    }

    public Task<IActionResult> OnPostSaveAsync(Guid id, Guid itemId, string? body) => RunAsync(id, itemId, async () =>
    {
        await editing.CreateVersionAsync(Viewer, id, itemId, body, Ct);
        return "saved";
    }, refusal =>
    {
        Body = body;
        if (refusal.Status == StatusCodes.Status400BadRequest) BodyError = CourseText.Message(refusal);
        else Refusal = CourseText.Message(refusal);
    });

    public Task<IActionResult> OnPostPublishAsync(Guid id, Guid itemId, int versionNo) => RunAsync(id, itemId, async () =>
    {
        await editing.PublishAsync(Viewer, id, itemId, true, versionNo, Ct);
        return "published";
    }, refusal => Refusal = CourseText.Message(refusal));

    async Task<IActionResult> RunAsync(Guid id, Guid itemId, Func<Task<string>> write, Action<ShellRefusal> show)
    {
        try
        {
            if (!await LoadAsync(id, itemId)) return NotFound();
            return Redirect($"/courses/{id}/items/{itemId}/edit?done={await write()}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, () => LoadAsync(id, itemId), () => show(refusal));
        }
    }

    /// <summary>The course, the lesson and its history; false when the lesson is not in a course the caller reads.</summary>
    async Task<bool> LoadAsync(Guid id, Guid itemId)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return false;
        if (detail.Modules.SelectMany(m => m.Items).FirstOrDefault(i => i.Id == itemId && i.Kind == ContentKind.Lesson) is not { } item)
            return detail.CanEdit ? false : throw ShellRefusal.Forbidden("A lesson's versions are for the course's teachers.");
        (Detail, Item) = (detail, item);
        History = await versions.HistoryAsync(Viewer, id, itemId, Ct);
        Latest = await versions.GetAsync(Viewer, id, itemId, History[0].VersionNo, Ct);
        return true;
    }
}

using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Build;

/// <summary>
/// For the course's teachers: copy the content of another course they edit into this one
/// (<see cref="ShellEditing.CopyAsync"/>: modules after this course's own, unpublished), or merge another section's
/// course into this one (<see cref="ShellEditing.MergeAsync"/>: its classes move here and it is archived), which first
/// asks for a confirmation naming both courses. The choices are the caller's other editable courses
/// (<see cref="ShellAccess.Editable"/>); a forged id is the service's 404.
/// </summary>
public sealed class CopyMergeModel(ShellReading reading, ShellEditing editing, ShellAccess access) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public IReadOnlyList<(Guid Id, string Title, string Status)> Others { get; private set; } = [];
    /// <summary>The course the teacher chose to merge in, awaiting the confirmation.</summary>
    public (Guid Id, string Title)? Merging { get; private set; }
    public string? Refusal { get; private set; }
    /// <summary>Which form the refusal belongs to: "copy" or "merge".</summary>
    public string? RefusedForm { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid? merge)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        if (merge is { } source)
        {
            var chosen = Others.FirstOrDefault(o => o.Id == source);
            if (chosen.Id == Guid.Empty || chosen.Status == ShellStatus.Archived) return NotFound();
            Merging = (chosen.Id, chosen.Title);
        }
        return Page();
    }

    public Task<IActionResult> OnPostCopyAsync(Guid id, Guid? sourceShellId) => RunAsync(id, "copy", async () =>
    {
        await editing.CopyAsync(Viewer, id, sourceShellId ?? throw ShellRefusal.Invalid("sourceShellId", "Choose the course to copy from."), Ct);
        return "copied";
    });

    /// <summary>The merge itself, posted from the confirmation (a choice without it goes to the confirmation first).</summary>
    public async Task<IActionResult> OnPostMergeAsync(Guid id, Guid? sourceShellId, bool confirmed)
    {
        if (!confirmed && sourceShellId is { } chosen) return Redirect($"/courses/{id}/copy?merge={chosen}");
        return await RunAsync(id, "merge", async () =>
        {
            await editing.MergeAsync(Viewer, id, sourceShellId ?? throw ShellRefusal.Invalid("sourceShellId", "Choose the course to merge in."), Ct);
            return "merged";
        });
    }

    async Task<IActionResult> RunAsync(Guid id, string form, Func<Task<string>> write)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        try
        {
            return Redirect($"/courses/{id}?done={await write()}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id) == null, () =>
            {
                RefusedForm = form;
                Refusal = CourseText.Message(refusal);
            });
        }
    }

    async Task<IActionResult?> LoadAsync(Guid id)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        Detail = detail;
        Others = (await access.Editable(Viewer).Where(s => s.Id != id).OrderBy(s => s.Title).ThenBy(s => s.Id).Take(500)
            .Select(s => new { s.Id, s.Title, s.Status }).ToListAsync(Ct)).Select(s => (s.Id, s.Title, s.Status)).ToList();
        return null;
    }
}

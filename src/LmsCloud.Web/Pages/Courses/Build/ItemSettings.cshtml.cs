using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Build;

/// <summary>
/// An item's settings for the course's teachers: title, a link's address, the completion rule (none, must view, mark
/// done; must submit and a minimum score only for assignment and quiz placeholders, as <see cref="ShellEditing"/>
/// enforces) through <see cref="ShellEditing.UpdateItemAsync"/>; and delete after a confirmation
/// (<see cref="ShellEditing.DeleteItemAsync"/>). An assignment or quiz item also picks the assignment of the course it
/// opens (<see cref="AssignmentEditing.UpdateAsync"/> sets that assignment's module item, and clears it on the one it
/// replaces). 404 / 403 as the other course pages; service field errors in place.
/// </summary>
public sealed class ItemSettingsModel(ShellReading reading, ShellEditing editing, AssignmentReading assignmentReading, AssignmentEditing assignmentEditing)
    : PageModel
{
    public const string None = "none";
    public ShellDetail Detail { get; private set; } = null!;
    public ShellModuleResponse Module { get; private set; } = null!;
    public ShellItemResponse Item { get; private set; } = null!;
    public Dictionary<string, string> Errors { get; } = [];
    public string? Refusal { get; private set; }
    public bool ConfirmDelete { get; private set; }
    public SettingsForm Form { get; private set; } = null!;
    public sealed record SettingsForm(string? Title, string? Url, string Requirement, string? MinScore, Guid? AssignmentId = null);

    /// <summary>The course's assignments, for an assignment or quiz item to open (empty for other kinds).</summary>
    public IReadOnlyList<AssignmentView> Assignments { get; private set; } = [];

    /// <summary>The rules this kind of item can have, in words.</summary>
    public IReadOnlyList<(string Value, string Label)> Rules => Item.Kind is ContentKind.Assignment or ContentKind.Quiz
        ? [(None, "None (optional)"), (CompletionRequirement.MustView, "Must view"), (CompletionRequirement.MarkDone, "Mark as done"),
           (CompletionRequirement.MustSubmit, "Must submit"), (CompletionRequirement.MinScore, "Minimum score")]
        : [(None, "None (optional)"), (CompletionRequirement.MustView, "Must view"), (CompletionRequirement.MarkDone, "Mark as done")];

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid itemId, bool delete = false)
    {
        if (await LoadAsync(id, itemId) is { } refused) return refused;
        ConfirmDelete = delete;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, Guid itemId, string? title, string? url, string? requirement, string? minScore, Guid? assignmentId)
    {
        if (await LoadAsync(id, itemId) is { } refused) return refused;
        try
        {
            decimal? score = null;
            if (requirement == CompletionRequirement.MinScore)
                score = decimal.TryParse(minScore, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                    ? parsed : throw ShellRefusal.Invalid("minScore", "A minimum score is a number (0 or more).");
            var clear = requirement is null or None;
            if (assignmentId is { } chosen && Assignments.All(a => a.Id != chosen)) // checked before anything is saved
                throw ShellRefusal.Invalid("assignmentId", "Choose one of this course's assignments.");
            await editing.UpdateItemAsync(Viewer, id, itemId,
                new ItemUpdate(title ?? "", Item.Kind == ContentKind.Link ? url ?? "" : null, clear ? null : requirement, score, ClearRequirement: clear), Ct);
            if (Item.Kind is ContentKind.Assignment or ContentKind.Quiz) await LinkAsync(itemId, assignmentId);
            return Redirect($"/courses/{id}?done=item-saved");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, itemId) == null, () =>
            {
                Form = new(title, url, requirement ?? None, minScore, assignmentId);
                if (refusal.Errors != null) foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                else Refusal = CourseText.Message(refusal);
            });
        }
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, Guid itemId)
    {
        if (await LoadAsync(id, itemId) is { } refused) return refused;
        try
        {
            await editing.DeleteItemAsync(Viewer, id, itemId, Ct);
            return Redirect($"/courses/{id}?done=deleted");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, itemId) == null, () => Refusal = CourseText.Message(refusal));
        }
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid itemId)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        if (detail.Modules.SelectMany(m => m.Items.Select(i => (m, i))).FirstOrDefault(x => x.i.Id == itemId) is not ({ } module, { } item)) return NotFound();
        (Detail, Module, Item) = (detail, module, item);
        if (item.Kind is ContentKind.Assignment or ContentKind.Quiz) Assignments = await assignmentReading.ListAsync(Viewer, id, Ct);
        Form = new(item.Title, item.Url, item.Requirement ?? None, item.MinScore?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assignments.FirstOrDefault(a => a.ModuleItemId == itemId)?.Id);
        return null;
    }

    /// <summary>The item opens <paramref name="assignmentId"/> (none: no assignment); any other assignment linked to it is unlinked first.</summary>
    async Task LinkAsync(Guid itemId, Guid? assignmentId)
    {
        foreach (var old in Assignments.Where(a => a.ModuleItemId == itemId && a.Id != assignmentId))
            await assignmentEditing.UpdateAsync(Viewer, old.Id, new AssignmentInput(ClearModuleItem: true), Ct);
        if (assignmentId is { } id && Assignments.Single(a => a.Id == id).ModuleItemId != itemId)
            await assignmentEditing.UpdateAsync(Viewer, id, new AssignmentInput(ModuleItemId: itemId), Ct);
    }

    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;
}

using System.Globalization;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Assignments;

/// <summary>
/// The course's assignment groups and assignments for its teachers and admins (<see cref="AssignmentReading"/>,
/// <see cref="AssignmentEditing"/>): add a group, change a group's name, weight and drops, move it up or down (the Core
/// reorder with every group once), delete an empty one; the assignments listed by group with points, grading type, due
/// date and whether they are published, each with Publish/Unpublish. Every write redirects back with a notice (PRG); a
/// refusal shows next to the field of the form that caused it (400) or at the top (409). Anyone else: the 403 or 404 page.
/// </summary>
public sealed class IndexModel(ShellReading shells, AssignmentReading reading, AssignmentEditing editing) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public IReadOnlyList<AssignmentGroupView> Groups { get; private set; } = [];
    public IReadOnlyList<AssignmentView> Assignments { get; private set; } = [];
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }

    /// <summary>Which form a field error belongs to (a group's id, or "new" for the add-a-group form), and the text typed there.</summary>
    public string? ErrorForm { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];
    public (string? Name, string? Weight, string? DropLowest, string? DropHighest) Typed { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, string? done)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        Message = done switch
        {
            "group-added" => "The group is added.",
            "group-saved" => "The group is saved.",
            "group-deleted" => "The group is deleted.",
            "moved" => "The groups are in their new order.",
            "published" => "The assignment is published: students see it.",
            "unpublished" => "The assignment is unpublished: students no longer see it.",
            "created" => "The assignment is created (not published yet).",
            "deleted" => "The assignment is deleted.",
            _ => null,
        };
        return Page();
    }

    public Task<IActionResult> OnPostAddGroupAsync(Guid id, string? name, string? weight, string? dropLowest, string? dropHighest) =>
        RunAsync(id, "new", (name, weight, dropLowest, dropHighest), "group-added",
            () => editing.CreateGroupAsync(Viewer, id, GroupInput(name, weight, dropLowest, dropHighest), Ct));

    public Task<IActionResult> OnPostSaveGroupAsync(Guid id, Guid groupId, string? name, string? weight, string? dropLowest, string? dropHighest) =>
        RunAsync(id, groupId.ToString(), (name, weight, dropLowest, dropHighest), "group-saved",
            () => editing.UpdateGroupAsync(Viewer, id, groupId, GroupInput(name, weight, dropLowest, dropHighest), Ct));

    public Task<IActionResult> OnPostDeleteGroupAsync(Guid id, Guid groupId) =>
        RunAsync(id, null, default, "group-deleted", () => editing.DeleteGroupAsync(Viewer, id, groupId, Ct));

    public Task<IActionResult> OnPostMoveGroupAsync(Guid id, Guid groupId, string? direction) => RunAsync(id, null, default, "moved", async () =>
    {
        var order = (await reading.GroupsAsync(Viewer, id, Ct)).Select(g => g.Id).ToList();
        var at = order.IndexOf(groupId);
        var to = direction == "up" ? at - 1 : at + 1;
        if (at < 0 || to < 0 || to >= order.Count) throw ShellRefusal.Invalid("order", "That group cannot move further.");
        (order[at], order[to]) = (order[to], order[at]);
        await editing.ReorderGroupsAsync(Viewer, id, order, Ct);
    });

    public Task<IActionResult> OnPostPublishAsync(Guid id, Guid assignmentId, bool published) =>
        RunAsync(id, null, default, published ? "published" : "unpublished", () => editing.PublishAsync(Viewer, assignmentId, published, Ct));

    /// <summary>Weight and drops as typed; text that is no number is refused with the service's field names.</summary>
    static AssignmentGroupInput GroupInput(string? name, string? weight, string? dropLowest, string? dropHighest)
    {
        decimal? w = string.IsNullOrWhiteSpace(weight) ? 0
            : decimal.TryParse(weight, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : throw ShellRefusal.Invalid("weight", "A weight is a number from 0 to 999.9999 (at most 4 decimals).");
        return new AssignmentGroupInput(name ?? "", w, Count(dropLowest, "dropLowest"), Count(dropHighest, "dropHighest"), null);
    }

    static int Count(string? text, string field) => string.IsNullOrWhiteSpace(text) ? 0
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
        : throw ShellRefusal.Invalid(field, "The number of scores to drop is a whole number (0 or more).");

    async Task<IActionResult> RunAsync(Guid id, string? form, (string?, string?, string?, string?) typed, string done, Func<Task> write)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        try
        {
            await write();
            return Redirect($"/courses/{id}/assignments?done={done}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id) == null, () =>
            {
                if (refusal.Status == StatusCodes.Status400BadRequest && refusal.Errors != null && form != null)
                {
                    (ErrorForm, Typed) = (form, typed);
                    foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                }
                else Refusal = CourseText.Message(refusal);
            });
        }
    }

    async Task<IActionResult?> LoadAsync(Guid id)
    {
        if (await shells.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        Detail = detail;
        Groups = await reading.GroupsAsync(Viewer, id, Ct);
        Assignments = await reading.ListAsync(Viewer, id, Ct);
        return null;
    }

    public string? Error(string form, string field) => ErrorForm == form && Errors.TryGetValue(field, out var message) ? message : null;
}

using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Assignments;

/// <summary>
/// A new assignment (<see cref="AssignmentEditing.CreateAsync"/>, unpublished), its dates typed in the district's time;
/// then its own page, where the overrides are. A refusal shows next to its field (400). Editors only.
/// </summary>
public sealed class NewModel(ShellReading shells, AssignmentReading reading, AssignmentEditing editing, DistrictBranding branding) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentFormView Form { get; private set; } = null!;
    public string? Refusal { get; private set; }
    [BindProperty] public AssignmentFields Fields { get; set; } = new();
    readonly Dictionary<string, string> _errors = [];
    IReadOnlyList<AssignmentGroupView> _groups = [];
    DistrictClock _clock = null!;

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid? groupId)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        Fields = new AssignmentFields { GroupId = groupId ?? _groups.FirstOrDefault()?.Id, PointsPossible = "10", GradingType = GradingType.Points, Passback = true };
        return Show(id);
    }

    public async Task<IActionResult> OnPostAsync(Guid id)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        try
        {
            var created = await editing.CreateAsync(Viewer, id, Fields.ToInput(_clock, null), Ct);
            return Redirect($"/courses/{id}/assignments/{created.Id}/edit?done=created");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => true, () =>
            {
                if (refusal.Status == StatusCodes.Status400BadRequest && refusal.Errors != null)
                    foreach (var (field, messages) in refusal.Errors) _errors[field] = messages[0];
                else Refusal = CourseText.Message(refusal);
                Show(id);
            });
        }
    }

    IActionResult Show(Guid id)
    {
        Form = new AssignmentFormView(Fields, _groups, _errors, _clock.ZoneName, $"/courses/{id}/assignments/new", "Create the assignment",
            Detail.Shell.Status == ShellStatus.Archived);
        return Page();
    }

    async Task<IActionResult?> LoadAsync(Guid id)
    {
        if (await shells.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        Detail = detail;
        _groups = await reading.GroupsAsync(Viewer, id, Ct);
        _clock = await DistrictClock.CurrentAsync(branding);
        return null;
    }
}

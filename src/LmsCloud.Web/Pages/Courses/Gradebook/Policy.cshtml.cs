using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Gradebook;

/// <summary>One assignment group's row of the policy form.</summary>
public sealed class GroupSettingsForm
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public decimal Weight { get; set; }
    public int DropLowest { get; set; }
    public int DropHighest { get; set; }
    public List<Guid> NeverDrop { get; set; } = [];
}

/// <summary>A student the previewed policy moves, by name.</summary>
public sealed record PreviewLine(string Name, ScoreChange Change);

/// <summary>
/// The course's grading policy (<see cref="GradingPolicies"/>): weighting, group weights and drops, late and missing
/// policy, grading scheme. "Preview" computes every student's grade under the form's values without saving ("N
/// students change letter grade" and who goes from what to what); "Save" saves policy and groups in one transaction
/// (If-Match: the version read), which recomputes the course. Its teachers and admins only; an archived course or a
/// closed grading period shows the refusal.
/// </summary>
public sealed class PolicyModel(GradingPolicies policies, AssignmentReading assignments, GradingSchemes schemes, GradingPeriods periods,
    LmsDbContext db) : PageModel
{
    [BindProperty] public string Weighting { get; set; } = "percent";
    [BindProperty] public List<GroupSettingsForm> Groups { get; set; } = [];
    [BindProperty] public bool LateOn { get; set; }
    [BindProperty] public decimal LateDeduction { get; set; } = 10;
    [BindProperty] public string LateInterval { get; set; } = "day";
    [BindProperty] public decimal LateFloor { get; set; }
    [BindProperty] public bool MissingOn { get; set; }
    [BindProperty] public decimal MissingDeduction { get; set; } = 100;
    [BindProperty] public bool NoZero { get; set; }
    [BindProperty] public Guid? SchemeId { get; set; }
    [BindProperty] public int Version { get; set; }

    public Guid ShellId { get; private set; }
    public IReadOnlyList<GradingSchemeView> Schemes { get; private set; } = [];
    public Guid? DefaultSchemeId { get; private set; }
    /// <summary>Why this course's policy cannot be changed now (archived, a closed period), or null.</summary>
    public string? Locked { get; private set; }
    public string? Message { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];
    /// <summary>Each group's assignments (for its never-drop boxes), in the gradebook's order.</summary>
    public ILookup<Guid, HistoryOption> GroupAssignments { get; private set; } = Enumerable.Empty<HistoryOption>().ToLookup(x => x.Id);
    public PolicyPreview? Preview { get; private set; }
    public IReadOnlyList<PreviewLine> PreviewLines { get; private set; } = [];

    public decimal WeightSum => Groups.Sum(g => g.Weight);

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, string? saved)
    {
        try
        {
            var policy = await policies.GetAsync(Viewer, id, Ct);
            Weighting = policy.Weighting;
            (LateOn, LateDeduction, LateInterval, LateFloor) = policy.LatePolicy is { } l ? (true, l.DeductionPercent, l.Interval, l.FloorPercent) : (false, 10m, "day", 0m);
            (MissingOn, MissingDeduction, NoZero) = policy.MissingPolicy is { } m ? (true, m.DeductionPercent, m.FloorPercent >= 50) : (false, 100m, false);
            SchemeId = policy.SchemeId;
            Version = policy.Version;
            Groups = (await assignments.GroupsAsync(Viewer, id, Ct)).Select(g => new GroupSettingsForm
            {
                Id = g.Id, Name = g.Name, Weight = g.Weight, DropLowest = g.DropLowest, DropHighest = g.DropHighest, NeverDrop = g.NeverDrop.ToList(),
            }).ToList();
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        await LoadAsync(id);
        Message = saved == "1" ? "The grading policy is saved; every grade of the course was recomputed." : null;
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(Guid id)
    {
        try
        {
            Preview = await policies.PreviewAsync(Viewer, id, Input(), Ct);
            var names = await NamesAsync(Preview.Changes.Select(c => c.StudentId).ToArray());
            PreviewLines = Preview.Changes.Select(c => new PreviewLine(names.GetValueOrDefault(c.StudentId, "A student"), c))
                .OrderBy(l => l.Change.BeforeLetter == l.Change.AfterLetter).ThenBy(l => l.Name, StringComparer.CurrentCulture).ToList();
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        catch (ShellRefusal r) { Refused(r); }
        await LoadAsync(id);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(Guid id)
    {
        try
        {
            await policies.PutAsync(Viewer, id, Input(), Version, Ct);
            return Redirect($"/courses/{id}/grading-policy?saved=1");
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        catch (ShellRefusal r) { Refused(r); }
        await LoadAsync(id);
        return Page();
    }

    void Refused(ShellRefusal r)
    {
        Response.StatusCode = r.Status;
        if (r.Errors is { Count: > 0 } errors)
            foreach (var (field, messages) in errors) Errors[field] = string.Join(" ", messages);
        else Errors[""] = r.Message;
    }

    GradingPolicyInput Input() => new(Weighting,
        LateOn ? new LatePolicyInput(LateDeduction, LateInterval, LateFloor) : null,
        MissingOn ? new MissingPolicyInput(MissingDeduction, NoZero ? 50 : 0) : null,
        SchemeId,
        Groups.Select(g => new GroupWeightInput(g.Id, g.Weight, g.DropLowest, g.DropHighest, g.NeverDrop)).ToList());

    async Task LoadAsync(Guid id)
    {
        ShellId = id;
        var list = await schemes.ListAsync(Viewer, Ct);
        (Schemes, DefaultSchemeId) = (list.Schemes, list.DefaultSchemeId);
        GroupAssignments = (await db.Database.SqlQuery<GroupAssignmentRow>($"""
            select group_id as "GroupId", id as "Id", title as "Title" from assignments where shell_id = {id} order by due_at nulls last, title, id
            """).ToListAsync(Ct)).ToLookup(a => a.GroupId, a => new HistoryOption(a.Id, a.Title));
        var status = await db.Set<CourseShell>().Where(s => s.Id == id).Select(s => s.Status).SingleAsync(Ct);
        var closed = (await periods.ForShellAsync(id, Ct)).FirstOrDefault(p => p.ClosedAt != null);
        Locked = status == ShellStatus.Archived ? "This course is archived and read-only."
            : closed != null ? $"Grading period {closed.Title} is closed: changing the grading policy would change its grades. An administrator can reopen it."
            : null;
    }

    sealed record GroupAssignmentRow(Guid GroupId, Guid Id, string Title);

    async Task<Dictionary<Guid, string>> NamesAsync(Guid[] ids) =>
        await db.Database.SqlQuery<HistoryOption>($"""
            select id as "Id", coalesce(nullif(trim(coalesce(family_name, '') || ', ' || coalesce(given_name, '')), ','), display_name) as "Name"
            from users where id = any ({ids})
            """).ToDictionaryAsync(x => x.Id, x => x.Name, Ct);
}

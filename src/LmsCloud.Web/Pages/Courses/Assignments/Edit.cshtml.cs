using LmsCloud.Core.Database;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Courses.Assignments;

/// <summary>
/// One assignment for the course's teachers and admins: its settings (<see cref="AssignmentEditing.UpdateAsync"/>, dates in
/// the district's time), publish/unpublish, the per-section and per-student overrides (an IEP/504 extension;
/// <see cref="AssignmentEditing.SetOverrideAsync"/> / <see cref="AssignmentEditing.DeleteOverrideAsync"/>) and every
/// student's effective dates with where they came from (<see cref="AssignmentReading.DueDatesAsync"/>). A refusal shows
/// next to the field of the form that caused it (400) or at the top (409). Anyone else: the 403 or 404 page.
/// </summary>
public sealed class EditModel(ShellReading shells, AssignmentReading reading, AssignmentEditing editing, DistrictBranding branding, LmsDbContext db)
    : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public AssignmentView Assignment { get; private set; } = null!;
    public AssignmentFormView Form { get; private set; } = null!;
    public IReadOnlyList<OverrideView> Overrides { get; private set; } = [];
    public IReadOnlyList<EffectiveDueDate> DueDates { get; private set; } = [];
    public IReadOnlyList<ClassOption> Classes { get; private set; } = [];
    public DistrictClock Clock { get; private set; } = null!;
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    [BindProperty] public AssignmentFields Fields { get; set; } = new();

    /// <summary>Which override form ("section" or "student") a field error belongs to, and what was typed there.</summary>
    public string? OverrideForm { get; private set; }
    public (Guid? Target, string? DueAt, string? UnlockAt, string? LockAt, string? Reason) Typed { get; private set; }
    readonly Dictionary<string, string> _errors = [];

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    string Self(Guid id, Guid assignmentId, string done) => $"/courses/{id}/assignments/{assignmentId}/edit?done={done}";

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, string? done)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        Fields = AssignmentFields.From(Assignment, Clock);
        Message = done switch
        {
            "created" => "The assignment is created. It is not published yet: students do not see it.",
            "saved" => "The assignment is saved.",
            "published" => "The assignment is published: students see it.",
            "unpublished" => "The assignment is unpublished: students no longer see it.",
            "override-saved" => "The dates are saved; each student's dates below follow.",
            "override-removed" => "The override is removed.",
            _ => null,
        };
        return Show(id, assignmentId, formErrors: false);
    }

    public async Task<IActionResult> OnPostAsync(Guid id, Guid assignmentId)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        try
        {
            await editing.UpdateAsync(Viewer, assignmentId, Fields.ToInput(Clock, Assignment.Instructions), Ct);
            return Redirect(Self(id, assignmentId, "saved"));
        }
        catch (ShellRefusal refusal) { return await RefusedAsync(id, assignmentId, refusal, null, default); }
    }

    public async Task<IActionResult> OnPostPublishAsync(Guid id, Guid assignmentId, bool published)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        try
        {
            await editing.PublishAsync(Viewer, assignmentId, published, Ct);
            return Redirect(Self(id, assignmentId, published ? "published" : "unpublished"));
        }
        catch (ShellRefusal refusal) { return await RefusedAsync(id, assignmentId, refusal, null, default); }
    }

    public Task<IActionResult> OnPostSectionOverrideAsync(Guid id, Guid assignmentId, Guid? classId, string? dueAt, string? unlockAt, string? lockAt,
        string? reason) => SetOverrideAsync(id, assignmentId, "section", (classId, dueAt, unlockAt, lockAt, reason));

    public Task<IActionResult> OnPostStudentOverrideAsync(Guid id, Guid assignmentId, Guid? studentId, string? dueAt, string? unlockAt, string? lockAt,
        string? reason) => SetOverrideAsync(id, assignmentId, "student", (studentId, dueAt, unlockAt, lockAt, reason));

    public async Task<IActionResult> OnPostRemoveOverrideAsync(Guid id, Guid assignmentId, Guid? classId, Guid? studentId)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        try
        {
            await editing.DeleteOverrideAsync(Viewer, assignmentId, studentId == null ? classId : null, studentId, Ct);
            return Redirect(Self(id, assignmentId, "override-removed"));
        }
        catch (ShellRefusal refusal) { return await RefusedAsync(id, assignmentId, refusal, null, default); }
    }

    async Task<IActionResult> SetOverrideAsync(Guid id, Guid assignmentId, string form, (Guid? Target, string? DueAt, string? UnlockAt, string? LockAt, string? Reason) typed)
    {
        if (await LoadAsync(id, assignmentId) is { } refused) return refused;
        try
        {
            var target = typed.Target ?? throw ShellRefusal.Invalid("target", form == "section" ? "Choose a section." : "Choose a student.");
            var input = new OverrideInput(Clock.Parse(typed.DueAt, "dueAt"), Clock.Parse(typed.UnlockAt, "unlockAt"), Clock.Parse(typed.LockAt, "lockAt"),
                string.IsNullOrWhiteSpace(typed.Reason) ? null : typed.Reason.Trim());
            await editing.SetOverrideAsync(Viewer, assignmentId, form == "section" ? target : null, form == "student" ? target : null, input, Ct);
            return Redirect(Self(id, assignmentId, "override-saved"));
        }
        catch (ShellRefusal refusal) { return await RefusedAsync(id, assignmentId, refusal, form, typed); }
    }

    async Task<IActionResult> RefusedAsync(Guid id, Guid assignmentId, ShellRefusal refusal, string? overrideForm,
        (Guid?, string?, string?, string?, string?) typed)
    {
        // A section or student the course does not have is the field's error here, not the 404 page: the form named it.
        if (overrideForm != null && refusal.Status == StatusCodes.Status404NotFound && refusal.Title is "Class not found" or "Student not found")
            refusal = ShellRefusal.Invalid("target", overrideForm == "section" ? "Choose one of this course's sections." : "Choose one of this course's students.");
        return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id, assignmentId) == null, () =>
        {
            var fieldErrors = refusal.Status == StatusCodes.Status400BadRequest && refusal.Errors != null;
            if (fieldErrors) foreach (var (field, messages) in refusal.Errors!) _errors[field] = messages[0];
            else Refusal = CourseText.Message(refusal);
            if (overrideForm != null)
            {
                (OverrideForm, Typed) = (fieldErrors ? overrideForm : null, typed);
                Fields = AssignmentFields.From(Assignment, Clock);
            }
            else if (!string.IsNullOrEmpty(Request.Query["handler"])) Fields = AssignmentFields.From(Assignment, Clock); // a publish or removal: the form as stored
            Show(id, assignmentId, formErrors: overrideForm == null && fieldErrors);
        });
    }

    IActionResult Show(Guid id, Guid assignmentId, bool formErrors)
    {
        Form = new AssignmentFormView(Fields, Form?.Groups ?? [], formErrors ? _errors : new Dictionary<string, string>(), Clock.ZoneName,
            $"/courses/{id}/assignments/{assignmentId}/edit", "Save the assignment", Detail.Shell.Status == ShellStatus.Archived);
        return Page();
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId)
    {
        if (await shells.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        if (await reading.GetAsync(Viewer, assignmentId, Ct) is not { } assignment || assignment.ShellId != id) return NotFound();
        (Detail, Assignment) = (detail, assignment);
        Clock = await DistrictClock.CurrentAsync(branding);
        Form = new AssignmentFormView(Fields, await reading.GroupsAsync(Viewer, id, Ct), _errors, Clock.ZoneName, "", "", false);
        Overrides = await reading.OverridesAsync(Viewer, assignmentId, Ct);
        DueDates = await reading.DueDatesAsync(Viewer, assignmentId, Ct);
        Classes = await (from l in db.Set<CourseShellClass>()
                         join c in db.RosterClasses on l.ClassId equals c.Id
                         where l.ShellId == id
                         orderby c.Title, c.Id
                         select new ClassOption(c.Id, c.Title)).ToListAsync(Ct);
        return null;
    }

    /// <summary>An override form's field error (fields of the section and student forms share the service's names).</summary>
    public string? OverrideError(string form, string field) => OverrideForm == form && _errors.TryGetValue(field, out var message) ? message : null;

    /// <summary>Who an override is for, by name.</summary>
    public string For(OverrideView o) => o.StudentId is { } s
        ? DueDates.FirstOrDefault(d => d.StudentId == s)?.StudentName ?? "A student no longer enrolled"
        : Classes.FirstOrDefault(c => c.ClassId == o.ClassId)?.Title ?? "A section";
}

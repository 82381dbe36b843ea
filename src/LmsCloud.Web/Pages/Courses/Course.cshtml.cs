using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses;

/// <summary>
/// A course's home: its modules in order with their items and, for a student, lock states in words. For the course's
/// teachers and administrators (<see cref="ShellDetail.CanEdit"/>) also the building forms: status, add a module, add a
/// lesson, link, file, or an item opening one of its assignments or quizzes, publish, move up/down (<see cref="ShellEditing"/>, which checks the role on the server and refuses an archived
/// course), and "preview as student". Every POST redirects back (PRG) or shows the refusal.
/// </summary>
// Uploads up to the course file limit (LearningOptions, 50 MB by default) reach ShellEditing, which refuses anything larger
// with a field message; Kestrel's 30 MB default would cut them off first with a bare 413.
[RequestSizeLimit(200L * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 200L * 1024 * 1024)]
public sealed class CourseModel(ShellReading reading, ShellEditing editing, DistrictBranding branding, CourseProgress courseProgress,
    AssignmentReading assignmentReading, AssignmentEditing assignmentEditing, Work.StudentWork work) : PageModel
{
    /// <summary>The course's assignments no module item opens yet, for "Add an assignment or quiz" (editors only).</summary>
    public IReadOnlyList<AssignmentView> Unplaced { get; private set; } = [];

    /// <summary>The signed-in student's own standing in this course (not for teachers, previews or guardians).</summary>
    public CourseStanding? Standing { get; private set; }
    public LinkForm Link { get; private set; } = new(null, null);
    public sealed record LinkForm(string? Title, string? Url);

    public ShellDetail Detail { get; private set; } = null!;
    /// <summary>A teacher looking at what a student would see: published items only, no forms.</summary>
    public bool Preview { get; private set; }
    public bool CanEdit => Detail.CanEdit && !Preview;
    /// <summary>Forms are shown only when the course takes writes (an archived course is read-only).</summary>
    public bool Editable => CanEdit && Detail.Shell.Status != ShellStatus.Archived;
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    /// <summary>Field errors of the form that was posted: key "module" or "lesson-{moduleId}", then the field.</summary>
    public Dictionary<string, string> Errors { get; } = [];
    public string? Form { get; private set; }
    public ModuleForm Module { get; private set; } = new(null, null, false);
    public LessonForm Lesson { get; private set; } = new(null, null);

    public sealed record ModuleForm(string? Title, DateOnly? UnlockOn, bool Sequential);
    public sealed record LessonForm(string? Title, string? Body);

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    string Self(Guid id, string? done = null) => $"/courses/{id}" + (done != null ? $"?done={done}" : "");

    public async Task<IActionResult> OnGetAsync(Guid id, string? preview, string? done)
    {
        if (!await LoadAsync(id)) return NotFound();
        Preview = preview == "student" && Detail.CanEdit;
        if (Preview && await reading.GetAsync(Viewer, id, asStudent: true, Ct) is { } asStudent) Detail = asStudent;
        if (!Detail.CanEdit && Viewer.Is(LmsCloud.Core.Users.Roles.Student) && Viewer.PersonId is { } me)
            Standing = (await courseProgress.StandingsAsync(me, [(id, Detail.Shell.RequiredItemCount)], Ct))[id];
        Message = done switch
        {
            "module" => "The module is added.",
            "lesson" => "The lesson is added as a draft: publish it when students should see it.",
            "published" => "Published: students see it.",
            "unpublished" => "Unpublished: students no longer see it.",
            "moved" => "Moved.",
            "link" => "The link is added as a draft: publish it when students should see it.",
            "work" => "The assignment is placed in the module as a draft item: publish the item (and the assignment) when students should see it.",
            "file" => "The file is added as a draft: publish it when students should see it.",
            "deleted" => "Deleted.",
            "module-saved" => "The module is saved.",
            "item-saved" => "The item is saved.",
            "copied" => "The content is copied in as drafts: publish what students should see.",
            "merged" => "The sections are merged: their classes now use this course.",
            "status" => $"The course is now {CourseText.Status(Detail.Shell.Status).ToLowerInvariant()}.",
            _ => null,
        };
        return Page();
    }

    public Task<IActionResult> OnPostAddModuleAsync(Guid id, string? title, DateOnly? unlockOn, bool sequential) => RunAsync(id, "module",
        async () =>
        {
            var unlockAt = unlockOn is { } day ? await StartOfDayAsync(day) : (DateTimeOffset?)null;
            await editing.CreateModuleAsync(Viewer, id, new ModuleInput(title, unlockAt, sequential, null, null), Ct);
            return "module";
        }, () => Module = new(title, unlockOn, sequential));

    public Task<IActionResult> OnPostAddLessonAsync(Guid id, Guid moduleId, string? title, string? body) => RunAsync(id, $"lesson-{moduleId}",
        async () =>
        {
            await editing.CreateItemAsync(Viewer, id, moduleId, new ItemInput(ContentKind.Lesson, title, null, body ?? "", CompletionRequirement.MustView, null),
                null, Ct);
            return "lesson";
        }, () => Lesson = new(title, body));

    public Task<IActionResult> OnPostAddLinkAsync(Guid id, Guid moduleId, string? title, string? url) => RunAsync(id, $"link-{moduleId}",
        async () =>
        {
            await editing.CreateItemAsync(Viewer, id, moduleId, new ItemInput(ContentKind.Link, title, url, null, CompletionRequirement.MustView, null), null, Ct);
            return "link";
        }, () => Link = new(title, url));

    /// <summary>A file item: the type is sniffed and the size limited by <see cref="ShellEditing.CreateItemAsync"/>; refusals show next to the field.</summary>
    public Task<IActionResult> OnPostAddFileAsync(Guid id, Guid moduleId, string? title, IFormFile? file) => RunAsync(id, $"file-{moduleId}",
        async () =>
        {
            await using var content = file?.OpenReadStream();
            var upload = file is { Length: > 0 } ? new FileUpload(file.FileName, content!) : null;
            if (file is { Length: 0 }) throw ShellRefusal.Invalid("file", "The file is empty.");
            var name = string.IsNullOrWhiteSpace(title) ? Path.GetFileNameWithoutExtension(file?.FileName) : title;
            await editing.CreateItemAsync(Viewer, id, moduleId, new ItemInput(ContentKind.File, name, null, null, CompletionRequirement.MustView, null), upload, Ct);
            return "file";
        }, () => Link = new(title, null));

    /// <summary>
    /// An item that opens one of the course's assignments (kind quiz when it has questions), named after it and complete
    /// when handed in; the assignment is then linked to it (as the item settings do).
    /// </summary>
    public Task<IActionResult> OnPostAddWorkAsync(Guid id, Guid moduleId, Guid? assignmentId) => RunAsync(id, $"work-{moduleId}", async () =>
    {
        var chosen = Unplaced.FirstOrDefault(a => a.Id == assignmentId)
                     ?? throw ShellRefusal.Invalid("assignmentId", "Choose one of this course's assignments that no item opens yet.");
        var kind = await work.IsQuizAsync(chosen.Id, Ct) ? ContentKind.Quiz : ContentKind.Assignment;
        var item = await editing.CreateItemAsync(Viewer, id, moduleId, new ItemInput(kind, chosen.Title, null, null, CompletionRequirement.MustSubmit, null), null, Ct);
        await assignmentEditing.UpdateAsync(Viewer, chosen.Id, new AssignmentInput(ModuleItemId: item.Id), Ct);
        return "work";
    });

    public Task<IActionResult> OnPostPublishAsync(Guid id, Guid itemId, bool published) => RunAsync(id, null, async () =>
    {
        await editing.PublishAsync(Viewer, id, itemId, published, null, Ct);
        return published ? "published" : "unpublished";
    });

    public Task<IActionResult> OnPostStatusAsync(Guid id, string? status) => RunAsync(id, "status", async () =>
    {
        await editing.SetStatusAsync(Viewer, id, status, Ct);
        return "status";
    });

    /// <summary>Up or down one place: the whole new order goes to the Core reorder (one request, dense positions).</summary>
    public Task<IActionResult> OnPostMoveModuleAsync(Guid id, Guid moduleId, string? direction) => RunAsync(id, null, async () =>
    {
        var order = Detail.Modules.Select(m => m.Id).ToList();
        await editing.ReorderModulesAsync(Viewer, id, Swap(order, moduleId, direction), Ct);
        return "moved";
    });

    public Task<IActionResult> OnPostMoveItemAsync(Guid id, Guid moduleId, Guid itemId, string? direction) => RunAsync(id, null, async () =>
    {
        var module = Detail.Modules.FirstOrDefault(m => m.Id == moduleId) ?? throw ShellRefusal.NotFound("Module");
        await editing.ReorderItemsAsync(Viewer, id, moduleId, Swap(module.Items.Select(i => i.Id).ToList(), itemId, direction), Ct);
        return "moved";
    });

    static List<Guid> Swap(List<Guid> order, Guid id, string? direction)
    {
        var at = order.IndexOf(id);
        if (at < 0) throw ShellRefusal.NotFound("Item");
        var to = direction == "up" ? at - 1 : at + 1;
        if (to >= 0 && to < order.Count) (order[at], order[to]) = (order[to], order[at]);
        return order;
    }

    /// <summary>
    /// Loads the course (404 when the caller cannot read it), runs the write, and redirects with what it did; a refusal
    /// is the page again with the message next to the form (<paramref name="form"/>) or at the top.
    /// </summary>
    async Task<IActionResult> RunAsync(Guid id, string? form, Func<Task<string>> write, Action? keepInput = null)
    {
        if (!await LoadAsync(id)) return NotFound();
        try
        {
            return Redirect(Self(id, await write()));
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, () => LoadAsync(id), () =>
            {
                keepInput?.Invoke();
                if (refusal.Status == StatusCodes.Status400BadRequest && form != null && refusal.Errors != null)
                {
                    Form = form;
                    foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                }
                else Refusal = CourseText.Message(refusal);
            });
        }
    }

    async Task<bool> LoadAsync(Guid id)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return false;
        Detail = detail;
        if (detail.CanEdit) Unplaced = (await assignmentReading.ListAsync(Viewer, id, Ct)).Where(a => a.ModuleItemId == null).ToList();
        return true;
    }

    /// <summary>A date from the form is the start of that day in the district's time zone.</summary>
    async Task<DateTimeOffset> StartOfDayAsync(DateOnly day)
    {
        var look = await branding.CurrentAsync();
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(look.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    public string? Error(string form, string field) => Form == form && Errors.TryGetValue(field, out var message) ? message : null;
}

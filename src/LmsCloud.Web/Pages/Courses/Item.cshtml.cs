using LmsCloud.Core.Learning.Assignments;
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
/// and an item that is completed by marking it done gets a "Mark as done" button. An assignment or quiz item opens the
/// assignment linked to it (<c>assignments.module_item_id</c>, set in the item's settings): a student's assignment or
/// quiz start page, a teacher's submission review or quiz builder.
/// </summary>
public sealed class ItemModel(ShellReading reading, ContentVersions versions, ShellFiles files, ProgressRecorder progress, ShellAccess access,
    AssignmentReading assignments, Work.StudentWork work) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public ShellModuleResponse Module { get; private set; } = null!;
    public ShellItemResponse Item { get; private set; } = null!;
    public VersionResponse? Lesson { get; private set; }
    public bool Preview { get; private set; }

    /// <summary>The assignment an assignment or quiz item opens (as this reader sees it), and whether it is a quiz; null when none is linked.</summary>
    public AssignmentView? Linked { get; private set; }
    public bool LinkedIsQuiz { get; private set; }

    /// <summary>Where the linked work opens: a teacher reviews or builds it, a student (or a teacher's preview) does it.</summary>
    public string? LinkedHref => Linked is not { } a ? null
        : Detail.CanEdit && !Preview ? (LinkedIsQuiz ? $"/courses/{a.ShellId}/quizzes/{a.Id}/build" : $"/courses/{a.ShellId}/assignments/{a.Id}/review")
        : LinkedIsQuiz ? $"/courses/{a.ShellId}/quizzes/{a.Id}" : $"/courses/{a.ShellId}/assignments/{a.Id}";

    /// <summary>The student's own progress on this item, after this visit; null for anyone else.</summary>
    public ItemProgressResponse? Progress { get; private set; }

    /// <summary>Whether the student completes this item themselves (not by submitting or by a score).</summary>
    public bool CanMarkDone => Progress is { CompletedAt: null } &&
                               Item.Requirement is not (CompletionRequirement.MustSubmit or CompletionRequirement.MinScore);

    ShellViewer Viewer => ShellViewer.From(User);

    public async Task<IActionResult> OnGetAsync(Guid id, Guid itemId, string? preview)
    {
        var ct = HttpContext.RequestAborted;
        // The shell is evaluated once (modules, items, this student's locks); the item checked on it is what the lesson
        // text and the view record use. A teacher's preview reads it again as a student would see it.
        if (await reading.GetAsync(Viewer, id, ct) is not { } detail) return NotFound();
        Preview = preview == "student" && detail.CanEdit;
        if (Preview && await reading.GetAsync(Viewer, id, asStudent: true, ct) is { } asStudent) detail = asStudent;
        Detail = detail;
        if (Detail.Modules.SelectMany(m => m.Items.Select(i => (m, i))).FirstOrDefault(x => x.i.Id == itemId) is not ({ } module, { } item))
            return NotFound();
        (Module, Item) = (module, item);
        if (item.Locked == true)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        var opened = ShellReading.OpenItem(Detail, itemId); // visible and not locked: checked above, on this reading
        if (opened.Kind == ContentKind.Lesson)
        {
            try
            {
                Lesson = await versions.ShownAsync(Detail, opened, ct);
            }
            catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
            {
                return NotFound();
            }
        }
        if (opened.Kind is ContentKind.Assignment or ContentKind.Quiz)
        {
            // A learner's list holds published assignments only; a teacher's preview shows what a student would open.
            Linked = (await assignments.ListAsync(Viewer, id, ct)).Where(a => a.ModuleItemId == itemId && (a.Published || !Preview))
                .OrderBy(a => a.Title, StringComparer.Ordinal).FirstOrDefault();
            if (Linked != null) LinkedIsQuiz = await work.IsQuizAsync(Linked.Id, ct);
        }
        if (await IsLearnerAsync(Detail, id, ct)) Progress = await progress.ViewAsync(Viewer, id, opened, ct);
        return Page();
    }

    /// <summary>A video or audio file plays in the page (and reports its resume point); other files are downloads.</summary>
    public bool Playable => Item.Kind == ContentKind.File && Item.FileContentType is { } type && (type.StartsWith("video/") || type.StartsWith("audio/"));

    /// <summary>
    /// The page's script reports the video's position here (fetch with the page's antiforgery token and session cookie,
    /// checked like any form POST): 204, or the refusal's status (not a student 403, locked 403, not theirs 404, bad 400).
    /// </summary>
    public Task<IActionResult> OnPostPositionAsync(Guid id, Guid itemId, int? seconds) => ReportAsync(() =>
        seconds is { } s ? progress.PositionAsync(Viewer, id, itemId, s, HttpContext.RequestAborted)
            : throw ShellRefusal.Invalid("seconds", "The position (seconds) is required."));

    /// <summary>One heartbeat from the page while it is visible (the script sends one every 30 s).</summary>
    public Task<IActionResult> OnPostHeartbeatAsync(Guid id, Guid itemId) => ReportAsync(() =>
    {
        var now = DateTimeOffset.UtcNow;
        return progress.HeartbeatsAsync(Viewer, id, itemId, [(null, now)], now, HttpContext.RequestAborted);
    });

    async Task<IActionResult> ReportAsync(Func<Task> report)
    {
        try
        {
            await report();
            return new NoContentResult();
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status);
        }
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
            // Range requests let a video seek (and resume) without downloading all of it first.
            return file == null ? NotFound() : new FileStreamResult(file.Content, file.ContentType) { FileDownloadName = file.FileName, EnableRangeProcessing = file.Content.CanSeek };
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status); // the status code pages answer with the 403 or 404 page
        }
    }
}

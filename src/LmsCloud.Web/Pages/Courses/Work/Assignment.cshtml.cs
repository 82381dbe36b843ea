using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Work;

/// <summary>
/// An assignment as a student meets it: the pinned instructions as sanitised HTML (<see cref="LessonMarkdown"/>, as lessons
/// are shown), their own dates, attempts used of allowed, the hand-in form (text, link or file, through
/// <see cref="Submitting"/>), their attempts, and their grade once posted with the deductions as the engine explained
/// them. Anyone else who reads the course (a teacher) sees the instructions and dates only. Each rendering of the form
/// carries a fresh one-time token used as the hand-in's Idempotency-Key (<see cref="StudentWork.SubmitOnceAsync"/>), so a
/// double click or a resent form never makes a second attempt; the page redirects after a hand-in (PRG).
/// </summary>
// As on the course page: uploads up to the course file limit reach Submitting, which refuses anything larger with a field message.
[RequestSizeLimit(200L * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 200L * 1024 * 1024)]
public sealed class AssignmentModel(AssignmentReading assignments, SubmissionReading submissions, ShellReading shells, StudentWork work, AttemptFiles files)
    : PageModel
{
    public AssignmentView Assignment { get; private set; } = null!;
    public string CourseTitle { get; private set; } = "";
    /// <summary>Whether the reader edits the course (a teacher looking at the student's page): links to the assignment's settings and submissions.</summary>
    public bool CanEdit { get; private set; }
    public string? InstructionsHtml { get; private set; }
    /// <summary>The student's own submission with attempts; null for a reader who is not a student of the course.</summary>
    public SubmissionView? Mine { get; private set; }
    /// <summary>What the engine made of this assignment in the student's (posted) view; null until there is a stored grade.</summary>
    public AssignmentExplanation? Explained { get; private set; }
    /// <summary>The report <see cref="Explained"/> comes from (its titles make the engine's notes readable).</summary>
    public StudentGradeReport? Report { get; private set; }
    public string FormToken { get; } = Guid.NewGuid().ToString("N");
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    public Dictionary<string, string> Errors { get; } = [];
    public (string? Kind, string? Body, string? Url) Input { get; private set; } = (AttemptKind.Text, null, null);

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    /// <summary>Why the form is not offered now, in words; null when the student may hand in.</summary>
    public string? Closed => Mine switch
    {
        null => null,
        { UnlockAt: { } unlock } when Now < unlock => "opens",
        { LockAt: { } lockAt } when Now >= lockAt => "closed",
        { AllowedAttempts: { } allowed, AttemptCount: var used } when used >= allowed => "attempts",
        _ => null,
    };

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, string? done)
    {
        if (!await LoadAsync(id, assignmentId)) return NotFound();
        // A quiz is taken on its own pages (Submitting refuses hand-ins for it).
        if (await work.IsQuizAsync(assignmentId, Ct)) return Redirect($"/courses/{id}/quizzes/{assignmentId}");
        Message = done switch
        {
            "submitted" => "Handed in. Your attempt is listed below.",
            "already" => "This was handed in already: that form had been sent before, so no second attempt was made.",
            "pending" => "Your hand-in is still being saved. Reload this page in a moment to see it; do not send it again.",
            _ => null,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostSubmitAsync(Guid id, Guid assignmentId, string? token, string? kind, string? body, string? url, IFormFile? file)
    {
        if (!await LoadAsync(id, assignmentId)) return NotFound();
        Input = (kind, body, url);
        try
        {
            if (kind == AttemptKind.File && file is not { Length: > 0 })
                throw ShellRefusal.Invalid("file", file == null ? "Choose the file to hand in." : "The file is empty.");
            // Not cancelled with the request: a double click makes the browser drop the first POST, whose hand-in must still
            // finish (the second finds its key in flight or done, and would otherwise leave nothing handed in).
            var outcome = await work.SubmitOnceAsync(Viewer, assignmentId, token ?? "", new SubmitRequest(kind, body, url),
                kind == AttemptKind.File ? file : null, CancellationToken.None);
            if (outcome == SubmitOutcome.FormReused)
            {
                await LoadAsync(id, assignmentId);
                Refusal = "That form was already used to hand in an attempt, with other content. Nothing was changed: " +
                          "to hand in again, use the fresh form below.";
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            }
            return Redirect($"/courses/{id}/assignments/{assignmentId}?done=" + outcome switch
            {
                SubmitOutcome.HandedIn => "submitted",
                SubmitOutcome.AlreadyHandedIn => "already",
                _ => "pending",
            });
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, () => LoadAsync(id, assignmentId), () =>
            {
                if (refusal.Status == StatusCodes.Status400BadRequest && refusal.Errors != null)
                    foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                else Refusal = CourseText.Message(refusal);
            });
        }
    }

    /// <summary>The student's own handed-in file (<see cref="AttemptFiles.OpenMineAsync"/>): an attachment; 404 for anyone else's.</summary>
    public async Task<IActionResult> OnGetFileAsync(Guid id, Guid assignmentId, int attempt)
    {
        try
        {
            if (await assignments.GetAsync(Viewer, assignmentId, Ct) is not { } assignment || assignment.ShellId != id) return NotFound();
            var file = await files.OpenMineAsync(Viewer, assignmentId, attempt, Ct);
            return file == null ? NotFound() : new FileStreamResult(file.Content, file.ContentType) { FileDownloadName = file.FileName };
        }
        catch (ShellRefusal refusal)
        {
            return StatusCode(refusal.Status); // the status code pages answer with the 403 or 404 page
        }
    }

    async Task<bool> LoadAsync(Guid id, Guid assignmentId)
    {
        if (await assignments.GetAsync(Viewer, assignmentId, Ct) is not { } assignment || assignment.ShellId != id) return false;
        if (await shells.GetAsync(Viewer, id, Ct) is not { } detail) return false;
        (Assignment, CourseTitle, CanEdit) = (assignment, detail.Shell.Title, detail.CanEdit);
        InstructionsHtml = assignment.Instructions is { Length: > 0 } markdown ? LessonMarkdown.ToSafeHtml(markdown) : null;
        if (!Viewer.Is(Roles.Student) || detail.CanEdit) return true;
        try
        {
            Mine = await submissions.MineAsync(Viewer, assignmentId, Ct);
            if (Mine.Posted)
            {
                Report = await work.ReportAsync(Viewer, id, Viewer.PersonId!.Value, Ct);
                Explained = Report.Item(assignmentId);
            }
        }
        catch (ShellRefusal refusal) when (refusal.Status == StatusCodes.Status404NotFound)
        {
            Mine = null; // reads the course but is not one of its students (no dates): instructions only
        }
        return true;
    }

    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;
}

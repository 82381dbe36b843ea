using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Quizzes;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Web.Pages.Courses.Gradebook;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Review;

/// <summary>
/// Reviewing one assignment's submissions (<see cref="SubmissionReading"/>): every student with status, workflow and
/// score; one student's attempts (text shown as text, links, files downloaded through <see cref="AttemptFiles"/>, the
/// quiz attempts' summary) and a grade form (<see cref="Grading.GradeAsync"/>, If-Match the version shown, with a
/// reason when the rule asks for one); "Post grades" / "Hide grades" for a manually posted assignment
/// (<see cref="Grading.PostAsync"/>). Editors only: the friendly 403 or 404 page for anyone else.
/// </summary>
public sealed class IndexModel(AssignmentReading assignments, SubmissionReading reading, Grading grading, QuizService quizzes, AttemptFiles files)
    : PageModel
{
    public AssignmentView Assignment { get; private set; } = null!;
    public IReadOnlyList<SubmissionView> Submissions { get; private set; } = [];
    public SubmissionView? Selected { get; private set; }
    public IReadOnlyList<QuizAttemptView> QuizAttempts { get; private set; } = [];
    public string? Message { get; private set; }
    public string? Refusal { get; private set; }
    public Dictionary<string, string> Errors { get; } = new();

    /// <summary>What the grade form shows after a refusal: the typed score and reason.</summary>
    public string? TypedScore { get; private set; }
    public string? TypedReason { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;
    string Self(Guid id, Guid assignmentId, Guid? studentId, string? done) =>
        $"/courses/{id}/assignments/{assignmentId}/review" + QueryString.Create(new Dictionary<string, string?>
            { ["studentId"] = studentId?.ToString(), ["done"] = done }.Where(x => x.Value != null));

    public async Task<IActionResult> OnGetAsync(Guid id, Guid assignmentId, Guid? studentId, string? done)
    {
        if (await LoadAsync(id, assignmentId, studentId) is { } refused) return refused;
        Message = done switch
        {
            "graded" => "The grade is saved.",
            "posted" => "Grades are posted: students see them.",
            "hidden" => "Grades are hidden from students.",
            _ => null,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostGradeAsync(Guid id, Guid assignmentId, Guid studentId, int rowVersion, string? score, bool excused,
        string? status, string? reason)
    {
        var value = (score ?? "").Trim();
        var (parsed, error) = GradebookText.Parse(value.Length == 0 ? "" : value, reason);
        if (parsed != null)
        {
            var request = parsed with { Excused = excused || parsed.Excused == true, Status = string.IsNullOrEmpty(status) ? null : status };
            try
            {
                await grading.GradeAsync(Viewer, assignmentId, studentId, request, SubmissionETag.Of(rowVersion), GradeChannel.Web, Ct);
                return Redirect(Self(id, assignmentId, studentId, "graded"));
            }
            catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
            catch (ShellRefusal r) when (r.Status == 400 && r.Errors != null) { foreach (var (f, m) in r.Errors) Errors[f] = m[0]; }
            catch (ShellRefusal r) when (r.Status == 412)
            {
                Refusal = "Someone else changed this submission after you opened it (a grade, or a new attempt). It now shows the current version; enter your grade again.";
            }
            catch (ShellRefusal r) { Refusal = r.Message; }
        }
        else Errors["score"] = error!;
        if (await LoadAsync(id, assignmentId, studentId) is { } refused) return refused;
        if (Refusal == null) (TypedScore, TypedReason) = (value, reason);
        return Page();
    }

    public async Task<IActionResult> OnPostPostingAsync(Guid id, Guid assignmentId, bool posted, string? reason, Guid? studentId)
    {
        try
        {
            await grading.PostAsync(Viewer, assignmentId, new PostingRequest(posted, reason), GradeChannel.Web, Ct);
            return Redirect(Self(id, assignmentId, studentId, posted ? "posted" : "hidden"));
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        catch (ShellRefusal r) { Refusal = r.Message; }
        if (await LoadAsync(id, assignmentId, studentId) is { } refused) return refused;
        return Page();
    }

    /// <summary>A handed-in file, as an attachment with the type sniffed at upload (never rendered on the district's host).</summary>
    public async Task<IActionResult> OnGetFileAsync(Guid id, Guid assignmentId, Guid studentId, int attempt)
    {
        try
        {
            var file = await files.OpenAsync(Viewer, assignmentId, studentId, attempt, Ct);
            return file == null ? NotFound() : new FileStreamResult(file.Content, file.ContentType) { FileDownloadName = file.FileName };
        }
        catch (ShellRefusal r) { return StatusCode(r.Status); }
    }

    async Task<IActionResult?> LoadAsync(Guid id, Guid assignmentId, Guid? studentId)
    {
        try
        {
            Submissions = await reading.ListAsync(Viewer, assignmentId, Ct); // 403 for a learner, 404 when not visible
            if (await assignments.GetAsync(Viewer, assignmentId, Ct) is not { } assignment || assignment.ShellId != id) return NotFound();
            Assignment = assignment;
            if (studentId is { } sid)
            {
                Selected = await reading.OneAsync(Viewer, assignmentId, sid, Ct);
                if (Selected.Attempts?.Any(a => a.Kind == "quiz") == true)
                    QuizAttempts = (await quizzes.AttemptsAsync(Viewer, assignmentId, Ct)).Where(a => a.StudentId == sid).OrderBy(a => a.AttemptNo).ToList();
            }
        }
        catch (ShellRefusal r) when (r.Status is 403 or 404) { return StatusCode(r.Status); }
        return null;
    }

    /// <summary>A link attempt's address, only when it is http(s) (anything else is shown as text, never as a link).</summary>
    public static string? SafeLink(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps) ? u.AbsoluteUri : null;
}

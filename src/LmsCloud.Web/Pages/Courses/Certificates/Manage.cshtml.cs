using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Courses.Certificates;

/// <summary>
/// A course's certificates for its editors: the settings (issues yes/no, title, wording; a change is a new template
/// version, <see cref="CourseCertificates.SaveSettingsAsync"/>) and the issued certificates with a revoke form each
/// (reason required, <see cref="CourseCertificates.RevokeAsync"/>). 404 for a course the caller cannot read, 403 for one
/// they read but may not change (the service decides); field errors in place.
/// </summary>
public sealed class ManageModel(ShellReading reading, CourseCertificates certificates) : PageModel
{
    public ShellDetail Detail { get; private set; } = null!;
    public CertificateSettingsResponse Settings { get; private set; } = null!;
    public IReadOnlyList<CourseCertificate> Issued { get; private set; } = [];
    public SettingsForm Form { get; private set; } = null!;
    public sealed record SettingsForm(bool Issues, string? Title, string? Wording);
    public Dictionary<string, string> Errors { get; } = [];
    /// <summary>The certificate whose revoke form was refused, with the reason typed.</summary>
    public Guid? RevokeFor { get; private set; }
    public string? RevokeReason { get; private set; }
    public string? RevokeError { get; private set; }
    public string? Message { get; private set; }

    ShellViewer Viewer => ShellViewer.From(User);
    CancellationToken Ct => HttpContext.RequestAborted;

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, int? issued)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        Message = done switch
        {
            "settings" => issued > 0 ? $"The settings are saved; {issued} {(issued == 1 ? "certificate was" : "certificates were")} issued for past completions."
                : "The settings are saved.",
            "revoked" => "The certificate is revoked.",
            _ => null,
        };
        return Page();
    }

    public async Task<IActionResult> OnPostSettingsAsync(Guid id, bool issues, string? title, string? wording)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        try
        {
            var saved = await certificates.SaveSettingsAsync(Viewer, id, new CertificateSettingsRequest(issues, title, wording, Settings.MinScore), Ct);
            return Redirect($"/courses/{id}/certificates?done=settings&issued={saved.IssuedNow}");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id) == null, () =>
            {
                Form = new(issues, title, wording);
                if (refusal.Errors != null) foreach (var (field, messages) in refusal.Errors) Errors[field] = messages[0];
                else Errors["title"] = CourseText.Message(refusal);
            });
        }
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, Guid certificateId, string? reason)
    {
        if (await LoadAsync(id) is { } refused) return refused;
        // Only this course's certificates are revoked from its page.
        if (Issued.All(c => c.Id != certificateId)) return NotFound();
        try
        {
            await certificates.RevokeAsync(Viewer, certificateId, reason, Ct);
            return Redirect($"/courses/{id}/certificates?done=revoked");
        }
        catch (ShellRefusal refusal)
        {
            return await CourseText.RefusedAsync(this, refusal, async () => await LoadAsync(id) == null, () =>
            {
                // Revoked meanwhile (409): the list shows it revoked, without a form to put the message in.
                if (refusal.Status == StatusCodes.Status409Conflict) Message = CourseText.Message(refusal);
                else (RevokeFor, RevokeReason, RevokeError) = (certificateId, reason, CourseText.Message(refusal));
            });
        }
    }

    /// <summary>Null when loaded; else 404 (not readable) or 403 (readable, not editable), as the service refuses.</summary>
    async Task<IActionResult?> LoadAsync(Guid id)
    {
        if (await reading.GetAsync(Viewer, id, Ct) is not { } detail) return NotFound();
        if (!detail.CanEdit) return Forbid();
        Detail = detail;
        Settings = await certificates.SettingsAsync(Viewer, id, Ct);
        Issued = await certificates.ForShellAsync(Viewer, id, Ct);
        Form = new(Settings.Issues, Settings.Title ?? detail.Shell.Title, Settings.Wording);
        return null;
    }

    public string? Error(string field) => Errors.TryGetValue(field, out var message) ? message : null;
}

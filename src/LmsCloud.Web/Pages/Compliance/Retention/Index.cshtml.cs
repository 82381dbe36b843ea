using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Compliance.Retention;

public sealed record PeriodRefusal(string Category, string? Period, string Message);

/// <summary>
/// The district's retention policy per data category (each table's period, the event it counts from, the floors) and its
/// retention runs. An officer sets a category's period (<see cref="RetentionPolicies.SetAsync"/>, so the floors and the
/// audit are the API's) and makes a dry-run report now; a district admin reads, and a POST of theirs is refused (403).
/// </summary>
public sealed class RetentionIndexModel(RetentionPolicies policies, RetentionRuns runs) : PageModel
{
    public IReadOnlyList<RetentionPolicyView> Policies { get; private set; } = [];
    public IReadOnlyList<RetentionRunView> Runs { get; private set; } = [];
    public bool CanAct => User.IsInRole(Roles.ComplianceOfficer);
    public string? Message { get; private set; }
    public string? ReportError { get; private set; }
    public Guid? OpenRunId { get; private set; }
    /// <summary>The category whose period was refused, the text entered and why (shown next to that field).</summary>
    public PeriodRefusal? PeriodError { get; private set; }

    public async Task OnGetAsync(string? saved)
    {
        Message = saved is { Length: > 0 } ? $"The retention period of {saved} is saved." : null;
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostPeriodAsync(string category, string? period)
    {
        if (!CanAct) return Forbid();
        var outcome = await policies.SetAsync(category, period, AuditLog.ActorOf(User), HttpContext.RequestAborted);
        if (outcome.NotFound) return NotFound();
        if (outcome.Error != null)
        {
            PeriodError = new(category, period, outcome.Error);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync();
            return Page();
        }
        return Redirect($"/compliance/retention?saved={Uri.EscapeDataString(outcome.Policy!.Category)}"); // PRG
    }

    public async Task<IActionResult> OnPostReportAsync()
    {
        if (!CanAct) return Forbid();
        var outcome = await runs.ReportAsync("api", AuditLog.ActorOf(User), HttpContext.RequestAborted);
        if (outcome.Run is { } run) return Redirect($"/compliance/retention/runs/{run.Id}");
        ReportError = outcome.Error!.Message;
        OpenRunId = outcome.Error.RunId;
        Response.StatusCode = outcome.Error.Kind == RetentionErrorKind.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Policies = await policies.ListAsync(ct);
        Runs = await runs.ListAsync(ct: ct);
    }
}

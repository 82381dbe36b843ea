using LmsCloud.Core.Audit;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>
/// The confirmation before applying a held or dry run: it says what will change, from the run's counts; the POST
/// reopens the run (<see cref="ImportReview.ReopenForApplyAsync"/>, audited <c>sis_import.applied_after_review</c> as the
/// API's apply is) and queues it with the thresholds waived, then goes back to the run's page to watch it.
/// </summary>
public sealed class ApplyModel(ImportReview review, ImportQueue queue, IMultiTenantContextAccessor<District> tenant) : PageModel
{
    public ImportRunResponse Run { get; private set; } = null!;
    public bool CanApply => Run.Status is RunStatus.Held or RunStatus.DryRun;

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        if (await review.GetAsync(id, ImportPages.ReadsDemographics(User), HttpContext.RequestAborted) is not { } run) return NotFound();
        Run = run;
        if (!CanApply) Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id)
    {
        var ct = HttpContext.RequestAborted;
        var outcome = await review.ReopenForApplyAsync(id, ct);
        if (outcome.Run == null) return NotFound();
        if (!outcome.Reopened) return await OnGetAsync(id); // someone else applied it meanwhile: say so (409)
        queue.Enqueue(new ImportWork(tenant.MultiTenantContext.TenantInfo!, id, ApplyReviewed: true, AuditLog.ActorOf(User)));
        return Redirect($"/imports/{id}");
    }
}

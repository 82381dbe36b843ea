using System.Globalization;
using System.Text;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;

namespace LmsCloud.Web.Pages.Compliance.Retention;

/// <summary>
/// One retention run: the dry-run report (a summary per kind, the items sortable by <see cref="RetentionRuns.SortColumns"/>
/// and paged, the CSV), approval with an optional comment and cancellation with a reason (officers only, through
/// <see cref="RetentionRuns"/> as the API), and after the run what was deleted, what was skipped or held and why, and its
/// deletion certificate.
/// </summary>
public sealed class RetentionRunModel(RetentionRuns runs) : PageModel
{
    public const int PageSize = 100;

    [BindProperty(SupportsGet = true)] public string? Sort { get; set; }
    [BindProperty(SupportsGet = true)] public bool Desc { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int PageNumber { get; set; } = 1;

    public RetentionRunView? Run { get; private set; }
    public IReadOnlyList<RetentionItemView> Items { get; private set; } = [];
    public IReadOnlyList<RetentionItemView> PageItems { get; private set; } = [];
    public int PageCount { get; private set; }
    public bool CanAct => User.IsInRole(Roles.ComplianceOfficer);
    public string? Message { get; private set; }
    public string? ActionError { get; private set; }
    /// <summary>A cancellation refused for want of a reason: shown next to the reason field.</summary>
    public string? ReasonError { get; private set; }
    public string SortKey => Sort is { } s && RetentionRuns.SortColumns.ContainsKey(s) ? s : "seq";

    public async Task<IActionResult> OnGetAsync(Guid id, string? done)
    {
        Message = done switch
        {
            "approved" => "The report is approved: the nightly job (or an operator's lms compliance retention run) deletes what is still due.",
            "cancelled" => "The run is cancelled: nothing of it will be deleted.",
            _ => null,
        };
        if (!await LoadAsync(id)) return NotFound();
        if (Run!.State != (done == "approved" ? RetentionRunStates.Approved : RetentionRunStates.Cancelled)) Message = null; // an old address, the run moved on
        return Page();
    }

    /// <summary>The report as CSV, in the order shown.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id)
    {
        if (await runs.GetAsync(id, HttpContext.RequestAborted) == null) return NotFound();
        var items = await runs.ItemsAsync(id, SortKey, Desc, HttpContext.RequestAborted);
        return File(Encoding.UTF8.GetBytes(RetentionRuns.ToCsv(items)), "text/csv; charset=utf-8", $"retention-run-{id}.csv");
    }

    public async Task<IActionResult> OnPostApproveAsync(Guid id, string? comment)
    {
        if (!CanAct) return Forbid();
        return await AnswerAsync(id, await runs.ApproveAsync(id, AuditLog.ActorOf(User), string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(),
            HttpContext.RequestAborted), "approved");
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, string? reason)
    {
        if (!CanAct) return Forbid();
        if (string.IsNullOrWhiteSpace(reason))
        {
            ReasonError = "Say why the run is cancelled.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await LoadAsync(id) ? Page() : NotFound();
        }
        return await AnswerAsync(id, await runs.CancelAsync(id, AuditLog.ActorOf(User), reason.Trim(), HttpContext.RequestAborted), "cancelled");
    }

    async Task<IActionResult> AnswerAsync(Guid id, RetentionOutcome outcome, string done)
    {
        if (outcome.Run != null) return Redirect($"/compliance/retention/runs/{id}?done={done}"); // PRG
        if (outcome.Error!.Kind == RetentionErrorKind.NotFound) return NotFound();
        ActionError = outcome.Error.Message;
        Response.StatusCode = outcome.Error.Kind == RetentionErrorKind.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return await LoadAsync(id) ? Page() : NotFound();
    }

    async Task<bool> LoadAsync(Guid id)
    {
        var ct = HttpContext.RequestAborted;
        Run = await runs.GetAsync(id, ct);
        if (Run == null) return false;
        Items = await runs.ItemsAsync(id, SortKey, Desc, ct);
        PageCount = Math.Max(1, (Items.Count + PageSize - 1) / PageSize);
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);
        PageItems = Items.Skip((PageNumber - 1) * PageSize).Take(PageSize).ToList();
        return true;
    }

    /// <summary>Items per kind and table: how many, their rows, how many a hold blocks, and (after the run) how they ended.</summary>
    public IEnumerable<(string Kind, string Table, int Items, long Rows, int Held, int Done, int Skipped)> Summary() =>
        Items.GroupBy(i => (i.Kind, i.TableName)).OrderBy(g => g.Key.Kind).Select(g => (g.Key.Kind, g.Key.TableName, g.Count(), g.Sum(i => i.Rows),
            g.Count(i => i.HoldId != null || i.Outcome == RetentionOutcomes.Held), g.Count(i => i.Outcome == RetentionOutcomes.Done),
            g.Count(i => i.Outcome == RetentionOutcomes.Skipped)));

    /// <summary>This report's address sorted by <paramref name="sort"/> (the same column again flips the order), another page or the CSV.</summary>
    public string Link(string? sort = null, int? page = null, string? handler = null)
    {
        var key = sort ?? SortKey;
        var desc = sort == null ? Desc : sort == SortKey && !Desc;
        var query = new Dictionary<string, string?>
        {
            ["handler"] = handler, ["sort"] = key == "seq" && !desc ? null : key, ["desc"] = desc ? "true" : null,
            ["p"] = page is > 1 ? page.Value.ToString(CultureInfo.InvariantCulture) : null,
        };
        return QueryHelpers.AddQueryString($"/compliance/retention/runs/{Run!.Id}", query.Where(q => q.Value != null));
    }

    public string? AriaSort(string column) => column == SortKey ? (Desc ? "descending" : "ascending") : null;
}

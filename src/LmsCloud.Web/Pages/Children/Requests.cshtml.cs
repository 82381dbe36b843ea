using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using LmsCloud.Web.Pages.Compliance.Requests;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Children;

/// <summary>
/// A guardian's "My requests": the requests they made (<see cref="ComplianceRequests.QueryByRequester"/>), never anyone
/// else's, with the download of a ready export (<see cref="ExportDownloads"/>, which serves the requester only and logs
/// the disclosure). A refused download is this page with the reason.
/// </summary>
[Authorize(Roles = Roles.Guardian)]
public sealed class MyRequestsModel(ComplianceRequests requests, ExportDownloads downloads, LmsDbContext db, TimeProvider clock) : PageModel
{
    public const int MaxShown = 100;

    public IReadOnlyList<(ComplianceRequestView Request, ExportStatus? Export)> Requests { get; private set; } = [];
    public Dictionary<Guid, RequestPerson> People { get; private set; } = [];
    public bool Created { get; private set; }
    public string? Refusal { get; private set; }

    public async Task OnGetAsync(Guid? created)
    {
        Created = created != null;
        await LoadAsync();
    }

    public async Task<IActionResult> OnGetDownloadAsync(Guid id)
    {
        var outcome = await downloads.OpenAsync(id, AuditLog.ActorOf(User), HttpContext.RequestAborted);
        if (outcome.Content is { } content) return File(content, "application/zip", outcome.FileName);
        // Someone else's request is "not yours", whatever its state: the page says no more about it.
        Refusal = outcome.Refusal is DownloadRefusal.NotRequester or DownloadRefusal.NotFound
            ? "This is not one of your requests." : outcome.Message;
        Response.StatusCode = DetailModel.DownloadStatus(outcome.Refusal);
        await LoadAsync();
        return Page();
    }

    async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        var now = clock.GetUtcNow();
        var mine = await requests.QueryByRequester(AuditLog.ActorOf(User)).Take(MaxShown).ToListAsync(ct);
        var rows = new List<(ComplianceRequestView, ExportStatus?)>();
        foreach (var r in mine)
            rows.Add((ComplianceRequestView.From(r, now), r.State == RequestStates.Ready ? await ComplianceExports.StatusAsync(db, r.Id, now, ct) : null));
        Requests = rows;
        People = await RequestText.PeopleAsync(db, mine.Select(r => r.SubjectUserId), ct);
    }

    public string Subject(Guid? id) => id is { } known && People.TryGetValue(known, out var person) ? person.Name : "—";

    /// <summary>A guardian's words for where the request is.</summary>
    public static string Progress(string state) => state switch
    {
        RequestStates.Received or RequestStates.AwaitingApproval => "Waiting for the district's review",
        RequestStates.Approved or RequestStates.Processing => "Approved: the copy is being prepared",
        RequestStates.Failed => "Delayed: the district is working on it",
        RequestStates.Ready => "Ready to download",
        RequestStates.Completed => "Done",
        RequestStates.Rejected => "Declined",
        RequestStates.Cancelled => "Cancelled",
        RequestStates.Expired => "The download link expired",
        _ => state,
    };
}

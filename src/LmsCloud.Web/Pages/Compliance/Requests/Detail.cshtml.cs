using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Compliance.Requests;

/// <summary>
/// One request: its facts, the timeline, the officer's actions the state allows (through
/// <see cref="ComplianceRequests.TransitionAsync"/> and <see cref="ComplianceRequests.CommentAsync"/>, so the same rules
/// and audit events as the API), the export's live progress (the section polls <c>?handler=progress</c> while the export
/// is pending) and file, the requester's download, and an erasure's deletion certificates. District admins read it; every
/// POST checks the officer role.
/// </summary>
public sealed class DetailModel(ComplianceRequests requests, ExportDownloads downloads, DeletionCertificates certificates, LmsDbContext db,
    TimeProvider clock) : PageModel
{
    public ComplianceRequestView Item { get; private set; } = null!;
    public Dictionary<Guid, RequestPerson> People { get; private set; } = [];
    public ExportStatus? Export { get; private set; }
    public IReadOnlyList<DeletionCertificate> Certificates { get; private set; } = [];
    public string? Message { get; private set; }
    /// <summary>Why an action was refused (an illegal move, a download that is not possible), shown at the top.</summary>
    public string? Refusal { get; private set; }
    /// <summary>The field error of the move that was tried: the state it tried to reach and the message.</summary>
    public (string To, string Message)? MoveError { get; private set; }
    public string? CommentError { get; private set; }
    public string? Reason { get; private set; }
    public string? CommentText { get; private set; }

    public bool IsOfficer => User.IsInRole(Roles.ComplianceOfficer);
    public bool IsRequester => AuditLog.ActorOf(User) is var me && me.Type == Item.RequesterActorType && me.Id == Item.RequesterActorId;
    public bool ProducesFile => ComplianceExports.Types.Contains(Item.Type);
    /// <summary>The export is still to come: the progress section asks for itself again until it is not.</summary>
    public bool ExportPending => ProducesFile && Item.State is RequestStates.Approved or RequestStates.Processing;
    public IReadOnlyList<string> Moves => IsOfficer ? RequestText.OfficerMoves(Item.Type, Item.State) : [];

    public async Task<IActionResult> OnGetAsync(Guid id, string? done)
    {
        Message = done switch
        {
            "created" => "The request is created and received.",
            "commented" => "The comment is on the timeline.",
            { } state when RequestStates.All.Contains(state) => $"The request is now {RequestText.State(state).ToLowerInvariant()}.",
            _ => null,
        };
        return await LoadAsync(id) ? Page() : NotFound();
    }

    /// <summary>The export section alone, for the page's polling; a plain request gets the whole page.</summary>
    public async Task<IActionResult> OnGetProgressAsync(Guid id)
    {
        if (!await LoadAsync(id)) return NotFound();
        return HttpContext.Request.Headers.ContainsKey("HX-Request") ? Partial("_ExportProgress", this) : Page();
    }

    /// <summary>The zip, for the requester only; any refusal (not the requester, not ready, expired) is this page with the reason.</summary>
    public async Task<IActionResult> OnGetDownloadAsync(Guid id)
    {
        var outcome = await downloads.OpenAsync(id, AuditLog.ActorOf(User), HttpContext.RequestAborted);
        if (outcome.Content is { } content) return File(content, "application/zip", outcome.FileName);
        if (!await LoadAsync(id)) return NotFound();
        Refusal = outcome.Message;
        Response.StatusCode = DownloadStatus(outcome.Refusal);
        return Page();
    }

    public async Task<IActionResult> OnPostMoveAsync(Guid id, string? to, string? text)
    {
        if (!IsOfficer) return Forbid();
        var outcome = await requests.TransitionAsync(id, to ?? "", RequestText.CallerOf(User), string.IsNullOrWhiteSpace(text) ? null : text,
            HttpContext.RequestAborted);
        if (outcome.Request != null) return Redirect($"/compliance/requests/{id}?done={to}"); // PRG
        var error = outcome.Error!;
        if (error.Kind == RequestErrorKind.NotFound) return NotFound();
        if (!await LoadAsync(id)) return NotFound();
        if (error.Kind == RequestErrorKind.IllegalTransition)
        {
            // Usually someone else moved it first (another officer, the export job): say what it is now.
            Refusal = $"This request is {RequestText.State(Item.State).ToLowerInvariant()} now, so it cannot move to " +
                      $"{RequestText.State(to!).ToLowerInvariant()}. The page shows what can be done next.";
            Response.StatusCode = StatusCodes.Status409Conflict;
        }
        else
        {
            MoveError = (to ?? "", error.Field == "reason" ? "Give a reason: the requester and the audit trail need it." : error.Message);
            Reason = text;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        return Page();
    }

    public async Task<IActionResult> OnPostCommentAsync(Guid id, string? comment)
    {
        if (!IsOfficer) return Forbid();
        var outcome = await requests.CommentAsync(id, comment, RequestText.CallerOf(User), HttpContext.RequestAborted);
        if (outcome.Request != null) return Redirect($"/compliance/requests/{id}?done=commented");
        if (outcome.Error!.Kind == RequestErrorKind.NotFound || !await LoadAsync(id)) return NotFound();
        CommentError = outcome.Error.Message;
        CommentText = comment;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public static int DownloadStatus(DownloadRefusal? refusal) => refusal switch
    {
        DownloadRefusal.NotRequester => StatusCodes.Status403Forbidden,
        DownloadRefusal.NotReady => StatusCodes.Status409Conflict,
        DownloadRefusal.Expired => StatusCodes.Status410Gone,
        _ => StatusCodes.Status404NotFound,
    };

    async Task<bool> LoadAsync(Guid id)
    {
        var ct = HttpContext.RequestAborted;
        if (await requests.GetAsync(id, ct) is not { } view) return false;
        Item = view;
        People = await RequestText.PeopleAsync(db, RequestText.IdsOf(view), ct);
        if (ProducesFile) Export = await ComplianceExports.StatusAsync(db, id, clock.GetUtcNow(), ct);
        if (view.Type == RequestTypes.Erasure) Certificates = await certificates.OfAsync(id, ct);
        return true;
    }

    public string Person(Guid? id) =>
        id is not { } known ? "Whole district" : People.TryGetValue(known, out var person) ? person.ToString() : "an erased person";

    public string Actor(string type, string? id) => RequestText.Actor(type, id, People);
}

using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>One file's findings: stored and in all, and the count per code (the run's <c>findings</c>).</summary>
public sealed record FileFindings(string File, int Stored, int Total, bool Truncated, IReadOnlyList<(string Code, int Count)> Codes);

/// <summary>
/// A run: status, trigger, who, times, reason, live progress and counts, findings, links to its errors and changes, and
/// Apply for a held or dry run. While the run is under way the status section polls its own partial
/// (<c>?handler=status</c>) every second; the partial stops asking once the run is finished.
/// </summary>
public sealed class RunModel(ImportReview review, LmsDbContext db) : PageModel
{
    public ImportRunResponse Run { get; private set; } = null!;
    public string RequestedBy { get; private set; } = "";
    public bool Finished => RunStatus.IsTerminal(Run.Status);
    public bool CanApply => Run.Status is RunStatus.Held or RunStatus.DryRun;
    public List<EntityCountsRow> Counts => ImportRunText.Counts(Run.Counts);
    public List<FileFindings> Findings { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id) ? Page() : NotFound();

    /// <summary>The status section alone, for the page's polling; a plain request gets the whole page.</summary>
    public async Task<IActionResult> OnGetStatusAsync(Guid id)
    {
        // The poll (every second while a run is open) renders the status section only, which never shows the requester.
        var poll = Request.Headers.ContainsKey("HX-Request");
        if (!await LoadAsync(id, withRequester: !poll)) return NotFound();
        return poll ? Partial("_RunStatus", this) : Page();
    }

    async Task<bool> LoadAsync(Guid id, bool withRequester = true)
    {
        var ct = HttpContext.RequestAborted;
        if (await review.GetAsync(id, ImportPages.ReadsDemographics(User), ct) is not { } run) return false;
        Run = run;
        if (withRequester) RequestedBy = await RequesterAsync(run.RequestedBy, ct);
        Findings = ReadFindings(run.Findings);
        return true;
    }

    /// <summary>Who started the run, as a person reads it: a user's name, an integration client, the nightly job, an operator.</summary>
    async Task<string> RequesterAsync(string? requestedBy, CancellationToken ct)
    {
        var (type, id) = requestedBy?.Split(':', 2) is [var t, var i] ? (t, i) : ("", requestedBy ?? "");
        if (type == "user" && Guid.TryParse(id, out var userId))
            return await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(ct) ?? "a deleted user";
        return type switch
        {
            "client" => $"integration client {id}",
            "system" => id == "nightly-import" ? "the nightly import" : id,
            "operator" => $"operator {id}",
            _ => requestedBy ?? "unknown",
        };
    }

    static List<FileFindings> ReadFindings(JsonElement findings)
    {
        if (findings.ValueKind != JsonValueKind.Object) return [];
        return findings.EnumerateObject().Select(f => new FileFindings(f.Name,
            f.Value.TryGetProperty("stored", out var s) ? s.GetInt32() : 0,
            f.Value.TryGetProperty("total", out var t) ? t.GetInt32() : 0,
            f.Value.TryGetProperty("truncated", out var tr) && tr.ValueKind == JsonValueKind.True,
            f.Value.TryGetProperty("codes", out var codes) && codes.ValueKind == JsonValueKind.Object
                ? codes.EnumerateObject().Select(c => (c.Name, c.Value.GetInt32())).ToList()
                : [])).ToList();
    }
}

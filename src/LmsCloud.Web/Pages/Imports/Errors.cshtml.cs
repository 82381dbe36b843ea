using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>
/// A run's row errors and warnings, by file and line, paged and filtered by file and code (the choices are what the run
/// has); the same masking and <c>demographics.viewed</c> audit as the errors CSV (<see cref="ImportReview.ErrorsAsync"/>),
/// which the page links to (<c>GET /api/sis/imports/{id}/errors</c> answers the session cookie too).
/// </summary>
public sealed class ErrorsModel(ImportReview review) : PageModel
{
    public const int PageSize = 50;

    public Guid RunId { get; private set; }
    [FromQuery(Name = "file")] public string? FileName { get; set; }
    [FromQuery(Name = "code")] public string? Code { get; set; }
    public List<string> Files { get; private set; } = [];
    public List<string> Codes { get; private set; } = [];
    public PagedList<ImportRowError> Errors { get; private set; } = null!;
    public Pager Pager { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, [FromQuery(Name = "page")] int page = 1)
    {
        var ct = HttpContext.RequestAborted;
        RunId = id;
        (Files, Codes) = await review.ErrorFacetsAsync(id, ct);
        // Only what the run has can be chosen; anything else (a stale link, NUL) is no filter rather than a database error.
        if (FileName != null && !Files.Contains(FileName)) FileName = null;
        if (Code != null && !Codes.Contains(Code)) Code = null;
        if (await review.ErrorsAsync(id, FileName, Code, Math.Max(1, page), PageSize, ImportPages.ReadsDemographics(User), ct) is not { } errors)
            return NotFound();
        Errors = errors;
        Pager = new Pager($"/imports/{id}/errors", errors.Page, PageSize, errors.Total, new Dictionary<string, string?> { ["file"] = FileName, ["code"] = Code });
        return Page();
    }
}

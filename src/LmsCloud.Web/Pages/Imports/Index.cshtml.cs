using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Web.Imports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>The upload form as the run list and the upload page show it.</summary>
public sealed record UploadFormView(bool DryRun, long MaxMegabytes, UploadRefusal? Refusal = null);

/// <summary>The district's import runs, newest first, and the upload form (which posts to <see cref="UploadModel"/>).</summary>
public sealed class IndexModel(ImportReview review, IOptions<SisOptions> options) : PageModel
{
    public const int PageSize = 20;

    public PagedList<ImportRunResponse> Runs { get; private set; } = null!;
    public Pager Pager { get; private set; } = null!;
    public UploadFormView Upload => new(DryRun: true, options.Value.MaxUploadMegabytes);

    public async Task<IActionResult> OnGetAsync([FromQuery(Name = "page")] int page = 1)
    {
        if (page < 1) return RedirectToPage();
        Runs = await review.ListAsync(page, PageSize, ImportPages.ReadsDemographics(User), HttpContext.RequestAborted);
        Pager = new Pager("/imports", page, PageSize, Runs.Total, new Dictionary<string, string?>());
        return Page();
    }
}

public static class ImportPages
{
    /// <summary>Policy DemographicsReader of the API: district admins and compliance officers.</summary>
    public static bool ReadsDemographics(System.Security.Claims.ClaimsPrincipal user) =>
        user.IsInRole(Roles.DistrictAdmin) || user.IsInRole(Roles.ComplianceOfficer);
}

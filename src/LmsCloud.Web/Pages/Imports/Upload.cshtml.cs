using LmsCloud.Core.Audit;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using LmsCloud.Web.Imports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>
/// The upload form's target: streams the package into storage as <c>POST /api/sis/imports</c> does (same size cap and
/// zip checks, <see cref="PackageUpload"/>), starts the run and goes to its page; a refused file shows the form again
/// with the reason (400, or 413 past the size cap). The antiforgery token is checked by <see cref="UploadForm"/>.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class UploadModel(ImportQueue queue, IFileStorage storage, IOptions<SisOptions> options, IMultiTenantContextAccessor<District> tenant)
    : PageModel
{
    public UploadFormView Upload { get; private set; } = null!;

    public IActionResult OnGet() => Redirect("/imports");

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        var district = tenant.MultiTenantContext.TenantInfo!;
        var key = ImportQueue.UploadKey(district.TenantId);
        var (package, refusal, fields) = await UploadForm.StoreAsync(HttpContext, key, ct);
        var dryRun = fields.TryGetValue("dryRun", out var value) && value == "true";
        if (package == null)
        {
            Upload = new UploadFormView(dryRun, options.Value.MaxUploadMegabytes, refusal);
            Response.StatusCode = refusal!.Status;
            return Page();
        }
        var runId = await queue.StartUploadAsync(district, await storage.GetLocalPathAsync(key, ct), package.FileName, package.Sha256,
            AuditLog.ActorOf(User), dryRun, ct);
        return Redirect($"/imports/{runId}");
    }
}

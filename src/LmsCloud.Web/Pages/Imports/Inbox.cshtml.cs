using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using LmsCloud.Web.Imports;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LmsCloud.Web.Pages.Imports;

/// <summary>
/// The district's inbox (what waits for the nightly import, refused files and why: <see cref="SisInbox.ListCheckedAsync"/>)
/// and the upload-to-inbox form, streamed and checked as <c>POST /api/sis/inbox</c> is. The antiforgery token is
/// checked by <see cref="UploadForm"/> from the form's first field, so the page does not buffer the body.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class InboxModel(SisInbox inbox, IMultiTenantContextAccessor<District> tenant, IOptions<SisOptions> options, TimeProvider clock)
    : PageModel
{
    public List<InboxItemResponse> Items { get; private set; } = [];
    public UploadRefusal? Refusal { get; private set; }
    public string? Delivered { get; private set; }
    public long MaxMegabytes => options.Value.MaxUploadMegabytes;

    public async Task OnGetAsync([FromQuery(Name = "delivered")] string? delivered)
    {
        Delivered = delivered;
        Items = await inbox.ListCheckedAsync(tenant.MultiTenantContext.TenantInfo!, HttpContext.RequestAborted);
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var district = tenant.MultiTenantContext.TenantInfo!;
        var (name, key) = SisInbox.NewUpload(district.TenantId, clock.GetUtcNow());
        var (package, refusal, _) = await UploadForm.StoreAsync(HttpContext, key, HttpContext.RequestAborted);
        if (package != null) return Redirect($"/imports/inbox?delivered={Uri.EscapeDataString(name)}");
        Refusal = refusal;
        Response.StatusCode = refusal!.Status;
        Items = await inbox.ListCheckedAsync(district, HttpContext.RequestAborted);
        return Page();
    }
}

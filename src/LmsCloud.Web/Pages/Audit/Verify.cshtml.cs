using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Audit;

/// <summary>The chain check of <c>GET /api/audit/verify</c> (<see cref="AuditLog.VerifyAsync"/>), said plainly.</summary>
public sealed class AuditVerifyModel(LmsDbContext db) : PageModel
{
    public AuditVerification Result { get; private set; } = new(true, 0, null);

    public async Task OnGetAsync() => Result = await AuditLog.VerifyAsync(db, HttpContext.RequestAborted);
}

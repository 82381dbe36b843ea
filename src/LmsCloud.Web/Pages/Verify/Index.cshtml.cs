using LmsCloud.Core.Learning.Certificates;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LmsCloud.Web.Pages.Verify;

/// <summary>
/// The public verification of a completion certificate, anonymous on the district's host: name, course, date and, if
/// revoked, when — what <see cref="CourseCertificates.VerifyAsync"/> answers and nothing more. An unknown code and another
/// district's code (RLS scopes the look-up to the host's district) get the same not-found page, so it is no oracle.
/// </summary>
public sealed class IndexModel(CourseCertificates certificates, DistrictBranding branding) : PageModel
{
    public CertificateVerification? Found { get; private set; }
    /// <summary>The revocation day in the district's time zone.</summary>
    public DateOnly? RevokedOn { get; private set; }

    public async Task OnGetAsync(string code)
    {
        Found = await certificates.VerifyAsync(code, HttpContext.RequestAborted);
        if (Found == null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        if (Found.RevokedAt is { } at)
        {
            var look = await branding.CurrentAsync();
            var zone = TimeZoneInfo.TryFindSystemTimeZoneById(look.TimeZone, out var z) ? z : TimeZoneInfo.Utc;
            RevokedOn = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        }
    }
}

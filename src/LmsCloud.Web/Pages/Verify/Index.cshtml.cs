using LmsCloud.Core.Learning.Certificates;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace LmsCloud.Web.Pages.Verify;

/// <summary>
/// The public verification of a completion certificate, anonymous on the district's host: name, course, date and, if
/// revoked, when — what <see cref="CourseCertificates.VerifyAsync"/> answers and nothing more. An unknown code and another
/// district's code (RLS scopes the look-up to the host's district) get the same not-found page, so it is no oracle.
/// Look-ups are rate limited per district and client address (shared with <c>/api/verify/{code}</c>), so codes cannot
/// be enumerated: the policy is registered by the host with the other rate limits.
/// </summary>
[EnableRateLimiting(RateLimitPolicy)]
public sealed class IndexModel(CourseCertificates certificates, DistrictBranding branding) : PageModel
{
    public const string RateLimitPolicy = "certificate-verify";

    /// <summary>Look-ups per district and client address (IPv6: per /64) a minute, page and API together.</summary>
    public const int LookupsPerMinute = 30;

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

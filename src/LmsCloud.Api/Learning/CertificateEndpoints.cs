using System.Security.Claims;
using LmsCloud.Core.Learning.Certificates;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record RevokeCertificateRequest(string? Reason);

/// <summary>
/// Course completion certificates (docs/learning.md, "Completion certificates"): a shell's settings and list for its
/// editors, the caller's own, revocation, and the anonymous verification look-up on the district's host. The rules are
/// in Core (<see cref="CourseCertificates"/>).
/// </summary>
public static class CertificateEndpoints
{
    public static IEndpointRouteBuilder MapCourseCertificateEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells/{id:guid}").WithTags("Certificates").RequireAuthorization();
        shells.MapGet("/certificates", (Guid id, CourseCertificates certificates, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => certificates.ForShellAsync(ShellViewer.From(p), id, ct)));
        shells.MapGet("/certificate-settings", (Guid id, CourseCertificates certificates, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => certificates.SettingsAsync(ShellViewer.From(p), id, ct)));
        shells.MapPut("/certificate-settings", (Guid id, CertificateSettingsRequest body, CourseCertificates certificates, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => certificates.SaveSettingsAsync(ShellViewer.From(p), id, body, ct)));

        var mine = app.MapGroup("/api/certificates").WithTags("Certificates").RequireAuthorization();
        mine.MapGet("/mine", (CourseCertificates certificates, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => certificates.MineAsync(ShellViewer.From(p), ct)));
        mine.MapGet("/{certificateId:guid}", (Guid certificateId, CourseCertificates certificates, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => certificates.OneAsync(ShellViewer.From(p), certificateId, ct)));
        mine.MapPost("/{certificateId:guid}/revoke", (Guid certificateId, RevokeCertificateRequest body, CourseCertificates certificates,
            ClaimsPrincipal p, CancellationToken ct) => Run(() => certificates.RevokeAsync(ShellViewer.From(p), certificateId, body.Reason, ct)));

        // Anonymous and rate limited with the page: name, course, date and revocation only. An unknown code and another district's code answer the same 404.
        app.MapGet("/api/verify/{code}", async Task<Results<Ok<CertificateVerification>, ProblemHttpResult>> (string code,
            CourseCertificates certificates, CancellationToken ct) =>
            await certificates.VerifyAsync(code, ct) is { } found
                ? TypedResults.Ok(found)
                : TypedResults.Problem(statusCode: 404, title: "Certificate not found", detail: "No certificate with this code in this district."))
            .WithTags("Certificates").AllowAnonymous().RequireRateLimiting(LmsCloud.Web.Pages.Verify.IndexModel.RateLimitPolicy);
        return app;
    }
}

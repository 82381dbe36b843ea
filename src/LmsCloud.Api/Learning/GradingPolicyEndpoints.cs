using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Learning.Shells;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

/// <summary>
/// Grading policy, schemes, periods, final overrides and a student's grade over HTTP (docs/grade-engine.md, "Stored
/// scores, policy and periods"). Role and ownership checks are in Core; refusals are RFC 9457 problems (400 with
/// per-field errors, 403, 404 for what the caller cannot see, 409 for a closed period or an archived course).
/// </summary>
public static class GradingPolicyEndpoints
{
    public static IEndpointRouteBuilder MapGradingPolicyEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells/{shellId:guid}").WithTags("Grades").RequireAuthorization();
        shells.MapGet("/grading-policy", (Guid shellId, GradingPolicies policies, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => policies.GetAsync(ShellViewer.From(p), shellId, ct)))
            .WithSummary("The course's grading policy (teachers of the course and admins): weighting, late and missing policy, scheme, version.");
        shells.MapPut("/grading-policy", (Guid shellId, GradingPolicyInput body, [FromHeader(Name = "If-Match")] string? ifMatch, GradingPolicies policies,
                ClaimsPrincipal p, CancellationToken ct) => Run(() => policies.PutAsync(ShellViewer.From(p), shellId, body, Version(ifMatch), ct)))
            .WithSummary("Saves the grading policy and recomputes every student's grade in the same transaction (audited before/after). " +
                         "If-Match: the version read (412 when it changed since).");
        shells.MapPost("/grading-policy/preview", (Guid shellId, GradingPolicyInput body, GradingPolicies policies, ClaimsPrincipal p,
                CancellationToken ct) => Run(() => policies.PreviewAsync(ShellViewer.From(p), shellId, body, ct)))
            .WithSummary("What saving this policy would change, without saving: \"N students change letter grade\" and each moved score.");
        shells.MapGet("/grading-periods", async (Guid shellId, GradeAccess access, GradingPeriods periods, ClaimsPrincipal p, CancellationToken ct) =>
                await Run(async () =>
                {
                    await access.CheckEditableAsync(ShellViewer.From(p), shellId, ct);
                    return await periods.ForShellAsync(shellId, ct);
                }))
            .WithSummary("The course's grading periods (roster sessions of type gradingPeriod under its classes' terms), with their closure.");
        shells.MapGet("/students/{studentId:guid}/grade", (Guid shellId, Guid studentId, StudentGrades grades, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => grades.GetAsync(ShellViewer.From(p), shellId, studentId, ct)))
            .WithSummary("A student's grade: current, final, letters, groups with dropped items, explanation, stale; teachers also get the unposted view.");
        shells.MapPut("/students/{studentId:guid}/final-override", (Guid shellId, Guid studentId, FinalOverrideInput body, StudentGrades grades,
                ClaimsPrincipal p, CancellationToken ct) => Run(() => grades.SetOverrideAsync(ShellViewer.From(p), shellId, studentId, body, ct)))
            .WithSummary("Overrides a student's final grade ({percent, reason}; reason required). Refused (409) in a closed grading period.");
        shells.MapDelete("/students/{studentId:guid}/final-override", (Guid shellId, Guid studentId, string? reason, StudentGrades grades,
                ClaimsPrincipal p, CancellationToken ct) => RunNoContent(() => grades.RemoveOverrideAsync(ShellViewer.From(p), shellId, studentId, reason, ct)))
            .WithSummary("Removes a student's final grade override (?reason= required).");

        var schemes = app.MapGroup("/api/grading-schemes").WithTags("Grades").RequireAuthorization();
        schemes.MapGet("", (GradingSchemes s, ClaimsPrincipal p, CancellationToken ct) => Run(() => s.ListAsync(ShellViewer.From(p), ct)))
            .WithSummary("The district's grading schemes, its default and the built-in ladder (staff).");
        schemes.MapPost("", (GradingSchemeInput body, GradingSchemes s, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => s.CreateAsync(ShellViewer.From(p), body, ct)))
            .WithSummary("Adds a scheme (district admins): letters unique, minimums strictly descending, the lowest 0.");
        schemes.MapPut("/default", (DefaultSchemeInput body, GradingSchemes s, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => s.SetDefaultAsync(ShellViewer.From(p), body.SchemeId, ct)))
            .WithSummary("Chooses the district default scheme (null: the built-in ladder) and recomputes the courses using it.");
        schemes.MapPut("/{id:guid}", (Guid id, GradingSchemeInput body, GradingSchemes s, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => s.UpdateAsync(ShellViewer.From(p), id, body, ct)))
            .WithSummary("Changes a scheme (district admins) and recomputes the courses using it.");

        var periods = app.MapGroup("/api/grading-periods/{sessionId:guid}").WithTags("Grades").RequireAuthorization();
        periods.MapPost("/close", (Guid sessionId, GradingPeriods g, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => g.CloseAsync(ShellViewer.From(p), sessionId, ct)))
            .WithSummary("Closes a grading period (district and school admins): grade changes falling into it are refused.");
        periods.MapPost("/reopen", (Guid sessionId, GradingPeriods g, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => g.ReopenAsync(ShellViewer.From(p), sessionId, ct)))
            .WithSummary("Reopens a closed grading period (district and school admins).");
        return app;
    }

    /// <summary>An If-Match of <c>"3"</c>, <c>W/"3"</c> or <c>3</c> is version 3; absent or <c>*</c> checks nothing; anything else is a 400.</summary>
    static int? Version(string? ifMatch)
    {
        var text = ifMatch?.Trim();
        if (string.IsNullOrEmpty(text) || text == "*") return null;
        if (text.StartsWith("W/", StringComparison.Ordinal)) text = text[2..];
        return int.TryParse(text.Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
            : throw ShellRefusal.Invalid("If-Match", "If-Match is the policy's version as read, e.g. \"3\".");
    }
}

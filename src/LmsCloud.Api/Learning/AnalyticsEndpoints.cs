using System.Security.Claims;
using LmsCloud.Core.Learning.Analytics;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Learning;

/// <summary>
/// Analytics over HTTP (docs/learning.md, "Analytics"): a shell's class progress table and course analytics for its
/// editors (404 for anyone else, students and guardians included), and the district view across schools with the drill
/// into one school's shells (district admins all schools, school admins theirs; 403 for other roles). Role checks and
/// SQL are in Core (<see cref="ClassProgress"/>, <see cref="CourseAnalytics"/>, <see cref="DistrictAnalytics"/>).
/// </summary>
public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells/{id:guid}").WithTags("Analytics").RequireAuthorization();
        shells.MapGet("/class-progress", (Guid id, Guid? classId, string? sort, bool? desc, ClassProgress progress, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => progress.ForShellAsync(ShellViewer.From(p), id,
                new ClassProgressQuery(classId, ParseSort<ClassProgressSort>(sort), desc ?? false), ct)))
            .WithSummary("Class progress: every actively enrolled student × the shell's required items (sort: name, percent, lastActivity, timeOnTask).");
        shells.MapGet("/analytics", (Guid id, CourseAnalytics analytics, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => analytics.ForShellAsync(ShellViewer.From(p), id, ct)))
            .WithSummary("Course analytics: per item started, completed, drop-off, median time; per course enrolled, never started, completion.");

        var district = app.MapGroup("/api/analytics/district").WithTags("Analytics").RequireAuthorization();
        district.MapGet("/", (DistrictAnalytics analytics, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => analytics.SchoolsAsync(ShellViewer.From(p), ct)))
            .WithSummary("Per school: published shells, students, course enrollments, started, completed, completion rate.");
        district.MapGet("/schools/{schoolId:guid}/shells", (Guid schoolId, int? page, int? pageSize, string? sort, bool? desc,
                DistrictAnalytics analytics, ClaimsPrincipal p, CancellationToken ct) =>
                Run(() => analytics.SchoolShellsAsync(ShellViewer.From(p), schoolId, page ?? 1, pageSize ?? 25,
                    ParseSort<ShellAnalyticsSort>(sort), desc ?? false, ct)))
            .WithSummary("One school's published shells with their numbers, paged (sort: title, enrollments, started, completionRate).");
        return app;
    }

    /// <summary>A sort key by its name (case-insensitive; absent: the first); anything else is a 400 on <c>sort</c>.</summary>
    public static TSort ParseSort<TSort>(string? sort) where TSort : struct, Enum =>
        string.IsNullOrEmpty(sort) ? default
        : Enum.TryParse<TSort>(sort, ignoreCase: true, out var value) && Enum.IsDefined(value) && !sort.Any(char.IsDigit) ? value
        : throw ShellRefusal.Invalid("sort", $"Sort by one of: {string.Join(", ", Enum.GetNames<TSort>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");

    static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> Run<T>(Func<Task<T>> action)
    {
        try { return TypedResults.Ok(await action()); }
        catch (ShellRefusal r) when (r.Errors != null) { return TypedResults.ValidationProblem(r.Errors, detail: r.Message, title: r.Title); }
        catch (ShellRefusal r) { return TypedResults.Problem(statusCode: r.Status, title: r.Title, detail: r.Message); }
    }
}

using System.Security.Claims;
using LmsCloud.Api.Http;
using LmsCloud.Core.Learning.Gradebook;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

/// <summary>The teacher's gradebook grid over HTTP: <c>GET /api/shells/{shellId}/gradebook</c>, a page of students × every assignment.</summary>
public static class GradebookEndpoints
{
    const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapGradebookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/shells/{shellId:guid}/gradebook", GetAsync).WithTags("Gradebook").RequireAuthorization()
            .WithSummary("Students × assignments with entered scores, the engine's scores and statuses, and each student's course grade (teacher view); " +
                         "filters: classId (one section), groupId (one assignment group's columns), lateOrMissing (students with late or missing work).");
        return app;
    }

    static async Task<Results<Ok<GradebookPage>, ValidationProblem, ProblemHttpResult>> GetAsync(Guid shellId, [FromQuery] Guid? classId,
        [FromQuery] Guid? groupId, [FromQuery] bool? lateOrMissing, [AsParameters] PageRequest paging, GradebookReading reading, ClaimsPrincipal p, CancellationToken ct)
    {
        paging = paging.WithDefaultSize(DefaultPageSize);
        if (paging.Validate(GradebookReading.MaxPageSize) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        return await Run(() => reading.GetAsync(ShellViewer.From(p), shellId, new GradebookFilter(classId, groupId, lateOrMissing ?? false),
            paging.Page, paging.Size, ct));
    }
}

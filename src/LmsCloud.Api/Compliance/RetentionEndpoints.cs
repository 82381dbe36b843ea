using System.Security.Claims;
using System.Text;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Retention;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Compliance;

public sealed record RetentionPolicyBody(string? Period);

public sealed record RetentionRunActionBody(string? Comment, string? Reason);

/// <summary>
/// <c>/api/compliance/retention</c>: the district's retention policies (officers set, admins read), and retention runs:
/// a dry-run report (new on request, or nightly), its items sortable and as CSV, approval and cancellation. The run
/// itself is the nightly job's or <c>lms compliance retention run</c>'s. The logic is in Core (<see cref="RetentionRuns"/>).
/// </summary>
public static class RetentionEndpoints
{
    public static IEndpointRouteBuilder MapRetentionEndpoints(this IEndpointRouteBuilder app)
    {
        var retention = app.MapGroup("/api/compliance/retention").WithTags("Compliance");
        retention.MapGet("/policies", async (RetentionPolicies policies, CancellationToken ct) => TypedResults.Ok(await policies.ListAsync(ct)))
            .RequireAuthorization(Policies.ComplianceReader);
        retention.MapPut("/policies/{category}", SetPolicyAsync).RequireAuthorization(Policies.ComplianceOfficer);
        retention.MapGet("/runs", async (RetentionRuns runs, CancellationToken ct) => TypedResults.Ok(await runs.ListAsync(ct: ct)))
            .RequireAuthorization(Policies.ComplianceReader);
        retention.MapPost("/runs", ReportAsync).RequireAuthorization(Policies.ComplianceOfficer);
        retention.MapGet("/runs/{id:guid}", GetAsync).RequireAuthorization(Policies.ComplianceReader);
        retention.MapGet("/runs/{id:guid}/items", ItemsAsync).RequireAuthorization(Policies.ComplianceReader);
        retention.MapPost("/runs/{id:guid}/approve", (Guid id, RetentionRunActionBody? body, RetentionRuns runs, ClaimsPrincipal user, CancellationToken ct) =>
            AnswerAsync(runs.ApproveAsync(id, AuditLog.ActorOf(user), body?.Comment, ct))).RequireAuthorization(Policies.ComplianceOfficer);
        retention.MapPost("/runs/{id:guid}/cancel", (Guid id, RetentionRunActionBody? body, RetentionRuns runs, ClaimsPrincipal user, CancellationToken ct) =>
            AnswerAsync(runs.CancelAsync(id, AuditLog.ActorOf(user), body?.Reason, ct))).RequireAuthorization(Policies.ComplianceOfficer);
        return app;
    }

    static async Task<Results<Ok<RetentionPolicyView>, ValidationProblem, ProblemHttpResult>> SetPolicyAsync(string category, RetentionPolicyBody body,
        RetentionPolicies policies, ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await policies.SetAsync(category, body.Period, AuditLog.ActorOf(user), ct);
        if (outcome.NotFound)
            return TypedResults.Problem(outcome.Error, statusCode: StatusCodes.Status404NotFound, title: "No such data category");
        if (outcome.Error != null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [outcome.Field ?? "period"] = [outcome.Error] });
        return TypedResults.Ok(outcome.Policy!);
    }

    static async Task<Results<Created<RetentionRunView>, ValidationProblem, ProblemHttpResult>> ReportAsync(RetentionRuns runs, ClaimsPrincipal user,
        CancellationToken ct)
    {
        var outcome = await runs.ReportAsync("api", AuditLog.ActorOf(user), ct);
        if (outcome.Error is { } error) return error.Kind == RetentionErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Created($"/api/compliance/retention/runs/{outcome.Run!.Id}", outcome.Run);
    }

    static async Task<Results<Ok<RetentionRunView>, ProblemHttpResult>> GetAsync(Guid id, RetentionRuns runs, CancellationToken ct) =>
        await runs.GetAsync(id, ct) is { } run ? TypedResults.Ok(run) : NotFound();

    /// <summary>The report: JSON, or CSV with <c>?format=csv</c> (a download); <c>sort</c> one of <see cref="RetentionRuns.SortColumns"/>, <c>desc</c>.</summary>
    static async Task<Results<Ok<IReadOnlyList<RetentionItemView>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ItemsAsync(Guid id,
        string? sort, bool? desc, string? format, RetentionRuns runs, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (sort != null && !RetentionRuns.SortColumns.ContainsKey(sort))
            errors["sort"] = [$"sort must be one of {string.Join(", ", RetentionRuns.SortColumns.Keys)}."];
        if (format != null && format is not ("json" or "csv")) errors["format"] = ["format must be json or csv."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (await runs.GetAsync(id, ct) == null) return NotFound();
        var items = await runs.ItemsAsync(id, sort ?? "seq", desc == true, ct);
        if (format == "csv")
            return TypedResults.File(Encoding.UTF8.GetBytes(RetentionRuns.ToCsv(items)), "text/csv; charset=utf-8", $"retention-run-{id}.csv");
        return TypedResults.Ok(items);
    }

    static async Task<Results<Ok<RetentionRunView>, ValidationProblem, ProblemHttpResult>> AnswerAsync(Task<RetentionOutcome> work)
    {
        var outcome = await work;
        if (outcome.Error is { } error) return error.Kind == RetentionErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Ok(outcome.Run!);
    }

    static ProblemHttpResult NotFound() =>
        TypedResults.Problem("No such retention run in this district.", statusCode: StatusCodes.Status404NotFound, title: "Retention run not found");

    static ValidationProblem Invalid(RetentionError error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [error.Message] });

    static ProblemHttpResult Problem(RetentionError error) => error.Kind switch
    {
        RetentionErrorKind.NotFound => NotFound(),
        _ => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status409Conflict, title: "Retention run conflict",
            extensions: new Dictionary<string, object?> { ["runId"] = error.RunId }),
    };
}

using System.Security.Claims;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Holds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Compliance;

public sealed record PlaceHoldBody(string? ScopeType, Guid? ScopeId, string? Reason, DateTimeOffset? Until);

public sealed record ReleaseHoldBody(string? Reason);

/// <summary>
/// <c>/api/compliance/holds</c>: compliance officers place and release legal holds, district admins read them. The logic
/// is <see cref="LegalHolds"/> in Core.
/// </summary>
public static class HoldEndpoints
{
    public static IEndpointRouteBuilder MapLegalHoldEndpoints(this IEndpointRouteBuilder app)
    {
        var holds = app.MapGroup("/api/compliance/holds").WithTags("Compliance");
        holds.MapGet("/", ListAsync).RequireAuthorization(Policies.ComplianceReader);
        holds.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.ComplianceReader);
        holds.MapPost("/", PlaceAsync).RequireAuthorization(Policies.ComplianceOfficer);
        holds.MapPost("/{id:guid}/release", ReleaseAsync).RequireAuthorization(Policies.ComplianceOfficer);
        return app;
    }

    static async Task<Ok<IReadOnlyList<LegalHoldView>>> ListAsync(bool? active, LegalHolds holds, CancellationToken ct) =>
        TypedResults.Ok(await holds.ListAsync(active, ct));

    static async Task<Results<Ok<LegalHoldView>, ProblemHttpResult>> GetAsync(Guid id, LegalHolds holds, CancellationToken ct) =>
        await holds.GetAsync(id, ct) is { } hold ? TypedResults.Ok(hold) : NotFound();

    static async Task<Results<Created<LegalHoldView>, ValidationProblem, ProblemHttpResult>> PlaceAsync(PlaceHoldBody body, LegalHolds holds,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await holds.TryPlaceAsync(new NewLegalHold(body.ScopeType, body.ScopeId, body.Reason, body.Until), AuditLog.ActorOf(user), ct);
        if (outcome.Error is { } error) return error.Kind == HoldErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Created($"/api/compliance/holds/{outcome.Hold!.Id}", outcome.Hold);
    }

    static async Task<Results<Ok<LegalHoldView>, ValidationProblem, ProblemHttpResult>> ReleaseAsync(Guid id, ReleaseHoldBody? body, LegalHolds holds,
        ClaimsPrincipal user, CancellationToken ct)
    {
        var outcome = await holds.TryReleaseAsync(id, body?.Reason, AuditLog.ActorOf(user), ct);
        if (outcome.Error is { } error) return error.Kind == HoldErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Ok(outcome.Hold!);
    }

    static ProblemHttpResult NotFound() =>
        TypedResults.Problem("No such legal hold in this district.", statusCode: StatusCodes.Status404NotFound, title: "Legal hold not found");

    static ValidationProblem Invalid(HoldError error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Field ?? "hold"] = [error.Message] });

    static ProblemHttpResult Problem(HoldError error) => error.Kind switch
    {
        HoldErrorKind.NotFound => NotFound(),
        _ => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status409Conflict, title: "Already released"),
    };
}

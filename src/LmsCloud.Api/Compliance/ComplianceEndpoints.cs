using LmsCloud.Core.Database;
using System.Security.Claims;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Compliance;

public sealed record CreateComplianceRequest(string? Type, Guid? SubjectId, string? Comment);

/// <summary>The body of a move: a comment (submit, approve) or the reason (reject, cancel).</summary>
public sealed record RequestActionBody(string? Comment, string? Reason);

/// <summary>
/// <c>/api/compliance/requests</c>: compliance officers create, decide and comment; district admins read; a guardian may
/// create an export request for their own child. The logic is <see cref="ComplianceRequests"/> in Core; these map it to HTTP.
/// </summary>
public static class ComplianceEndpoints
{
    public static IEndpointRouteBuilder MapComplianceEndpoints(this IEndpointRouteBuilder app)
    {
        var requests = app.MapGroup("/api/compliance/requests").WithTags("Compliance");
        requests.MapPost("/", CreateAsync).RequireAuthorization(Policies.ComplianceRequester);
        requests.MapGet("/", ListAsync).RequireAuthorization(Policies.ComplianceReader);
        requests.MapGet("/{id:guid}", GetAsync).RequireAuthorization(Policies.ComplianceReader);
        requests.MapPost("/{id:guid}/submit", (Guid id, RequestActionBody? body, ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
            MoveAsync(id, RequestStates.AwaitingApproval, body?.Comment, service, user, ct)).RequireAuthorization(Policies.ComplianceOfficer);
        requests.MapPost("/{id:guid}/approve", (Guid id, RequestActionBody? body, ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
            MoveAsync(id, RequestStates.Approved, body?.Comment, service, user, ct)).RequireAuthorization(Policies.ComplianceOfficer);
        requests.MapPost("/{id:guid}/reject", (Guid id, RequestActionBody? body, ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
            MoveAsync(id, RequestStates.Rejected, body?.Reason, service, user, ct)).RequireAuthorization(Policies.ComplianceOfficer);
        requests.MapPost("/{id:guid}/cancel", (Guid id, RequestActionBody? body, ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
            MoveAsync(id, RequestStates.Cancelled, body?.Reason, service, user, ct)).RequireAuthorization(Policies.ComplianceOfficer);
        requests.MapPost("/{id:guid}/comments", CommentAsync).RequireAuthorization(Policies.ComplianceOfficer);
        return app;
    }

    static async Task<Results<Created<ComplianceRequestView>, ValidationProblem, ProblemHttpResult>> CreateAsync(CreateComplianceRequest body,
        ComplianceRequests service, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct)
    {
        var outcome = await service.CreateAsync(new NewComplianceRequest(body.Type, body.SubjectId, body.Comment), CallerOf(user), ct);
        if (outcome.Error is { } error) return error.Kind == RequestErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Created($"/api/compliance/requests/{outcome.Request!.Id}", ComplianceRequestView.From(outcome.Request, clock.GetUtcNow()));
    }

    static async Task<Results<Ok<PagedList<ComplianceRequestView>>, ValidationProblem>> ListAsync(string? state, string? type, bool? overdue,
        [AsParameters] PageRequest paging, ComplianceRequests service, TimeProvider clock, CancellationToken ct)
    {
        var errors = paging.Validate(maxPageSize: 500);
        if (state != null && !RequestStates.All.Contains(state)) errors["state"] = [$"state must be one of {string.Join(", ", RequestStates.All)}."];
        if (type != null && !RequestTypes.All.Contains(type)) errors["type"] = [$"type must be one of {string.Join(", ", RequestTypes.All)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(await PagedList.CreateAsync(service.Query(new RequestFilter(state, type, overdue), now), paging.Page, paging.Size,
            r => ComplianceRequestView.From(r, now), ct));
    }

    static async Task<Results<Ok<ComplianceRequestView>, ProblemHttpResult>> GetAsync(Guid id, ComplianceRequests service, CancellationToken ct) =>
        await service.GetAsync(id, ct) is { } view
            ? TypedResults.Ok(view)
            : Problem(new RequestError(RequestErrorKind.NotFound, "No such request in this district."));

    static async Task<Results<Ok<ComplianceRequestView>, ValidationProblem, ProblemHttpResult>> MoveAsync(Guid id, string to, string? text,
        ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
        await AnswerAsync(await service.TransitionAsync(id, to, CallerOf(user), text, ct), service, ct);

    static async Task<Results<Ok<ComplianceRequestView>, ValidationProblem, ProblemHttpResult>> CommentAsync(Guid id, RequestActionBody body,
        ComplianceRequests service, ClaimsPrincipal user, CancellationToken ct) =>
        await AnswerAsync(await service.CommentAsync(id, body.Comment, CallerOf(user), ct), service, ct);

    /// <summary>The request after the change, with its timeline; or the problem.</summary>
    static async Task<Results<Ok<ComplianceRequestView>, ValidationProblem, ProblemHttpResult>> AnswerAsync(RequestOutcome outcome,
        ComplianceRequests service, CancellationToken ct)
    {
        if (outcome.Error is { } error) return error.Kind == RequestErrorKind.Validation ? Invalid(error) : Problem(error);
        return TypedResults.Ok((await service.GetAsync(outcome.Request!.Id, ct))!);
    }

    /// <summary>Who asks, from the token or session: a user's id and the two roles the rules look at.</summary>
    static RequestCaller CallerOf(ClaimsPrincipal user)
    {
        var actor = AuditLog.ActorOf(user);
        return new RequestCaller(actor, actor.Type == "user" && Guid.TryParse(actor.Id, out var id) ? id : null,
            user.IsInRole(Roles.ComplianceOfficer), user.IsInRole(Roles.Guardian));
    }

    static ValidationProblem Invalid(RequestError error) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [error.Field ?? "request"] = [error.Message] });

    static ProblemHttpResult Problem(RequestError error) => error.Kind switch
    {
        RequestErrorKind.Forbidden => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden"),
        RequestErrorKind.NotFound => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status404NotFound, title: "Request not found"),
        RequestErrorKind.OpenRequestExists => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status409Conflict,
            title: "An open request exists", extensions: new Dictionary<string, object?> { ["existingRequestId"] = error.ExistingId }),
        RequestErrorKind.IllegalTransition => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status409Conflict,
            title: "Illegal transition", extensions: new Dictionary<string, object?> { ["from"] = error.From, ["to"] = error.To }),
        _ => TypedResults.Problem(error.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad request"),
    };
}

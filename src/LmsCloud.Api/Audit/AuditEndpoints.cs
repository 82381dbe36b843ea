using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Audit;

public sealed record AuditEventResponse(
    long Seq, DateTimeOffset OccurredAt, string ActorType, string? ActorId, string? RealActorId, string Action, string? EntityType,
    string? EntityId, Guid? SubjectUserId, System.Text.Json.JsonElement? Before, System.Text.Json.JsonElement? After, string? Reason,
    string? RequestId, string? ClientAddress, string Hash);

/// <summary><c>/api/audit</c>: reading and verifying the district's audit log (compliance officers and district admins).</summary>
public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.AuditReader);
        audit.MapGet("/events", ListAsync);
        audit.MapGet("/verify", VerifyAsync);
        return app;
    }

    static async Task<Results<Ok<PagedList<AuditEventResponse>>, ValidationProblem>> ListAsync(LmsDbContext db, string? actor, Guid? subject,
        string? action, DateTimeOffset? from, DateTimeOffset? to, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var errors = paging.Validate(maxPageSize: 500);
        TextFilter.Check(errors, ("actor", actor), ("action", action));
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrEmpty(actor)) query = query.Where(e => e.ActorId == actor);
        if (subject != null) query = query.Where(e => e.SubjectUserId == subject);
        if (!string.IsNullOrEmpty(action)) query = query.Where(e => e.Action == action);
        // timestamptz parameters must be UTC (Npgsql refuses any other offset); 08:00-06:00 is the instant 14:00Z.
        if (from?.ToUniversalTime() is { } start) query = query.Where(e => e.OccurredAt >= start);
        if (to?.ToUniversalTime() is { } end) query = query.Where(e => e.OccurredAt < end);
        return TypedResults.Ok(await PagedList.CreateAsync(query.OrderByDescending(e => e.Seq), paging, ToResponse, ct));
    }

    static async Task<Ok<AuditVerification>> VerifyAsync(LmsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await AuditLog.VerifyAsync(db, ct));

    static AuditEventResponse ToResponse(AuditEventRecord e) => new(
        e.Seq, e.OccurredAt, e.ActorType, e.ActorId, e.RealActorId, e.Action, e.EntityType, e.EntityId, e.SubjectUserId,
        Parse(e.BeforeValues), Parse(e.AfterValues), e.Reason, e.RequestId, e.ClientAddress, Convert.ToHexString(e.Hash).ToLowerInvariant());

    static System.Text.Json.JsonElement? Parse(string? json) =>
        json == null ? null : System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
}

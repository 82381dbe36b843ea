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
        string? action, string? entity, string? entityId, DateTimeOffset? from, DateTimeOffset? to, [AsParameters] PageRequest paging,
        CancellationToken ct)
    {
        var filter = new AuditFilter(actor, subject, action, entity, entityId, from, to);
        var errors = paging.Validate(maxPageSize: 500);
        foreach (var (field, messages) in filter.Validate()) errors[field] = messages;
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await PagedList.CreateAsync(filter.Apply(db.AuditEvents.AsNoTracking()), paging.Page, paging.Size, ToResponse, ct));
    }

    static async Task<Ok<AuditVerification>> VerifyAsync(LmsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await AuditLog.VerifyAsync(db, ct));

    static AuditEventResponse ToResponse(AuditEventRecord e) => new(
        e.Seq, e.OccurredAt, e.ActorType, e.ActorId, e.RealActorId, e.Action, e.EntityType, e.EntityId, e.SubjectUserId,
        Parse(e.BeforeValues), Parse(e.AfterValues), e.Reason, e.RequestId, e.ClientAddress, Convert.ToHexString(e.Hash).ToLowerInvariant());

    static System.Text.Json.JsonElement? Parse(string? json) =>
        json == null ? null : System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();
}

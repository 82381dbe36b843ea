using System.Security.Claims;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Auth;
using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Api.Auth;

public sealed record ConsentResponse(Guid Id, string ClientId, string ApplicationName, IReadOnlyList<string> Scopes, DateTimeOffset? GrantedAt);

/// <summary>
/// <c>/api/me/consents</c>: the applications the signed-in user has allowed (OpenIddict permanent authorizations), and
/// taking that back, which ends every token the application holds for them.
/// </summary>
public static class ConsentEndpoints
{
    public static IEndpointRouteBuilder MapConsentEndpoints(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/me/consents").WithTags("Account");
        consents.MapGet("/", ListAsync);
        consents.MapDelete("/{id:guid}", RevokeAsync);
        return app;
    }

    static IQueryable<TenantAuthorization> ConsentsOf(LmsDbContext db, ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue("sub") ?? "";
        return db.Set<TenantAuthorization>()
            .Where(a => a.Subject == subject && a.Type == AuthorizationTypes.Permanent && a.Status == Statuses.Valid);
    }

    static async Task<Ok<List<ConsentResponse>>> ListAsync(LmsDbContext db, ClaimsPrincipal principal, CancellationToken ct)
    {
        var rows = await ConsentsOf(db, principal).AsNoTracking().OrderBy(a => a.CreationDate)
            .Select(a => new { a.Id, a.Application!.ClientId, a.Application.DisplayName, a.Scopes, a.CreationDate })
            .ToListAsync(ct);
        return TypedResults.Ok(rows.Select(a => new ConsentResponse(a.Id, a.ClientId ?? "", a.DisplayName ?? a.ClientId ?? "",
            a.Scopes == null ? [] : JsonSerializer.Deserialize<string[]>(a.Scopes) ?? [],
            a.CreationDate == null ? null : new DateTimeOffset(a.CreationDate.Value, TimeSpan.Zero))).ToList());
    }

    static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, LmsDbContext db, ClaimsPrincipal principal, AuditLog audit,
        CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var consent = await ConsentsOf(db, principal).Where(a => a.Id == id)
            .Select(a => new { a.Id, a.Application!.ClientId, a.Scopes }).SingleOrDefaultAsync(ct);
        if (consent == null) return TypedResults.NotFound(); // someone else's, or already revoked: the same answer
        await SignIns.RevokeAuthorizationAsync(db, consent.Id, ct); // and every token of it
        var userId = Guid.Parse(principal.FindFirstValue("sub")!);
        await audit.WriteAsync(new AuditEntry("consent.revoked", "authorization", consent.Id.ToString(), userId,
            Before: new { client_id = consent.ClientId, scope = consent.Scopes }, Actor: AuditActor.User(userId)), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}

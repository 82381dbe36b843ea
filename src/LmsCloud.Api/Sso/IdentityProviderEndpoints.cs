using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Sso;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Api.Sso;

/// <summary>A provider as the API shows it: never the client secret. <c>RedirectUri</c> is what to register at the provider.</summary>
public sealed record IdentityProviderResponse(
    Guid Id, string DisplayName, string Authority, string ClientId, IReadOnlyList<string> AllowedEmailDomains, string? SisIdClaim,
    bool LinkByVerifiedEmail, bool Enabled, string SignInUrl, string RedirectUri, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record SsoLinkResponse(Guid Id, Guid ProviderId, string Issuer, string Subject, string LinkedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt);

/// <summary><c>/api/sso/providers</c> and a user's links (<c>/api/users/{id}/sso-links</c>): district admins only.</summary>
public static class IdentityProviderEndpoints
{
    public static IEndpointRouteBuilder MapIdentityProviderEndpoints(this IEndpointRouteBuilder app)
    {
        var providers = app.MapGroup("/api/sso/providers").WithTags("Single sign-on").RequireAuthorization(Policies.DistrictAdmin);
        providers.MapPost("/", CreateAsync);
        providers.MapGet("/", ListAsync);
        providers.MapGet("/{id:guid}", GetAsync);
        providers.MapPatch("/{id:guid}", UpdateAsync);
        providers.MapDelete("/{id:guid}", DeleteAsync);

        var links = app.MapGroup("/api/users/{userId:guid}/sso-links").WithTags("Single sign-on").RequireAuthorization(Policies.DistrictAdmin);
        links.MapGet("/", ListLinksAsync);
        links.MapDelete("/{linkId:guid}", UnlinkAsync);
        return app;
    }

    static async Task<Results<Created<IdentityProviderResponse>, ValidationProblem>> CreateAsync(IdentityProviderRequest request,
        IdentityProviders providers, HttpContext http, CancellationToken ct)
    {
        var outcome = await providers.CreateAsync(request, ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        return TypedResults.Created($"/api/sso/providers/{outcome.Value!.Id}", ToResponse(outcome.Value, http));
    }

    static async Task<Ok<List<IdentityProviderResponse>>> ListAsync(IdentityProviders providers, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok((await providers.ListAsync(ct: ct)).Select(p => ToResponse(p, http)).ToList());

    static async Task<Results<Ok<IdentityProviderResponse>, NotFound>> GetAsync(Guid id, IdentityProviders providers, HttpContext http, CancellationToken ct) =>
        await providers.FindAsync(id, ct) is { } provider ? TypedResults.Ok(ToResponse(provider, http)) : TypedResults.NotFound();

    static async Task<Results<Ok<IdentityProviderResponse>, ValidationProblem, NotFound>> UpdateAsync(Guid id, IdentityProviderRequest request,
        IdentityProviders providers, HttpContext http, CancellationToken ct)
    {
        var outcome = await providers.UpdateAsync(id, request, ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        return outcome.NotFound ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(outcome.Value!, http));
    }

    /// <summary>Deletes the provider and every link made through it: its people must link again if it comes back.</summary>
    static async Task<Results<NoContent, NotFound>> DeleteAsync(Guid id, IdentityProviders providers, CancellationToken ct) =>
        await providers.DeleteAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    static async Task<Results<Ok<List<SsoLinkResponse>>, NotFound>> ListLinksAsync(Guid userId, LmsDbContext db, CancellationToken ct)
    {
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct)) return TypedResults.NotFound();
        var links = await db.SsoLinks.AsNoTracking().Where(l => l.UserId == userId).OrderBy(l => l.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(links.Select(l => new SsoLinkResponse(l.Id, l.ProviderId, l.Issuer, l.Subject, l.LinkedBy, l.CreatedAt, l.LastSignInAt)).ToList());
    }

    /// <summary>The person's next sign-in through that provider must be matched (and linked) again.</summary>
    static async Task<Results<NoContent, NotFound>> UnlinkAsync(Guid userId, Guid linkId, LmsDbContext db, AuditLog audit, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var link = await db.SsoLinks.SingleOrDefaultAsync(l => l.Id == linkId && l.UserId == userId, ct);
        if (link == null) return TypedResults.NotFound();
        db.SsoLinks.Remove(link);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.unlinked", "sso_link", link.Id.ToString(), link.UserId,
            Before: new { link.ProviderId, link.Issuer, link.Subject, link.LinkedBy }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    static IdentityProviderResponse ToResponse(IdentityProvider p, HttpContext http) =>
        new(p.Id, p.DisplayName, p.Authority, p.ClientId, p.AllowedEmailDomains, p.SisIdClaim, p.LinkByVerifiedEmail, p.Enabled,
            SsoSignInEndpoints.StartUrl(http, p.Id), SsoSignInEndpoints.RedirectUri(http), p.CreatedAt, p.UpdatedAt);
}

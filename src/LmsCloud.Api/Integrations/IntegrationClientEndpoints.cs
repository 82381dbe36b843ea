using System.Security.Claims;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using ClientTypes = OpenIddict.Abstractions.OpenIddictConstants.ClientTypes;
using Permissions = OpenIddict.Abstractions.OpenIddictConstants.Permissions;

namespace LmsCloud.Api.Integrations;

/// <summary>
/// Without <c>RedirectUris</c>: a machine client (client_credentials, scopes such as sis.import). With them: an app
/// that signs users in by authorization code + PKCE; <c>ClientType</c> <c>confidential</c> (the default, gets a secret)
/// or <c>public</c> (no secret), <c>Consent</c> <c>explicit</c> (the default: third-party, the user is asked) or
/// <c>implicit</c> (the district's own apps: never asked, and their access tokens reach our API).
/// </summary>
public sealed record CreateClientRequest(string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null, string? ClientType = null, string? Consent = null);

public sealed record ClientResponse(Guid Id, string ClientId, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt);

/// <summary>Returned once, at creation: the only time the secret is ever shown (a public app has none).</summary>
public sealed record CreatedClientResponse(Guid Id, string ClientId, string? ClientSecret, string Name, IReadOnlyList<string> Scopes,
    string ClientType, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> PostLogoutRedirectUris, string? Consent);

/// <summary>
/// <c>/api/integrations/clients</c>: machine clients of the district (district admins only). Each is an OpenIddict
/// application of the district (confidential, client_credentials, its scopes), which the token endpoint authenticates;
/// <c>integration_clients</c> keeps the admin-facing record (name, who made it, when it was revoked).
/// </summary>
public static class IntegrationClientEndpoints
{
    public static IEndpointRouteBuilder MapIntegrationClientEndpoints(this IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/integrations/clients").WithTags("Integrations").RequireAuthorization(Policies.DistrictAdmin);
        clients.MapPost("/", CreateAsync);
        clients.MapGet("/", ListAsync);
        clients.MapGet("/{id:guid}", GetAsync);
        clients.MapDelete("/{id:guid}", RevokeAsync);
        return app;
    }

    static async Task<Results<Created<CreatedClientResponse>, ValidationProblem>> CreateAsync(
        CreateClientRequest request, LmsDbContext db, IOpenIddictApplicationManager applications, AuditLog audit, ClaimsPrincipal principal,
        HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (DistrictRules.CheckName(request.Name) is { } nameError) errors["name"] = [nameError];
        var app = CodeFlowApp.Check(request, errors);
        var allowed = app == null ? Scopes.All : CodeFlowApp.Scopes;
        var scopes = request.Scopes?.Distinct().ToArray() ?? [];
        if (scopes.Length == 0 || scopes.Except(allowed).Any())
            errors["scopes"] = [$"Give one or more of: {string.Join(", ", allowed)}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var secret = app is { Public: true } ? null : OpaqueToken.New();
        var client = new IntegrationClient
        {
            TenantId = db.TenantId!.Value,
            ClientId = $"lms_{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(10)).ToLowerInvariant()}",
            Name = request.Name!.Trim(),
            SecretHash = secret == null ? [] : IntegrationClient.HashSecret(secret), // kept for the record; OpenIddict checks its own hash
            Scopes = scopes,
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = Guid.TryParse(principal.FindFirst("sub")?.Value, out var by) ? by : null,
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.IntegrationClients.Add(client);
        await db.SaveChangesAsync(ct);
        await applications.CreateAsync(app == null ? Application(client, secret!) : app.Application(client, secret), ct);
        await audit.WriteAsync(new AuditEntry("client.created", "integration_client", client.Id.ToString(),
            After: new { client.ClientId, client.Name, client.Scopes, redirectUris = app?.RedirectUris, clientType = app?.ClientType, consent = app?.Consent }), ct);
        await tx.CommitAsync(ct);

        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/integrations/clients/{client.Id}",
            new CreatedClientResponse(client.Id, client.ClientId, secret, client.Name, client.Scopes, app?.ClientType ?? ClientTypes.Confidential,
                app?.RedirectUris ?? [], app?.PostLogoutRedirectUris ?? [], app?.Consent));
    }

    static async Task<Ok<List<ClientResponse>>> ListAsync(LmsDbContext db, CancellationToken ct) =>
        TypedResults.Ok((await db.IntegrationClients.AsNoTracking().OrderBy(c => c.CreatedAt).ToListAsync(ct)).Select(ToResponse).ToList());

    static async Task<Results<Ok<ClientResponse>, NotFound>> GetAsync(Guid id, LmsDbContext db, CancellationToken ct) =>
        await db.IntegrationClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct) is { } client
            ? TypedResults.Ok(ToResponse(client))
            : TypedResults.NotFound();

    /// <summary>Revokes (never deletes, so the audit trail keeps its subject): new tokens are refused at once.</summary>
    static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, LmsDbContext db, IOpenIddictApplicationManager applications,
        AuditLog audit, TimeProvider clock, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var client = await db.IntegrationClients.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (client == null) return TypedResults.NotFound();
        if (client.RevokedAt == null)
        {
            client.RevokedAt = clock.GetUtcNow();
            await db.SaveChangesAsync(ct);
            // Deleting the application deletes its tokens too: its access tokens stop on the next request.
            if (await applications.FindByClientIdAsync(client.ClientId, ct) is { } application)
                await applications.DeleteAsync(application, ct);
            await audit.WriteAsync(new AuditEntry("client.revoked", "integration_client", client.Id.ToString(),
                Before: new { client.ClientId, client.Name }), ct);
            await tx.CommitAsync(ct);
        }
        return TypedResults.NoContent();
    }

    static OpenIddictApplicationDescriptor Application(IntegrationClient client, string secret)
    {
        var application = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = client.Name,
            Permissions =
            {
                Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.Endpoints.Introspection,
                Permissions.GrantTypes.ClientCredentials,
            },
        };
        foreach (var scope in client.Scopes) application.Permissions.Add(Permissions.Prefixes.Scope + scope);
        return application;
    }

    static ClientResponse ToResponse(IntegrationClient c) => new(c.Id, c.ClientId, c.Name, c.Scopes, c.CreatedAt, c.RevokedAt);
}

using System.Security.Claims;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Integrations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LmsCloud.Api.Integrations;

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

    /// <summary>The client's application and record, through <see cref="IntegrationClients"/> (which the admin pages use too).</summary>
    public static IServiceCollection AddIntegrationClients(this IServiceCollection services) => services.AddScoped<IntegrationClients>();

    static async Task<Results<Created<CreatedClientResponse>, ValidationProblem>> CreateAsync(
        CreateClientRequest request, IntegrationClients clients, ClaimsPrincipal principal, HttpContext http, CancellationToken ct)
    {
        var outcome = await clients.CreateAsync(request, Guid.TryParse(principal.FindFirst("sub")?.Value, out var by) ? by : null, ct);
        if (outcome.Errors != null) return TypedResults.ValidationProblem(outcome.Errors);
        var (client, secret, clientType, app) = outcome.Value!;
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/integrations/clients/{client.Id}",
            new CreatedClientResponse(client.Id, client.ClientId, secret, client.Name, client.Scopes, clientType,
                app?.RedirectUris ?? [], app?.PostLogoutRedirectUris ?? [], app?.Consent));
    }

    static async Task<Ok<List<ClientResponse>>> ListAsync(IntegrationClients clients, CancellationToken ct) =>
        TypedResults.Ok((await clients.ListAsync(ct: ct)).Select(ToResponse).ToList());

    static async Task<Results<Ok<ClientResponse>, NotFound>> GetAsync(Guid id, IntegrationClients clients, CancellationToken ct) =>
        await clients.FindAsync(id, ct) is { } client ? TypedResults.Ok(ToResponse(client)) : TypedResults.NotFound();

    /// <summary>Revokes (never deletes, so the audit trail keeps its subject): new tokens are refused at once.</summary>
    static async Task<Results<NoContent, NotFound>> RevokeAsync(Guid id, IntegrationClients clients, CancellationToken ct) =>
        await clients.RevokeAsync(id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    static ClientResponse ToResponse(IntegrationClient c) => new(c.Id, c.ClientId, c.Name, c.Scopes, c.CreatedAt, c.RevokedAt);
}

using System.Security.Cryptography;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using ClientTypes = OpenIddict.Abstractions.OpenIddictConstants.ClientTypes;
using Permissions = OpenIddict.Abstractions.OpenIddictConstants.Permissions;

namespace LmsCloud.Core.Integrations;

/// <summary>
/// Without <c>RedirectUris</c>: a machine client (client_credentials, scopes such as sis.import). With them: an app
/// that signs users in by authorization code + PKCE; <c>ClientType</c> <c>confidential</c> (the default, gets a secret)
/// or <c>public</c> (no secret), <c>Consent</c> <c>explicit</c> (the default: third-party, the user is asked) or
/// <c>implicit</c> (the district's own apps: never asked, and their access tokens reach our API).
/// </summary>
public sealed record CreateClientRequest(string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null, string? ClientType = null, string? Consent = null);

/// <summary>A client just made: its secret (null for a public app) exists only in this value, never again.</summary>
public sealed record CreatedClient(IntegrationClient Client, string? Secret, string ClientType, CodeFlowApp? App);

/// <summary>
/// The district's integration clients: each is an OpenIddict application of the district (which the token endpoint
/// authenticates) and an <c>integration_clients</c> row (the admin-facing record: name, who made it, when it was
/// revoked). Creating and revoking change both, with the audit event, in one transaction. Used by the API
/// (<c>/api/integrations/clients</c>) and the admin pages.
/// </summary>
public sealed class IntegrationClients(LmsDbContext db, IOpenIddictApplicationManager applications, AuditLog audit, TimeProvider clock)
{
    public async Task<AdminOutcome<CreatedClient>> CreateAsync(CreateClientRequest request, Guid? createdBy, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (DistrictRules.CheckName(request.Name) is { } nameError) errors["name"] = [nameError];
        var app = CodeFlowApp.Check(request, errors);
        var allowed = app == null ? Scopes.All : CodeFlowApp.Scopes;
        var scopes = request.Scopes?.Distinct().ToArray() ?? [];
        if (scopes.Length == 0 || scopes.Except(allowed).Any())
            errors["scopes"] = [$"Give one or more of: {string.Join(", ", allowed)}."];
        if (errors.Count > 0) return new AdminOutcome<CreatedClient>(null, errors);

        var secret = app is { Public: true } ? null : OpaqueToken.New();
        var client = new IntegrationClient
        {
            TenantId = db.TenantId!.Value,
            ClientId = $"lms_{Convert.ToHexString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant()}",
            Name = request.Name!.Trim(),
            SecretHash = secret == null ? [] : IntegrationClient.HashSecret(secret), // kept for the record; OpenIddict checks its own hash
            Scopes = scopes,
            CreatedAt = clock.GetUtcNow(),
            CreatedBy = createdBy,
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.IntegrationClients.Add(client);
        await db.SaveChangesAsync(ct);
        await applications.CreateAsync(app == null ? MachineApplication(client, secret!) : app.Application(client, secret), ct);
        await audit.WriteAsync(new AuditEntry("client.created", "integration_client", client.Id.ToString(),
            After: new { client.ClientId, client.Name, client.Scopes, redirectUris = app?.RedirectUris, clientType = app?.ClientType, consent = app?.Consent }), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<CreatedClient>(new CreatedClient(client, secret, app?.ClientType ?? ClientTypes.Confidential, app));
    }

    /// <summary>Oldest first; <paramref name="take"/> null for all of them (the API), else one page (the admin page).</summary>
    public Task<List<IntegrationClient>> ListAsync(int skip = 0, int? take = null, CancellationToken ct = default)
    {
        var query = db.IntegrationClients.AsNoTracking().OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Skip(skip);
        return (take == null ? query : query.Take(take.Value)).ToListAsync(ct);
    }

    public Task<IntegrationClient?> FindAsync(Guid id, CancellationToken ct = default) =>
        db.IntegrationClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct);

    /// <summary>
    /// Whether the client is an app that signs users in (code flow) rather than a machine client. Their scopes never
    /// overlap (openid, profile, email, offline_access against sis.import), so the record says it even after revocation.
    /// </summary>
    public static bool IsCodeFlowApp(IntegrationClient client) => client.Scopes.Any(CodeFlowApp.Scopes.Contains);

    /// <summary>
    /// Revokes (never deletes, so the audit trail keeps its subject): new tokens are refused at once. False when there is
    /// no such client; revoking a revoked client changes nothing.
    /// </summary>
    public async Task<bool> RevokeAsync(Guid id, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var client = await db.IntegrationClients.SingleOrDefaultAsync(c => c.Id == id, ct);
        if (client == null) return false;
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
        return true;
    }

    static OpenIddictApplicationDescriptor MachineApplication(IntegrationClient client, string secret)
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
}

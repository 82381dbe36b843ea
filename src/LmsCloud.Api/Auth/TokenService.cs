using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Integrations;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LmsCloud.Api.Auth;

/// <summary>A successful token response (RFC 6749 §5.1).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string? RefreshToken, string? Scope);

/// <summary>An RFC 6749 §5.2 error: <c>error</c> code, description and the HTTP status it goes with.</summary>
public sealed record OAuthError(string Error, string Description, int Status = StatusCodes.Status400BadRequest);

/// <summary>The grants of <c>POST /connect/token</c>. Each runs in one transaction with the audit events it writes.</summary>
public sealed class TokenService(
    LmsDbContext db, UserManager<User> users, PasswordSignIn passwords, AuditLog audit, SigningKeys keys, IOptions<AuthOptions> options, TimeProvider clock)
{
    static readonly OAuthError BadCredentials = new("invalid_grant", "The user name or password is incorrect.");
    static readonly OAuthError BadRefreshToken = new("invalid_grant", "The refresh token is invalid, expired or revoked.");
    public static readonly OAuthError BadClient = new("invalid_client", "Client authentication failed.", StatusCodes.Status401Unauthorized);

    AuthOptions Options => options.Value;

    public async Task<GrantOutcome> PasswordAsync(string userName, string password, CancellationToken ct)
    {
        if (PasswordSignIn.RefuseInput(userName, password) is { } refused) return new OAuthError("invalid_request", refused);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await passwords.CheckAsync(userName, password, ct);
        if (user == null)
        {
            await tx.CommitAsync(ct); // the failure's audit event and the failed-attempt count
            return BadCredentials;
        }
        var refreshToken = await NewRefreshTokenAsync(user, Guid.CreateVersion7(), ct);
        await tx.CommitAsync(ct);
        return await UserTokenAsync(user, refreshToken, ct);
    }

    public async Task<GrantOutcome> RefreshAsync(string refreshToken, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var hash = OpaqueToken.Hash(refreshToken);
        // Locked so two simultaneous uses of one token cannot both rotate it.
        var token = await db.RefreshTokens.FromSql($"select * from refresh_tokens where token_hash = {hash} for update")
            .SingleOrDefaultAsync(ct);
        if (token == null || token.RevokedAt != null) return BadRefreshToken;

        var now = clock.GetUtcNow();
        if (token.UsedAt != null)
        {
            // A spent token came back: someone holds a copy. End the whole family, the thief's and the user's.
            await db.RefreshTokens.Where(t => t.FamilyId == token.FamilyId && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct);
            await audit.WriteAsync(new AuditEntry("refresh_token.reuse_detected", "refresh_token_family", token.FamilyId.ToString(),
                token.UserId, Reason: "a rotated refresh token was presented again; the family is revoked", Actor: AuditActor.Anonymous), ct);
            await tx.CommitAsync(ct);
            return BadRefreshToken;
        }

        var user = await users.FindByIdAsync(token.UserId.ToString());
        if (token.ExpiresAt <= now || user is not { CanSignIn: true } || user.SecurityStamp != token.SecurityStamp || await users.IsLockedOutAsync(user))
            return BadRefreshToken;

        token.UsedAt = now;
        var next = await NewRefreshTokenAsync(user, token.FamilyId, ct);
        await tx.CommitAsync(ct);
        return await UserTokenAsync(user, next, ct);
    }

    public async Task<GrantOutcome> ClientCredentialsAsync(string clientId, string secret, string? scope,
        CancellationToken ct)
    {
        // PostgreSQL text cannot hold NUL, so looking such an id up would fail the query. The form reader refuses %00
        // itself; HTTP Basic credentials are percent-decoded by us.
        if (clientId.Contains('\0')) return new OAuthError("invalid_request", "client_id may not contain NUL (U+0000).");
        if (clientId.Length > IntegrationClient.MaxClientIdLength)
            return new OAuthError("invalid_request", $"client_id is longer than {IntegrationClient.MaxClientIdLength} characters.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var client = await db.IntegrationClients.SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client == null || client.RevokedAt != null || !client.SecretMatches(secret)) return BadClient;

        var requested = scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? client.Scopes;
        if (requested.Except(client.Scopes).FirstOrDefault() is { } unknown)
            return new OAuthError("invalid_scope", $"This client may not request the scope '{unknown}'.");

        var granted = string.Join(' ', requested);
        await audit.WriteAsync(new AuditEntry("token.issued_to_client", "integration_client", client.Id.ToString(),
            After: new { client.ClientId, scope = granted }, Actor: new AuditActor("client", client.Id.ToString())), ct);
        await tx.CommitAsync(ct);
        var claims = new Dictionary<string, object> { ["sub"] = client.Id.ToString(), ["client_id"] = client.ClientId, ["scope"] = granted };
        return new TokenResponse(CreateAccessToken(claims), "Bearer", (int)Options.AccessTokenLifetime.TotalSeconds, null, granted);
    }

    async Task<string> NewRefreshTokenAsync(User user, Guid familyId, CancellationToken ct)
    {
        var value = OpaqueToken.New();
        var now = clock.GetUtcNow();
        db.RefreshTokens.Add(new RefreshToken
        {
            TenantId = user.TenantId, FamilyId = familyId, UserId = user.Id, TokenHash = OpaqueToken.Hash(value),
            SecurityStamp = user.SecurityStamp, CreatedAt = now, ExpiresAt = now + Options.RefreshTokenLifetime,
        });
        await db.SaveChangesAsync(ct);
        return value;
    }

    async Task<TokenResponse> UserTokenAsync(User user, string refreshToken, CancellationToken ct)
    {
        var roles = await db.UserRoles.Where(r => r.UserId == user.Id).Select(r => r.Role).ToArrayAsync(ct);
        // sub, tid and roles only: no names or emails in tokens.
        var claims = new Dictionary<string, object> { ["sub"] = user.Id.ToString(), ["role"] = roles };
        return new TokenResponse(CreateAccessToken(claims), "Bearer", (int)Options.AccessTokenLifetime.TotalSeconds, refreshToken, null);
    }

    string CreateAccessToken(Dictionary<string, object> claims)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        claims["tid"] = db.TenantId!.Value.ToString();
        claims["jti"] = Guid.NewGuid().ToString("N");
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Options.Issuer,
            Audience = Options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Options.AccessTokenLifetime,
            Claims = claims,
            SigningCredentials = keys.Signing,
        });
    }
}

/// <summary>A grant's outcome: tokens, or the OAuth error to answer with.</summary>
public sealed record GrantOutcome(TokenResponse? Token, OAuthError? Error)
{
    public static implicit operator GrantOutcome(TokenResponse token) => new(token, null);
    public static implicit operator GrantOutcome(OAuthError error) => new(null, error);
}

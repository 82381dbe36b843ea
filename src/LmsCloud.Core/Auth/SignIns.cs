using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Core.Auth;

/// <summary>
/// Ending sign-ins before their tokens expire. A sign-in is an OpenIddict authorization with its tokens; the API checks
/// each access token's row on every request (token-entry validation), so a revoked row is refused on the next request.
/// Runs in the caller's transaction, beside the change (lock, role change, password reset) that calls for it.
/// </summary>
public static class SignIns
{
    /// <summary>Revokes every authorization and token of the subject (a user id) in the context's district.</summary>
    public static async Task RevokeSubjectAsync(LmsDbContext db, Guid subject, CancellationToken ct = default)
    {
        var id = subject.ToString();
        // A new concurrency token, so OpenIddict's own optimistic update of a row revoked here fails instead of undoing it.
        await db.Set<TenantToken>().Where(t => t.Subject == id && t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked).SetProperty(t => t.ConcurrencyToken, Guid.NewGuid().ToString()), ct);
        await db.Set<TenantAuthorization>().Where(a => a.Subject == id && a.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked).SetProperty(a => a.ConcurrencyToken, Guid.NewGuid().ToString()), ct);
    }

    /// <summary>Revokes one sign-in: the authorization and all its tokens.</summary>
    public static async Task RevokeAuthorizationAsync(LmsDbContext db, Guid authorizationId, CancellationToken ct = default)
    {
        await db.Set<TenantToken>().Where(t => t.Authorization!.Id == authorizationId && t.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, Statuses.Revoked).SetProperty(t => t.ConcurrencyToken, Guid.NewGuid().ToString()), ct);
        await db.Set<TenantAuthorization>().Where(a => a.Id == authorizationId && a.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, Statuses.Revoked).SetProperty(a => a.ConcurrencyToken, Guid.NewGuid().ToString()), ct);
    }

    /// <summary>
    /// Deletes what can no longer be used, in the context's district: expired tokens, revoked tokens and authorizations
    /// created before <paramref name="olderThan"/>, and ad-hoc authorizations left without tokens. Redeemed refresh
    /// tokens stay until they expire: their rows are how a reused one is recognised. Returns the counts deleted.
    /// </summary>
    public static async Task<(int Tokens, int Authorizations)> PruneAsync(LmsDbContext db, DateTime now, DateTime olderThan, CancellationToken ct = default)
    {
        var tokens = await db.Set<TenantToken>()
            .Where(t => t.ExpirationDate < now || (t.Status == Statuses.Revoked && t.CreationDate < olderThan))
            .ExecuteDeleteAsync(ct);
        var authorizations = await db.Set<TenantAuthorization>()
            .Where(a => a.CreationDate < olderThan && (a.Status != Statuses.Valid || (a.Type == AuthorizationTypes.AdHoc && !a.Tokens.Any())))
            .ExecuteDeleteAsync(ct);
        return (tokens, authorizations);
    }
}

using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace LmsCloud.Core.Learning.Submissions;

/// <summary>What an Idempotency-Key says about a request: go ahead (in <see cref="Transaction"/>), replay, or refuse.</summary>
public sealed record IdempotencyStart(IDbContextTransaction? Transaction, int? ReplayStatus = null, string? ReplayResponse = null,
    bool Mismatch = false, bool InFlight = false);

/// <summary>
/// idempotency_keys, per (person, key). <see cref="StartAsync"/> opens the transaction the change will run in and takes a
/// transaction-scoped advisory lock on the key without waiting: a duplicate arriving while the first is still running
/// finds it taken (in flight, 409). Holding the lock, a stored key with the same request hash is replayed, with another
/// hash refused (422). Otherwise the change runs in that transaction and <see cref="CompleteAsync"/> stores the
/// response in it before committing: the change and its key commit together or not at all. Only successful responses
/// are stored; a refused request leaves no key, so a corrected retry may reuse it. Keys older than <see cref="Kept"/>
/// count as absent and are deleted by <see cref="SweepAsync"/> (the activity rollup job).
/// </summary>
public sealed class IdempotencyKeys(LmsDbContext db)
{
    public const int MaxKeyLength = 200;
    public static readonly TimeSpan Kept = TimeSpan.FromDays(1);

    Guid Tenant => db.TenantId ?? throw new InvalidOperationException("No district for this request.");

    public async Task<IdempotencyStart> StartAsync(Guid personId, string key, string requestHash, CancellationToken ct)
    {
        var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var lockKey = $"idempotency/{Tenant}/{personId}/{key}";
            if (!await db.Database.SqlQuery<bool>($"select pg_try_advisory_xact_lock(hashtextextended({lockKey}, 0)) as \"Value\"").SingleAsync(ct))
            {
                await tx.DisposeAsync();
                return new IdempotencyStart(null, InFlight: true);
            }
            var kept = Kept;
            var stored = await db.Database.SqlQuery<Stored>($"""
                select request_hash as "RequestHash", status_code as "StatusCode", response::text as "Response" from idempotency_keys
                where person_id = {personId} and key = {key} and status_code is not null and created_at > now() - {kept}
                """).SingleOrDefaultAsync(ct);
            if (stored == null) return new IdempotencyStart(tx);
            await tx.DisposeAsync();
            return stored.RequestHash == requestHash ? new IdempotencyStart(null, stored.StatusCode, stored.Response) : new IdempotencyStart(null, Mismatch: true);
        }
        catch
        {
            await tx.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stores the response (JSON) in the change's transaction and commits both. An expired key not yet swept is replaced.</summary>
    public async Task CompleteAsync(IDbContextTransaction tx, Guid personId, string key, string requestHash, int statusCode, string responseJson,
        CancellationToken ct)
    {
        await db.Database.ExecuteSqlAsync($"""
            insert into idempotency_keys (tenant_id, person_id, key, request_hash, status_code, response)
            values ({Tenant}, {personId}, {key}, {requestHash}, {statusCode}, {responseJson}::jsonb)
            on conflict (tenant_id, person_id, key) do update set request_hash = excluded.request_hash, status_code = excluded.status_code,
              response = excluded.response, created_at = now()
            """, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Deletes the district's keys older than <see cref="Kept"/>; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var kept = Kept;
        return await db.Database.ExecuteSqlAsync($"delete from idempotency_keys where created_at < now() - {kept}", ct);
    }

    sealed record Stored(string RequestHash, int? StatusCode, string? Response);
}

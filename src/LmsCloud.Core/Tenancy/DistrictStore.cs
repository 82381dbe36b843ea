using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LmsCloud.Core.Tenancy;

/// <summary>
/// The districts of the global <c>tenants</c> table, looked up by slug behind a short in-memory cache. Entries live
/// 30 seconds (unknown slugs 10 seconds) and the whole cache is dropped when PostgreSQL notifies a change
/// (<see cref="TenantChangeListener"/>), so a new or suspended district takes effect at once, and within 30 seconds
/// even if a notification is lost. Districts are as many as the table has; unknown slugs are whatever subdomains
/// clients make up, so at most <see cref="MaxUnknownSlugs"/> of them are remembered.
/// </summary>
public sealed class DistrictStore(NpgsqlDataSource db, TimeProvider clock) : IMultiTenantStore<District>
{
    static readonly TimeSpan KnownTtl = TimeSpan.FromSeconds(30);
    static readonly TimeSpan UnknownTtl = TimeSpan.FromSeconds(10);

    /// <summary>Unknown slugs remembered at most; past that, they are all forgotten at once.</summary>
    public const int MaxUnknownSlugs = 10_000;

    readonly ConcurrentDictionary<string, (District District, DateTimeOffset Expires)> _known = new();
    readonly Dictionary<string, DateTimeOffset> _unknown = new(); // guarded by locking it

    internal int CachedUnknownSlugs
    {
        get { lock (_unknown) return _unknown.Count; }
    }

    public async Task<District?> GetByIdentifierAsync(string identifier, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_known.TryGetValue(identifier, out var hit) && hit.Expires > now) return hit.District;
        lock (_unknown)
            if (_unknown.TryGetValue(identifier, out var expires) && expires > now) return null;

        var district = (await QueryAsync("where slug = $1", identifier, ct)).SingleOrDefault();
        if (district != null)
            _known[identifier] = (district, now + KnownTtl);
        else
            lock (_unknown)
            {
                // A flood of made-up subdomains is not worth remembering one by one: drop them all rather than grow, or
                // scan for the oldest on every new one. Real districts are in _known and stay.
                if (_unknown.Count >= MaxUnknownSlugs) _unknown.Clear();
                _unknown[identifier] = now + UnknownTtl;
            }
        return district;
    }

    public async Task<District?> GetAsync(string id, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) ? await GetAsync(guid, ct) : null;

    /// <summary>The district with this id, uncached (jobs and tools, which hold ids rather than host names).</summary>
    public async Task<District?> GetAsync(Guid id, CancellationToken ct) =>
        (await QueryAsync("where id = $1", id, ct)).SingleOrDefault();

    public async Task<IReadOnlyList<District>> GetAllAsync(CancellationToken ct) =>
        await QueryAsync("order by slug", null, ct);

    /// <summary>Forgets every cached district (called when the tenants table changes).</summary>
    public void Evict()
    {
        _known.Clear();
        lock (_unknown) _unknown.Clear();
    }

    async Task<List<District>> QueryAsync(string where, object? parameter, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"select id, slug, name, status from tenants {where}");
        if (parameter != null) cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var result = new List<District>();
        while (await reader.ReadAsync(ct))
            result.Add(new District(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3) == "suspended" ? DistrictStatus.Suspended : DistrictStatus.Active));
        return result;
    }
}

/// <summary>LISTENs on <c>tenants_changed</c> (raised by a trigger) and evicts the district cache.</summary>
public sealed class TenantChangeListener(NpgsqlDataSource db, DistrictStore store, ILogger<TenantChangeListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(stoppingToken);
                conn.Notification += (_, _) => store.Evict();
                await using (var listen = new NpgsqlCommand("listen tenants_changed", conn))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                store.Evict(); // changes made while we were not listening
                while (!stoppingToken.IsCancellationRequested) await conn.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Lost the tenants_changed listener; cached districts expire on their own. Retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}

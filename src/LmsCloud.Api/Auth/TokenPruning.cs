using LmsCloud.Core.Auth;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Quartz;

namespace LmsCloud.Api.Auth;

/// <summary>
/// Nightly: deletes expired and revoked tokens and dead authorizations, district by district. Under RLS a job without a
/// district sees no rows, so each district gets its own DI scope (and so its own LmsDbContext). Not OpenIddict.Quartz:
/// it would prune with no district, which deletes nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed class TokenPruning(IServiceProvider services, DistrictStore districts, TimeProvider clock, ILogger<TokenPruning> logger) : IJob
{
    public static readonly JobKey Key = new("token-pruning");

    /// <summary>Revoked rows are kept this long after creation, for whoever investigates a sign-in.</summary>
    public static readonly TimeSpan KeepRevoked = TimeSpan.FromDays(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await RunAsync(clock.GetUtcNow().UtcDateTime, cancellationToken);

    public async Task<(int Tokens, int Authorizations)> RunAsync(DateTime now, CancellationToken ct = default)
    {
        var (tokens, authorizations) = (0, 0);
        foreach (var district in await districts.GetAllAsync(ct))
        {
            var pruned = await DistrictScope.RunAsync(services, district,
                scope => SignIns.PruneAsync(scope.GetRequiredService<LmsDbContext>(), now, now - KeepRevoked, ct));
            if (pruned != (0, 0))
                logger.LogInformation("Pruned {Tokens} tokens and {Authorizations} authorizations of {Tenant}", pruned.Tokens, pruned.Authorizations, district.Slug);
            (tokens, authorizations) = (tokens + pruned.Tokens, authorizations + pruned.Authorizations);
        }
        return (tokens, authorizations);
    }
}

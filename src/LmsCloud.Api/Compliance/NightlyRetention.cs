using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Tenancy;
using LmsCloud.Api.Jobs;
using Quartz;

namespace LmsCloud.Api.Compliance;

/// <summary>
/// The nightly retention pass over every active district (<see cref="RetentionRuns.NightlyAsync"/>): an approved run is
/// worked, else a fresh dry-run report waits for a compliance officer. One district's failure is logged and does not stop
/// the others.
/// </summary>
public sealed class NightlyRetention(IServiceProvider services, DistrictStore districts, ILogger<NightlyRetention> logger)
{
    public static readonly AuditActor Actor = new("system", "nightly-retention");

    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            try
            {
                var outcome = await RunForAsync(district, ct);
                logger.LogInformation("Nightly retention of {District}: run {RunId} {State} {Problem}", district.Slug, outcome.Run?.Id ?? outcome.Error?.RunId,
                    outcome.Run?.State, outcome.Error?.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Nightly retention of {District} failed", district.Slug);
            }
        }
    }

    public Task<RetentionOutcome> RunForAsync(District district, CancellationToken ct) =>
        DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<RetentionRuns>().NightlyAsync(Actor, ct));
}

/// <summary>The Quartz job: one for the cluster (clustered store: one node fires it), never two at once.</summary>
[DisallowConcurrentExecution]
public sealed class NightlyRetentionJob(NightlyRetention nightly) : IJob
{
    public static readonly JobKey Key = new("nightly-retention", "compliance");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await nightly.RunAsync(cancellationToken);
}

public static class RetentionJobExtensions
{
    public static IServiceCollection AddNightlyRetention(this IServiceCollection services) => services
        .AddSingleton<NightlyRetention>()
        .AddCronJob<NightlyRetentionJob>(NightlyRetentionJob.Key, "Compliance:RetentionCron", "0 30 3 * * ?"); // 03:30 UTC nightly
}

using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Submissions;
using LmsCloud.Core.Tenancy;
using Npgsql;
using LmsCloud.Api.Jobs;
using Quartz;

namespace LmsCloud.Api.Learning;

/// <summary>
/// The activity rollup over every active district (<see cref="DailyRollup.RunAsync"/>), and the monthly partitions of
/// activity_events made ahead (this month and the next two), so ingestion rarely has to make one on demand. Each
/// district's Idempotency-Keys older than a day are swept on the way (<see cref="IdempotencyKeys.SweepAsync"/>). One
/// district's failure is logged and does not stop the others; its mark stays, so the next run does its days again.
/// </summary>
public sealed class ProgressRollup(IServiceProvider services, DistrictStore districts, NpgsqlDataSource db, TimeProvider clock,
    IConfiguration configuration, ILogger<ProgressRollup> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var conn = await db.OpenConnectionAsync(ct))
            await ActivityLog.EnsurePartitionsAsync(conn, new DateOnly(now.Year, now.Month, 1), 3, ct);
        var cutoff = configuration.GetValue("Learning:IdleCutoffSeconds", DailyRollup.DefaultIdleCutoffSeconds);
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            try
            {
                var result = await DistrictScope.RunAsync(services, district,
                    scope => scope.GetRequiredService<DailyRollup>().RunAsync(idleCutoffSeconds: cutoff, ct: ct));
                if (result.Days.Count > 0)
                    logger.LogInformation("Activity rollup of {District}: {Days} days, {Rows} rows", district.Slug, result.Days.Count, result.Rows);
                var swept = await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<IdempotencyKeys>().SweepAsync(ct));
                if (swept > 0) logger.LogInformation("Idempotency keys of {District}: {Rows} older than a day deleted", district.Slug, swept);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Activity rollup of {District} failed", district.Slug);
            }
        }
    }
}

/// <summary>The Quartz job: one for the cluster, never two at once.</summary>
[DisallowConcurrentExecution]
public sealed class ProgressRollupJob(ProgressRollup rollup) : IJob
{
    public static readonly JobKey Key = new("activity-rollup", "learning");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await rollup.RunAsync(cancellationToken);
}

public static class ProgressRollupExtensions
{
    public static IServiceCollection AddProgressRollup(this IServiceCollection services) => services
        .AddLearningProgress()
        .AddSingleton<ProgressRollup>()
        .AddCronJob<ProgressRollupJob>(ProgressRollupJob.Key, "Learning:RollupCron", "0 0/15 * * * ?"); // every 15 minutes
}

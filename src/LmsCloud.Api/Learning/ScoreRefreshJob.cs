using LmsCloud.Api.Jobs;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Tenancy;
using Quartz;

namespace LmsCloud.Api.Learning;

/// <summary>
/// The score refresh over every active district (<see cref="ScoreRefresh.RunAsync"/>): stale scores and passed due dates
/// recomputed. One district's failure is logged and does not stop the others; its mark stays, so the next run redoes it.
/// </summary>
public sealed class ScoreRefreshRunner(IServiceProvider services, DistrictStore districts, ILogger<ScoreRefreshRunner> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            try
            {
                var run = await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<ScoreRefresh>().RunAsync(ct));
                if (run.Recompute.Shells > 0)
                    logger.LogInformation("Score refresh of {District}: {Shells} shells, {Students} students, {Rewritten} scores changed",
                        district.Slug, run.Recompute.Shells, run.Recompute.Students, run.Recompute.Rewritten);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Score refresh of {District} failed", district.Slug);
            }
        }
    }
}

/// <summary>The Quartz job: every quarter hour, one for the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class ScoreRefreshJob(ScoreRefreshRunner runner) : IJob
{
    public static readonly JobKey Key = new("score-refresh", "learning");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) => await runner.RunAsync(cancellationToken);
}

public static class ScoreRefreshExtensions
{
    public static IServiceCollection AddScoreRefresh(this IServiceCollection services) => services
        .AddSingleton<ScoreRefreshRunner>()
        .AddCronJob<ScoreRefreshJob>(ScoreRefreshJob.Key, "Learning:ScoreRefreshCron", "0 */15 * * * ?");
}

using Quartz;

namespace LmsCloud.Api.Jobs;

/// <summary>
/// Schedules one durable Quartz job on a cron read from configuration (UTC), at startup, replacing what the clustered
/// store holds, so a changed cron takes effect on the next start. "off" leaves it unscheduled. A failure is logged, not
/// fatal: the API serves without the job.
/// </summary>
public sealed class CronJobSchedule<TJob>(ISchedulerFactory schedulers, IConfiguration configuration, ILogger<CronJobSchedule<TJob>> logger,
    CronJobSchedule<TJob>.Settings settings) : BackgroundService where TJob : IJob
{
    /// <param name="Key">The job's key; its trigger has the same name and group.</param>
    /// <param name="ConfigurationKey">Where the cron is configured, e.g. <c>Compliance:RetentionCron</c>.</param>
    /// <param name="DefaultCron">The cron when none is configured.</param>
    public sealed record Settings(JobKey Key, string ConfigurationKey, string DefaultCron);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cron = configuration[settings.ConfigurationKey] ?? settings.DefaultCron;
        if (cron == "off") return;
        try
        {
            var scheduler = await schedulers.GetScheduler(stoppingToken);
            var job = JobBuilder.Create<TJob>().WithIdentity(settings.Key).StoreDurably().Build();
            var trigger = TriggerBuilder.Create().WithIdentity(settings.Key.Name, settings.Key.Group).ForJob(job)
                .WithCronSchedule(cron, c => c.InTimeZone(TimeZoneInfo.Utc)).Build();
            await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not schedule the {Job} job ('{Cron}')", settings.Key, cron);
        }
    }
}

public static class CronJobExtensions
{
    /// <summary>Schedules <typeparamref name="TJob"/> at startup on the cron at <paramref name="configurationKey"/> (see <see cref="CronJobSchedule{TJob}"/>).</summary>
    public static IServiceCollection AddCronJob<TJob>(this IServiceCollection services, JobKey key, string configurationKey, string defaultCron)
        where TJob : IJob => services
        .AddSingleton(new CronJobSchedule<TJob>.Settings(key, configurationKey, defaultCron))
        .AddHostedService<CronJobSchedule<TJob>>();
}

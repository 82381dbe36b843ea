using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Quartz;

namespace LmsCloud.Api.Rostering;

/// <summary>What one nightly firing did for a district.</summary>
public sealed record NightlyImportResult(string Outcome, Guid? RunId = null, string? Status = null)
{
    public const string DistrictUnavailable = "district_unavailable", AlreadyRan = "already_ran", NothingNew = "nothing_new",
        Imported = "imported";
}

/// <summary>
/// The nightly import of one district: take the newest inbox package not yet imported, create a run with trigger
/// 'schedule' and the district's local date, and run it. The unique index <c>import_runs_scheduled_once</c>
/// (tenant, run_date) is what makes it once per night whatever happens around it: a second node, a retry after a
/// crash, a misfire handled twice all find the date taken and do nothing.
/// </summary>
public sealed class NightlyImport(ImportRuns runs, NpgsqlDataSource dataSource, SisInbox inbox, DistrictStore districts, IFileStorage storage)
{
    public static readonly AuditActor Actor = new("system", "nightly-import");

    /// <param name="scheduledAt">The fire time the schedule meant (not when it ran): its local date is the run date.</param>
    public async Task<NightlyImportResult> RunAsync(Guid tenantId, DateTimeOffset scheduledAt, CancellationToken ct)
    {
        var district = await districts.GetAsync(tenantId, ct);
        if (district is not { Status: DistrictStatus.Active }) return new NightlyImportResult(NightlyImportResult.DistrictUnavailable);

        NightlyImportResult created;
        // A context fixed to this district for the whole job (no request, no tenant context around it).
        await using (var db = LmsDbContext.Create(dataSource, district))
            created = await CreateRunAsync(db, district, scheduledAt, ct);
        if (created.RunId is not { } id) return created;

        var outcome = await runs.RunAsync(district.TenantId, id, Actor, ct: ct);
        return created with { Status = outcome.Status };
    }

    /// <summary>The run for this night, unless the date is taken or nothing new waits in the inbox.</summary>
    async Task<NightlyImportResult> CreateRunAsync(LmsDbContext db, District district, DateTimeOffset scheduledAt, CancellationToken ct)
    {
        var tenantId = district.TenantId;
        var profile = await db.DistrictProfiles.AsNoTracking().SingleAsync(ct);
        var runDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(scheduledAt, TimeZoneInfo.FindSystemTimeZoneById(profile.TimeZone)).DateTime);
        if (await db.ImportRuns.AnyAsync(r => r.Trigger == ImportTrigger.Schedule && r.RunDate == runDate, ct))
            return new NightlyImportResult(NightlyImportResult.AlreadyRan);
        if (await inbox.ChooseAsync(district, db, ct) is not { } choice)
            return new NightlyImportResult(NightlyImportResult.NothingNew);
        var (item, path, sha256) = choice;

        // A package from the inbox folder is copied into storage first: the drop folder is not ours, and the run
        // (and a later apply) must read exactly the bytes it hashed.
        string? copiedKey = null;
        if (item.FolderPath != null)
        {
            copiedKey = $"{tenantId}/packages/{Guid.CreateVersion7()}.zip";
            await using (var source = File.OpenRead(item.FolderPath)) await storage.SaveAsync(copiedKey, source, ct);
            path = await storage.GetLocalPathAsync(copiedKey, ct);
        }
        try
        {
            var runId = await runs.CreateAsync(new ImportRequest(tenantId, path, item.Name, ImportTrigger.Schedule, Actor, RunDate: runDate,
                PackageSha256: sha256), ct);
            return new NightlyImportResult(NightlyImportResult.Imported, runId);
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "import_runs_scheduled_once" })
        {
            if (copiedKey != null) await storage.DeleteAsync(copiedKey, CancellationToken.None);
            return new NightlyImportResult(NightlyImportResult.AlreadyRan); // another node or an earlier attempt got there first
        }
    }
}

/// <summary>
/// The Quartz job: one per district (JobKey <c>sis.nightly-import-{tenantId}</c>), never two at once for one district,
/// fired by a cron trigger in the district's time zone (<see cref="NightlyImportTriggers"/>). Clustered job store: one
/// node of the cluster fires each trigger.
/// </summary>
[DisallowConcurrentExecution]
public sealed class NightlyImportJob(NightlyImport nightly, ILogger<NightlyImportJob> logger) : IJob
{
    public const string TenantIdKey = "tenantId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var tenantId = Guid.Parse(context.MergedJobDataMap[TenantIdKey]?.ToString() ?? throw new JobExecutionException("The job names no district."));
        var scheduledAt = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        logger.LogInformation("Nightly import of district {TenantId} fired for {ScheduledAt:o} on {SchedulerInstance}", tenantId, scheduledAt,
            context.Scheduler.SchedulerInstanceId);
        var result = await nightly.RunAsync(tenantId, scheduledAt, cancellationToken);
        logger.LogInformation("Nightly import of district {TenantId} for {ScheduledAt:o}: {Outcome} {RunId} {Status}", tenantId, scheduledAt,
            result.Outcome, result.RunId, result.Status);
    }
}

/// <summary>
/// Keeps each district's Quartz trigger in step with its row of <c>sis_schedules</c> and its time zone: called when a
/// district admin changes either, and for every district at startup (<see cref="NightlyImportTriggerSync"/>).
/// </summary>
public sealed class NightlyImportTriggers(ISchedulerFactory schedulers, ILogger<NightlyImportTriggers> logger) : IDistrictTimeZoneFollower
{
    const string Group = "sis";

    public static JobKey JobKeyFor(Guid tenantId) => new($"nightly-import-{tenantId}", Group);

    public static TriggerKey TriggerKeyFor(Guid tenantId) => new($"nightly-import-{tenantId}", Group);

    /// <summary>Schedules, reschedules or removes the trigger of the district <paramref name="db"/> serves.</summary>
    public async Task SyncAsync(LmsDbContext db, CancellationToken ct)
    {
        var tenantId = db.TenantId ?? throw new InvalidOperationException("A schedule belongs to a district.");
        var schedule = await db.SisSchedules.AsNoTracking().SingleOrDefaultAsync(ct);
        var timeZone = (await db.DistrictProfiles.AsNoTracking().SingleAsync(ct)).TimeZone;
        var scheduler = await schedulers.GetScheduler(ct);

        if (schedule is not { Enabled: true })
        {
            if (await scheduler.DeleteJob(JobKeyFor(tenantId), ct)) logger.LogInformation("Nightly import of {TenantId} unscheduled", tenantId);
            return;
        }
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        // Unchanged: leave it. Replacing it would recompute the next fire time from now, and a node starting at 01:59:59.9
        // could push tonight's firing to tomorrow.
        if (await scheduler.GetTrigger(TriggerKeyFor(tenantId), ct) is ICronTrigger current &&
            current.CronExpressionString == schedule.CronExpression && current.TimeZone.Id == zone.Id)
            return;

        var job = JobBuilder.Create<NightlyImportJob>()
            .WithIdentity(JobKeyFor(tenantId))
            .WithDescription("Nightly SIS roster import")
            .UsingJobData(NightlyImportJob.TenantIdKey, tenantId.ToString())
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(TriggerKeyFor(tenantId))
            .ForJob(job)
            .WithCronSchedule(schedule.CronExpression, cron => cron.InTimeZone(zone))
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, ct);
        logger.LogInformation("Nightly import of {TenantId} scheduled: '{Cron}' in {TimeZone}", tenantId, schedule.CronExpression, zone.Id);
    }

    Task IDistrictTimeZoneFollower.TimeZoneChangedAsync(LmsDbContext db, CancellationToken ct) => SyncAsync(db, ct);

    /// <summary>When the scheduler will next fire the district's import, or null when it is not scheduled.</summary>
    public async Task<DateTimeOffset?> NextFireTimeAsync(Guid tenantId, CancellationToken ct) =>
        (await (await schedulers.GetScheduler(ct)).GetTrigger(TriggerKeyFor(tenantId), ct))?.NextFireTimeUtc;
}

/// <summary>At startup, brings every district's trigger in step with its schedule (a node may have missed a change).</summary>
public sealed class NightlyImportTriggerSync(IServiceProvider services, DistrictStore districts, ILogger<NightlyImportTriggerSync> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var district in await districts.GetAllAsync(stoppingToken))
        {
            try
            {
                await DistrictScope.RunAsync(services, district, async scope =>
                {
                    await scope.GetRequiredService<NightlyImportTriggers>().SyncAsync(scope.GetRequiredService<LmsDbContext>(), stoppingToken);
                    return 0;
                });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not bring the nightly import trigger of {District} in step with its schedule", district.Slug);
            }
        }
    }
}

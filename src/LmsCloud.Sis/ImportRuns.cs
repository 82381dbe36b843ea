using LmsCloud.Core.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace LmsCloud.Sis;

/// <summary>How a run came to be (the <c>import_runs.trigger</c> values).</summary>
public static class ImportTrigger
{
    public const string Upload = "upload", Schedule = "schedule", Cli = "cli", Inbox = "inbox";
}

/// <summary>A package to import into a district, how it came and who asked for it.</summary>
/// <param name="PackageSha256">The package's SHA-256 when the caller hashed it while storing it; otherwise it is computed here.</param>
public sealed record ImportRequest(Guid TenantId, string PackagePath, string? PackageName, string Trigger, AuditActor RequestedBy,
    bool DryRun = false, DateOnly? RunDate = null, string? PackageSha256 = null);

/// <summary>
/// The one way to start an import run. Upload, the nightly job, the development seed, <c>lms sis import</c> and the
/// tests all create and run their runs here, so every run records its trigger and requester the same way, writes the
/// same audit event, and gets the same retry of transient database errors. The engine (<see cref="RosterImporter"/>)
/// is the only writer of <c>import_runs</c>.
/// </summary>
public sealed class ImportRuns(NpgsqlDataSource db, TimeProvider clock, ILogger<ImportRuns> logger)
{
    /// <summary>
    /// Creates the run ('received'); a second scheduled run for the same date throws the unique violation on
    /// <c>import_runs_scheduled_once</c>. The id is chosen before the first attempt, so a retry never makes a second run.
    /// </summary>
    public Task<Guid> CreateAsync(ImportRequest request, CancellationToken ct = default)
    {
        var id = Guid.CreateVersion7();
        var sha256 = request.PackageSha256 ?? PackageHash.Compute(request.PackagePath);
        return ImportRetry.Create(logger).ExecuteAsync(async token => await RosterImporter.CreateRunAsync(db, request.TenantId,
            request.PackagePath, request.PackageName, sha256, request.Trigger, request.DryRun, RequestedBy(request.RequestedBy),
            request.RunDate, token, id), ct).AsTask();
    }

    /// <summary>
    /// Runs a received run to its end. <paramref name="applyReviewed"/>: a district admin applies a held or dry run after
    /// review (<see cref="RosterImporter.ReopenForApplyAsync"/>), so the thresholds do not hold it again.
    /// </summary>
    public Task<ImportOutcome> RunAsync(Guid tenantId, Guid runId, AuditActor requestedBy, bool applyReviewed = false,
        IProgress<ImportProgress>? progress = null, CancellationToken ct = default)
    {
        var importer = new RosterImporter(db, logger);
        var audit = ImportAudit.ForRun(tenantId, requestedBy, clock);
        return ImportRetry.Create(logger).ExecuteAsync(async token =>
            await importer.RunAsync(tenantId, runId, applyReviewed, progress, audit, token), ct).AsTask();
    }

    /// <summary>Creates a run and runs it here and now (the CLI, the seed, tests); the API queues uploads instead.</summary>
    public async Task<(Guid RunId, ImportOutcome Outcome)> ImportAsync(ImportRequest request, IProgress<ImportProgress>? progress = null,
        CancellationToken ct = default)
    {
        var runId = await CreateAsync(request, ct);
        return (runId, await RunAsync(request.TenantId, runId, request.RequestedBy, progress: progress, ct: ct));
    }

    /// <summary>How a run records who asked for it: <c>user:{id}</c>, <c>client:{id}</c>, <c>system:nightly-import</c>, <c>operator:cli:{name}</c>.</summary>
    public static string RequestedBy(AuditActor actor) => $"{actor.Type}:{actor.Id}";
}

public static class SisExtensions
{
    /// <summary>The import engine's entry point, for every host that starts runs, and the review of runs (API and pages).</summary>
    public static IServiceCollection AddSis(this IServiceCollection services) => services.AddSingleton<ImportRuns>().AddScoped<ImportReview>();
}

/// <summary>
/// Retries for transient database errors only (a dropped connection, a failover, a serialization failure): the engine
/// rethrows those after marking the run failed, and a rerun of the same run starts it afresh. Everything else (a bad
/// package, row errors, a threshold) is an outcome, never retried.
/// </summary>
public static class ImportRetry
{
    public static ResiliencePipeline Create(ILogger logger, int maxRetries = 3, TimeSpan? firstDelay = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient),
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = firstDelay ?? TimeSpan.FromSeconds(5),
                UseJitter = true,
                OnRetry = args =>
                {
                    logger.LogWarning(args.Outcome.Exception, "Transient database error; import attempt {Attempt} of {Attempts} in {Delay}",
                        args.AttemptNumber + 2, maxRetries + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
}

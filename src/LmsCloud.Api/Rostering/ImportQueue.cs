using System.Threading.Channels;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;
using Polly.Retry;

namespace LmsCloud.Api.Rostering;

/// <summary>A run to carry out: which district, which run, whether an admin reviewed it, and who asked.</summary>
public sealed record ImportWork(District District, Guid RunId, bool ApplyReviewed, AuditActor RequestedBy);

/// <summary>
/// Uploaded and re-applied runs wait here for <see cref="ImportWorker"/>. In process, so a run whose node stops before
/// it starts stays 'received' (docs/architecture.md, Background work); the nightly imports go through Quartz instead.
/// </summary>
public sealed class ImportQueue
{
    readonly Channel<ImportWork> _channel = Channel.CreateUnbounded<ImportWork>();

    public void Enqueue(ImportWork work)
    {
        if (!_channel.Writer.TryWrite(work)) throw new InvalidOperationException("The import queue is closed.");
    }

    public ChannelReader<ImportWork> Reader => _channel.Reader;
}

/// <summary>
/// Drains <see cref="ImportQueue"/> with <see cref="SisOptions.ImportWorkers"/> loops, so two districts import at the
/// same time; runs of one district queue behind each other in the engine (advisory lock), on any node.
/// </summary>
public sealed class ImportWorker(ImportQueue queue, IServiceProvider services, IOptions<SisOptions> options, ILogger<ImportWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.ImportWorkers)).Select(_ => DrainAsync(stoppingToken)));

    async Task DrainAsync(CancellationToken ct)
    {
        await foreach (var work in queue.Reader.ReadAllAsync(ct))
        {
            try
            {
                var outcome = await RunAsync(services, work, logger, ct);
                logger.LogInformation("Import run {RunId} of {District} ended {Status}", work.RunId, work.District.Slug, outcome.Status);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // the engine marked the run failed ("cancelled"); the host is stopping
            }
            catch (Exception e)
            {
                logger.LogError(e, "Import run {RunId} of {District} failed", work.RunId, work.District.Slug);
            }
        }
    }

    /// <summary>
    /// Runs one import, retrying transient database errors. The engine takes the district's id and sets it on its own
    /// connections (TenantSession), so no tenant context or DI scope is needed around it.
    /// </summary>
    public static async Task<ImportOutcome> RunAsync(IServiceProvider services, ImportWork work, ILogger logger, CancellationToken ct)
    {
        var importer = new RosterImporter(services.GetRequiredService<NpgsqlDataSource>(), logger);
        var audit = ImportAudit.ForRun(work.District.TenantId, work.RequestedBy, services.GetRequiredService<TimeProvider>());
        return await ImportRetry.Create(logger).ExecuteAsync(async token =>
            await importer.RunAsync(work.District.TenantId, work.RunId, work.ApplyReviewed, null, audit, token), ct);
    }
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

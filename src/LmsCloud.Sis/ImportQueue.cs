using System.Threading.Channels;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LmsCloud.Sis;

public sealed class SisOptions
{
    /// <summary>Largest roster package accepted by upload (bytes of the zip). Default 512 MB.</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The same limit in whole megabytes, as the upload forms state it.</summary>
    public long MaxUploadMegabytes => MaxUploadBytes / (1024 * 1024);

    /// <summary>Optional folder whose <c>{slug}/*.zip</c> are inbox items too (an SFTP drop, say).</summary>
    public string? InboxRoot { get; set; }

    /// <summary>Imports run at the same time on this node (runs of one district queue in the engine anyway).</summary>
    public int ImportWorkers { get; set; } = 2;
}

/// <summary>A run to carry out: which district, which run, whether an admin reviewed it, and who asked.</summary>
public sealed record ImportWork(District District, Guid RunId, bool ApplyReviewed, AuditActor RequestedBy);

/// <summary>
/// Uploaded and re-applied runs wait here for <see cref="ImportWorker"/>. In process, so a run whose node stops before
/// it starts stays 'received' (docs/architecture.md, Background work); the nightly imports go through Quartz instead.
/// The upload endpoint and the upload page both start their runs with <see cref="StartUploadAsync"/>.
/// </summary>
public sealed class ImportQueue(ImportRuns runs)
{
    readonly Channel<ImportWork> _channel = Channel.CreateUnbounded<ImportWork>();

    /// <summary>Where an upload (the API's or the page's) is stored: a new key under the district's folder.</summary>
    public static string UploadKey(Guid tenantId) => $"{tenantId}/uploads/{Guid.CreateVersion7()}.zip";

    /// <summary>Creates the run of a stored upload ('received') and queues it; returns its id.</summary>
    public async Task<Guid> StartUploadAsync(District district, string packagePath, string? packageName, string sha256, AuditActor actor,
        bool dryRun, CancellationToken ct)
    {
        var runId = await runs.CreateAsync(new ImportRequest(district.TenantId, packagePath, packageName, ImportTrigger.Upload, actor, dryRun,
            PackageSha256: sha256), ct);
        Enqueue(new ImportWork(district, runId, ApplyReviewed: false, actor));
        return runId;
    }

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
public sealed class ImportWorker(ImportQueue queue, ImportRuns runs, IOptions<SisOptions> options, ILogger<ImportWorker> logger)
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
                var outcome = await runs.RunAsync(work.District.TenantId, work.RunId, work.RequestedBy, work.ApplyReviewed, ct: ct);
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
}

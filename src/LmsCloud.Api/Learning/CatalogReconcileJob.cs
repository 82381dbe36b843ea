using LmsCloud.Api.Jobs;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Tenancy;
using Quartz;

namespace LmsCloud.Api.Learning;

/// <summary>
/// The catalog counters' recount over every active district (<see cref="CatalogReconcile.RunAsync"/>): drift is
/// repaired, recorded per district (the admin sees it on /catalog/manage) and logged as a warning. One district's
/// failure is logged and does not stop the others.
/// </summary>
public sealed class CatalogReconcileRunner(IServiceProvider services, DistrictStore districts, ILogger<CatalogReconcileRunner> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            try
            {
                var result = await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<CatalogReconcile>().RunAsync(ct));
                if (result.Drift.Count > 0)
                    logger.LogWarning("Catalog reconcile of {District}: {Drifted} counters drifted and were repaired ({Drift})", district.Slug,
                        result.Drift.Count, string.Join("; ", result.Drift.Select(d => $"{d.ShellId} {d.Counter} {d.Stored}->{d.Actual}")));
                else
                    logger.LogInformation("Catalog reconcile of {District}: {Listings} listings, no drift", district.Slug, result.ListingsChecked);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Catalog reconcile of {District} failed", district.Slug);
            }
        }
    }
}

/// <summary>The Quartz job: nightly, one for the cluster.</summary>
[DisallowConcurrentExecution]
public sealed class CatalogReconcileJob(CatalogReconcileRunner runner) : IJob
{
    public static readonly JobKey Key = new("catalog-reconcile", "learning");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) => await runner.RunAsync(cancellationToken);
}

public static class CatalogReconcileExtensions
{
    public static IServiceCollection AddCatalogReconcile(this IServiceCollection services) => services
        .AddCourseCatalog()
        .AddSingleton<CatalogReconcileRunner>()
        .AddCronJob<CatalogReconcileJob>(CatalogReconcileJob.Key, "Learning:CatalogReconcileCron", "0 30 3 * * ?"); // 03:30 every night
}

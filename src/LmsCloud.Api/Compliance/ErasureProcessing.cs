using LmsCloud.Api.Auth;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;

namespace LmsCloud.Api.Compliance;

/// <summary>
/// Every minute (<c>Compliance:ErasureRequestsInterval</c>): each district's approved erasure requests, one by one, through
/// <see cref="ErasureRequests.ProcessAsync"/>. Clustered Quartz fires it on one node; the request's row lock decides
/// should two ever take the same request.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ErasureRequestsJob(IServiceProvider services, DistrictStore districts, ILogger<ErasureRequestsJob> logger) : IJob
{
    public static readonly JobKey Key = new("erasure-requests");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        await RunAsync(cancellationToken);

    /// <summary>Processes what is approved now; returns the outcomes.</summary>
    public async Task<IReadOnlyList<ErasureRequestOutcome>> RunAsync(CancellationToken ct = default)
    {
        var outcomes = new List<ErasureRequestOutcome>();
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            var approved = await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<ErasureRequests>().ApprovedAsync(ct));
            foreach (var id in approved)
            {
                var outcome = await DistrictScope.RunAsync(services, district,
                    scope => scope.GetRequiredService<ErasureRequests>().ProcessAsync(id, ErasureRequests.JobActor, ct));
                if (outcome == null) continue;
                logger.LogInformation("Erasure request {RequestId} of {Tenant} ended {State}", id, district.Slug, outcome.State);
                outcomes.Add(outcome);
            }
        }
        return outcomes;
    }
}

/// <summary>The erasure job and <c>/api/compliance/certificates</c>: a district's deletion certificates, as issued.</summary>
public static class ErasureProcessing
{
    public static IServiceCollection AddErasureProcessing(this IServiceCollection services, IConfiguration configuration)
    {
        var interval = configuration.GetValue("Compliance:ErasureRequestsInterval", TimeSpan.FromMinutes(1));
        services.AddScoped<ErasureRequestsJob>();
        services.AddQuartz(q => q.ScheduleJob<ErasureRequestsJob>(
            trigger => trigger.WithIdentity("erasure-requests").WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()),
            job => job.WithIdentity(ErasureRequestsJob.Key)));
        return services;
    }

    public static IEndpointRouteBuilder MapCertificateEndpoints(this IEndpointRouteBuilder app)
    {
        var certificates = app.MapGroup("/api/compliance/certificates").WithTags("Compliance").RequireAuthorization(Policies.ComplianceReader);
        certificates.MapGet("/", ListAsync);
        certificates.MapGet("/{id:guid}", DownloadAsync);
        return app;
    }

    public sealed record CertificateSummary(Guid Id, DateTimeOffset IssuedAt, string Href);

    /// <summary>The certificates of one request (or retention run).</summary>
    static async Task<Results<Ok<IReadOnlyList<CertificateSummary>>, ValidationProblem>> ListAsync(Guid? requestId, DeletionCertificates service,
        CancellationToken ct)
    {
        if (requestId is not { } id)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["requestId"] = ["requestId (a request or retention run) is required."] });
        IReadOnlyList<CertificateSummary> list = [.. (await service.OfAsync(id, ct)).Select(c => new CertificateSummary(c.Id, c.IssuedAt, $"/api/compliance/certificates/{c.Id}"))];
        return TypedResults.Ok(list);
    }

    /// <summary>The signed JSON, byte for byte as issued (check it with <c>lms compliance verify-certificate</c>).</summary>
    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadAsync(Guid id, DeletionCertificates service, CancellationToken ct) =>
        await service.GetAsync(id, ct) is { } certificate
            ? TypedResults.File(System.Text.Encoding.UTF8.GetBytes(certificate.Json), "application/json", $"deletion-certificate-{certificate.Id}.json")
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No such certificate in this district.");
}

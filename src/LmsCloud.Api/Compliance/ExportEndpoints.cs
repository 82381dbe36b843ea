using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Sis.Export;
using Microsoft.AspNetCore.Http.HttpResults;
using Quartz;
using System.Security.Claims;

namespace LmsCloud.Api.Compliance;

/// <summary>
/// Compliance exports over HTTP: <c>GET /api/compliance/requests/{id}/export</c> (progress and file, for officers and
/// district admins) and <c>GET …/{id}/download</c> (the zip, for the requester only, logged as a disclosure). The work
/// itself is <see cref="ComplianceExports"/>, run by <see cref="ComplianceExportJob"/>.
/// </summary>
public static class ExportEndpoints
{
    /// <summary>The export service, downloads and the Quartz job (every <c>Compliance:ExportJobInterval</c>, 30 s; zero turns it off).</summary>
    public static IServiceCollection AddComplianceExportJob(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddComplianceExports(configuration, environment.IsDevelopment(), OneRosterPackageAsync);
        var interval = configuration.GetValue("Compliance:ExportJobInterval", TimeSpan.FromSeconds(30));
        if (interval > TimeSpan.Zero)
            services.AddQuartz(q => q.ScheduleJob<ComplianceExportJob>(
                trigger => trigger.WithIdentity("compliance-exports").StartNow().WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()),
                job => job.WithIdentity(ComplianceExportJob.Key)));
        return services;
    }

    /// <summary>The OneRoster package of a district export, by the SIS engine.</summary>
    public static async Task<IReadOnlyList<(string FileName, long Records)>> OneRosterPackageAsync(Npgsql.NpgsqlConnection connection,
        Func<string, Stream> createFile, CancellationToken ct) =>
        [.. (await OneRosterExport.WriteAsync(connection, createFile, ct)).Select(f => (f.FileName, f.Records))];

    public static IEndpointRouteBuilder MapComplianceExportEndpoints(this IEndpointRouteBuilder app)
    {
        var requests = app.MapGroup("/api/compliance/requests").WithTags("Compliance");
        requests.MapGet("/{id:guid}/export", StatusAsync).RequireAuthorization(Policies.ComplianceReader);
        // Any signed-in user of the district may try; only the requester gets the file (ExportDownloads decides).
        requests.MapGet("/{id:guid}/download", DownloadAsync).RequireAuthorization();
        return app;
    }

    static async Task<Results<Ok<ExportStatus>, ProblemHttpResult>> StatusAsync(Guid id, LmsDbContext db, TimeProvider clock, CancellationToken ct) =>
        await ComplianceExports.StatusAsync(db, id, clock.GetUtcNow(), ct) is { } status
            ? TypedResults.Ok(status)
            : TypedResults.Problem("This request has no export (yet): it is not an export request, or it has not been processed.",
                statusCode: StatusCodes.Status404NotFound, title: "Export not found");

    static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> DownloadAsync(Guid id, ExportDownloads downloads, ClaimsPrincipal user,
        CancellationToken ct)
    {
        var outcome = await downloads.OpenAsync(id, AuditLog.ActorOf(user), ct);
        if (outcome.Content is { } content)
            return TypedResults.File(content, "application/zip", outcome.FileName);
        var (status, title) = outcome.Refusal switch
        {
            DownloadRefusal.NotRequester => (StatusCodes.Status403Forbidden, "Forbidden"),
            DownloadRefusal.NotReady => (StatusCodes.Status409Conflict, "Export not ready"),
            DownloadRefusal.Expired => (StatusCodes.Status410Gone, "Download link expired"),
            _ => (StatusCodes.Status404NotFound, "Export not found"),
        };
        return TypedResults.Problem(outcome.Message, statusCode: status, title: title);
    }
}

/// <summary>
/// Runs approved export requests and expires old download links, every district in turn. Clustered store: one node
/// fires each time; <see cref="ComplianceExports.StartAsync"/> (a locked transition) keeps two from working on one request.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ComplianceExportJob(ComplianceExports exports, ILogger<ComplianceExportJob> logger) : IJob
{
    public static readonly JobKey Key = new("compliance-exports");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var ran = await exports.RunApprovedAsync(cancellationToken);
        var expired = await exports.ExpireAsync(cancellationToken);
        if (ran + expired > 0) logger.LogInformation("Compliance exports: {Ran} processed, {Expired} links expired", ran, expired);
    }
}

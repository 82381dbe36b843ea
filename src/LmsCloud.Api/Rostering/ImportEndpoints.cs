using LmsCloud.Core.Database;
using System.Security.Claims;
using CsvHelper;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using LmsCloud.Web.Imports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Api.Rostering;

/// <summary>
/// <c>/api/sis/imports</c>: upload a OneRoster package and follow its import (district admins, or an integration
/// client with the sis.import scope); apply a held or dry run after review (district admins only).
/// </summary>
public static class ImportEndpoints
{
    public static IEndpointRouteBuilder MapImportEndpoints(this IEndpointRouteBuilder app)
    {
        var imports = app.MapGroup("/api/sis/imports").WithTags("SIS import").RequireAuthorization(Policies.SisImport);
        // Read by hand (streamed, PackageUpload); Accepts only documents the body in OpenAPI.
        imports.MapPost("/", UploadAsync).Accepts<IFormFile>("multipart/form-data").DisableAntiforgery();
        imports.MapGet("/", ListAsync);
        imports.MapGet("/{id:guid}", GetAsync);
        imports.MapGet("/{id:guid}/errors", ErrorsCsvAsync);
        imports.MapGet("/{id:guid}/changes", ChangesAsync);
        // Applying over a threshold is a judgement call for a person: an integration client may not.
        imports.MapPost("/{id:guid}/apply", ApplyAsync).RequireAuthorization(Policies.DistrictAdmin);
        return app;
    }

    static async Task<Results<Accepted<ImportAccepted>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, IFileStorage storage, IOptions<SisOptions> options, ImportQueue queue,
        IMultiTenantContextAccessor<District> tenant, ClaimsPrincipal principal, bool dryRun = false, CancellationToken ct = default)
    {
        var district = tenant.MultiTenantContext.TenantInfo!;
        var key = ImportQueue.UploadKey(district.TenantId);
        var (package, refusal) = await PackageUpload.StoreAsync(request, storage, key, options.Value.MaxUploadBytes, ct);
        if (package == null) return Problem(refusal!);

        var runId = await queue.StartUploadAsync(district, await storage.GetLocalPathAsync(key, ct), package.FileName, package.Sha256,
            AuditLog.ActorOf(principal), dryRun, ct);
        return TypedResults.Accepted($"/api/sis/imports/{runId}", new ImportAccepted(runId, RunStatus.Received));
    }

    /// <summary>An upload's refusal as the problem document it has always been.</summary>
    internal static ProblemHttpResult Problem(UploadRefusal refusal) =>
        TypedResults.Problem(statusCode: refusal.Status, title: refusal.Title, detail: refusal.Detail);

    static async Task<Results<Ok<PagedList<ImportRunResponse>>, ValidationProblem>> ListAsync(ImportReview review, [AsParameters] PageRequest paging,
        IAuthorizationService authorization, ClaimsPrincipal principal, CancellationToken ct)
    {
        paging = paging.WithDefaultSize(20);
        if (paging.Validate(maxPageSize: 100) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await review.ListAsync(paging.Page, paging.Size, await ReadsDemographicsAsync(authorization, principal), ct));
    }

    static async Task<Results<Ok<ImportRunResponse>, ProblemHttpResult>> GetAsync(Guid id, ImportReview review, IAuthorizationService authorization,
        ClaimsPrincipal principal, CancellationToken ct) =>
        await review.GetAsync(id, await ReadsDemographicsAsync(authorization, principal), ct) is { } run ? TypedResults.Ok(run) : RunNotFound(id);

    static async Task<bool> ReadsDemographicsAsync(IAuthorizationService authorization, ClaimsPrincipal principal) =>
        (await authorization.AuthorizeAsync(principal, Policies.DemographicsReader)).Succeeded;


    /// <summary>The run's stored row findings as CSV (the first 10,000 per file, then a summary row per cut file and code), streamed row by row.</summary>
    /// <remarks>
    /// Findings in demographics.csv quote its values: their messages are masked unless the caller may read demographics,
    /// and a reader's download that holds any is audited (<see cref="ImportReview.ErrorsForDownloadAsync"/>).
    /// </remarks>
    static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ErrorsCsvAsync(Guid id, ImportReview review,
        IAuthorizationService authorization, ClaimsPrincipal principal, CancellationToken ct)
    {
        var readsDemographics = await ReadsDemographicsAsync(authorization, principal);
        if (await review.ErrorsForDownloadAsync(id, readsDemographics, ct) is not { } errors) return RunNotFound(id);
        return TypedResults.Stream(body => ErrorsCsv.WriteAsync(body, errors.AsAsyncEnumerable(), maskDemographics: !readsDemographics, ct),
            "text/csv; charset=utf-8", $"import-{id}-errors.csv");
    }

    /// <summary>The run's change list; demographics only for a DemographicsReader, and audited (<see cref="ImportReview.ChangesAsync"/>).</summary>
    static async Task<Results<Ok<PagedList<ImportChangeResponse>>, ValidationProblem, ProblemHttpResult>> ChangesAsync(Guid id, ImportReview review,
        IAuthorizationService authorization, ClaimsPrincipal principal, string? entity, string? action,
        [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var errors = paging.Validate(maxPageSize: 1000);
        TextFilter.Check(errors, ("entity", entity), ("action", action));
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var page = await review.ChangesAsync(id, entity, action, paging.Page, paging.Size, await ReadsDemographicsAsync(authorization, principal), ct);
        return page == null ? RunNotFound(id) : TypedResults.Ok(page);
    }

    /// <summary>
    /// Applies a held or dry run after a district admin reviewed its changes (<see cref="ImportReview.ReopenForApplyAsync"/>),
    /// then runs it again with the thresholds waived, against the current roster.
    /// </summary>
    static async Task<Results<Accepted<ImportAccepted>, ProblemHttpResult>> ApplyAsync(Guid id, ImportReview review,
        ImportQueue queue, IMultiTenantContextAccessor<District> tenant, ClaimsPrincipal principal, CancellationToken ct)
    {
        var outcome = await review.ReopenForApplyAsync(id, ct);
        if (outcome.Run == null) return RunNotFound(id);
        if (!outcome.Reopened)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run cannot be applied",
                detail: $"Only a held or dry run can be applied after review; this run is '{outcome.Run.Status}'.");
        queue.Enqueue(new ImportWork(tenant.MultiTenantContext.TenantInfo!, id, ApplyReviewed: true, AuditLog.ActorOf(principal)));
        return TypedResults.Accepted($"/api/sis/imports/{id}", new ImportAccepted(id, RunStatus.Received));
    }

    static ProblemHttpResult RunNotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Import run not found", detail: $"No import run {id} in this district.");
}

/// <summary>
/// The errors CSV: RFC 4180 (CRLF, quoted when a field holds a comma, a quote or a line break), and safe to open in a
/// spreadsheet. File names, header names and messages come from the district's files, so CsvHelper escapes any text
/// field a spreadsheet would run as a formula (starting with = + - @, a tab or a CR): it is quoted with a leading
/// apostrophe (OWASP CSV injection).
/// </summary>
public static class ErrorsCsv
{
    static readonly CsvWriterOptions Options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    /// <param name="maskDemographics">Replace the messages of demographics.csv findings, which quote its values.</param>
    public static async Task WriteAsync(Stream body, IAsyncEnumerable<ImportRowError> errors, bool maskDemographics, CancellationToken ct)
    {
        // Asynchronous writes only: the response body refuses synchronous I/O. The buffer goes out as it fills.
        await using var csv = CsvWriter.Create(body, Options, leaveOpen: true);
        csv.WriteHeader(["severity", "file", "line", "column", "code", "message"]);
        await foreach (var e in errors.WithCancellation(ct))
        {
            csv.WriteField(e.Severity);
            csv.WriteField(e.File);
            csv.WriteField(e.Line);
            csv.WriteField(e.ColumnName);
            csv.WriteField(e.Code);
            csv.WriteField(maskDemographics && e.File == ImportReview.DemographicsFile ? ImportReview.MaskedMessage : e.Message);
            await csv.EndRecordAsync(ct);
        }
    }
}

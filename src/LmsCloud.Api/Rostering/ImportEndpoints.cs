using System.Security.Claims;
using System.Text.Json;
using CsvHelper;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Http;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LmsCloud.Api.Rostering;

public sealed record ImportAccepted(Guid Id, string Status);

public sealed record ImportProgressResponse(string? Phase, int Percent);

public sealed record ImportRunResponse(
    Guid Id, string Status, string Trigger, bool DryRun, string? PackageName, string PackageSha256, string? OneRosterVersion,
    ImportProgressResponse Progress, JsonElement Counts, int WarningCount, int ErrorCount, string? FailureReason, JsonElement History,
    string? RequestedBy, DateOnly? RunDate, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, JsonElement Findings);

/// <summary>One change of a run's change list.</summary>
public sealed record ImportChangeResponse(long Seq, string EntityType, string ExternalId, string Action, JsonElement? OldValues,
    JsonElement? NewValues);

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
        HttpRequest request, IFileStorage storage, IOptions<SisOptions> options, ImportRuns runs, ImportQueue queue,
        IMultiTenantContextAccessor<District> tenant, ClaimsPrincipal principal, bool dryRun = false, CancellationToken ct = default)
    {
        var district = tenant.MultiTenantContext.TenantInfo!;
        var key = $"{district.TenantId}/uploads/{Guid.CreateVersion7()}.zip";
        var (package, problem) = await PackageUpload.StoreAsync(request, storage, key, options.Value.MaxUploadBytes, ct);
        if (package == null) return (ProblemHttpResult)problem!;

        var actor = AuditLog.ActorOf(principal);
        var runId = await runs.CreateAsync(new ImportRequest(district.TenantId, await storage.GetLocalPathAsync(key, ct), package.FileName,
            ImportTrigger.Upload, actor, dryRun, PackageSha256: package.Sha256), ct);
        queue.Enqueue(new ImportWork(district, runId, ApplyReviewed: false, actor));
        return TypedResults.Accepted($"/api/sis/imports/{runId}", new ImportAccepted(runId, RunStatus.Received));
    }

    static async Task<Results<Ok<PagedList<ImportRunResponse>>, ValidationProblem>> ListAsync(LmsDbContext db, [AsParameters] PageRequest paging,
        IAuthorizationService authorization, ClaimsPrincipal principal, CancellationToken ct)
    {
        paging = paging.WithDefaultSize(20);
        if (paging.Validate(maxPageSize: 100) is { Count: > 0 } errors) return TypedResults.ValidationProblem(errors);
        var readsDemographics = await ReadsDemographicsAsync(authorization, principal);
        return TypedResults.Ok(await PagedList.CreateAsync(db.ImportRuns.AsNoTracking().OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
            paging, r => ToResponse(r, readsDemographics), ct));
    }

    static async Task<Results<Ok<ImportRunResponse>, ProblemHttpResult>> GetAsync(Guid id, LmsDbContext db, IAuthorizationService authorization,
        ClaimsPrincipal principal, CancellationToken ct) =>
        await db.ImportRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct) is { } run
            ? TypedResults.Ok(ToResponse(run, await ReadsDemographicsAsync(authorization, principal)))
            : RunNotFound(id);

    static async Task<bool> ReadsDemographicsAsync(IAuthorizationService authorization, ClaimsPrincipal principal) =>
        (await authorization.AuthorizeAsync(principal, Policies.DemographicsReader)).Succeeded;

    /// <summary>The run's stored row findings as CSV (the first 10,000 per file, then a summary row per cut file and code), streamed row by row.</summary>
    /// <remarks>
    /// Findings in demographics.csv quote its values (a birth date that is not ISO, a sex in the wrong case): their
    /// messages are masked unless the caller may read demographics, and a reader's download that holds any is audited
    /// (<c>demographics.viewed</c> naming the run).
    /// </remarks>
    static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ErrorsCsvAsync(Guid id, LmsDbContext db,
        IAuthorizationService authorization, ClaimsPrincipal principal, AuditLog audit, CancellationToken ct)
    {
        if (!await db.ImportRuns.AnyAsync(r => r.Id == id, ct)) return RunNotFound(id);
        var readsDemographics = await ReadsDemographicsAsync(authorization, principal);
        if (readsDemographics && await db.ImportRowErrors.AnyAsync(e => e.RunId == id && e.File == DemographicsFile, ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await audit.WriteAsync(new AuditEntry("demographics.viewed", "import_run", id.ToString(),
                Reason: $"Read the demographics.csv findings in the errors CSV of SIS import run {id}"), ct);
            await tx.CommitAsync(ct);
        }
        // By file and line, as an admin reads them (they are stored in the order found).
        var errors = db.ImportRowErrors.AsNoTracking().Where(e => e.RunId == id)
            .OrderBy(e => e.File).ThenBy(e => e.Line == null).ThenBy(e => e.Line).ThenBy(e => e.Seq);
        return TypedResults.Stream(body => ErrorsCsv.WriteAsync(body, errors.AsAsyncEnumerable(), maskDemographics: !readsDemographics, ct),
            "text/csv; charset=utf-8", $"import-{id}-errors.csv");
    }

    internal const string DemographicsFile = "demographics.csv";

    /// <summary>
    /// The run's change list. Demographics are sensitive: their changes are listed only to a caller who may read
    /// demographics (policy DemographicsReader), and each student whose values are shown gets a
    /// <c>demographics.viewed</c> event in the same transaction as the read, as <c>GET /api/students/{id}/demographics</c> does.
    /// Masking the values alone was not enough: that a change is listed at all tells an uploader whether a guessed birth
    /// date or race flag matched the stored one (a dry run becomes an oracle).
    /// </summary>
    static async Task<Results<Ok<PagedList<ImportChangeResponse>>, ValidationProblem, ProblemHttpResult>> ChangesAsync(Guid id, LmsDbContext db,
        IAuthorizationService authorization, ClaimsPrincipal principal, AuditLog audit, string? entity, string? action,
        [AsParameters] PageRequest paging, CancellationToken ct)
    {
        var errors = paging.Validate(maxPageSize: 1000);
        TextFilter.Check(errors, ("entity", entity), ("action", action));
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var readsDemographics = await ReadsDemographicsAsync(authorization, principal);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await db.ImportRuns.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.SourceSystem }).SingleOrDefaultAsync(ct) is not { } run)
            return RunNotFound(id);
        var query = db.ImportChanges.AsNoTracking().Where(c => c.RunId == id);
        if (!string.IsNullOrWhiteSpace(entity)) query = query.Where(c => c.EntityType == entity);
        if (!string.IsNullOrWhiteSpace(action)) query = query.Where(c => c.Action == action);
        if (!readsDemographics) query = query.Where(c => c.EntityType != DemographicsEntity);
        var page = await PagedList.CreateAsync(query.OrderBy(c => c.Seq), paging,
            c => new ImportChangeResponse(c.Seq, c.EntityType, c.ExternalId, c.Action, c.OldValues, c.NewValues), ct);

        var shown = page.Items.Where(c => c.EntityType == DemographicsEntity && (c.OldValues != null || c.NewValues != null))
            .Select(c => c.ExternalId).Distinct().ToArray();
        if (shown.Length > 0)
        {
            var students = await StudentIdsAsync(db, run.SourceSystem ?? "sis", shown, ct);
            foreach (var sid in shown)
            {
                var student = students.GetValueOrDefault(sid);
                await audit.WriteAsync(new AuditEntry("demographics.viewed", "demographics", student?.ToString() ?? sid, SubjectUserId: student,
                    After: new { runId = id, externalId = sid }, Reason: $"Read in the change list of SIS import run {id}"), ct);
            }
        }
        await tx.CommitAsync(ct);
        return TypedResults.Ok(page);
    }

    const string DemographicsEntity = "demographics";

    /// <summary>Our user ids of the people with these sourcedIds (a person new in a dry run has none yet).</summary>
    static async Task<Dictionary<string, Guid?>> StudentIdsAsync(LmsDbContext db, string sourceSystem, string[] sourcedIds, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var cmd = new NpgsqlCommand("""
            select external_id, internal_id from external_ids where entity_type = 'users' and source_system = $1 and external_id = any($2)
            """, conn, (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction());
        cmd.Parameters.Add(new NpgsqlParameter { Value = sourceSystem });
        cmd.Parameters.Add(new NpgsqlParameter { Value = sourcedIds });
        var ids = new Dictionary<string, Guid?>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids[reader.GetString(0)] = reader.GetGuid(1);
        return ids;
    }

    /// <summary>
    /// Applies a held or dry run after a district admin reviewed its changes: the run goes back to 'received' (in one
    /// statement, so two clicks queue it once) and is run again with the thresholds waived, against the current roster.
    /// </summary>
    static async Task<Results<Accepted<ImportAccepted>, ProblemHttpResult>> ApplyAsync(Guid id, LmsDbContext db, AuditLog audit,
        ImportQueue queue, IMultiTenantContextAccessor<District> tenant, ClaimsPrincipal principal, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var run = await db.ImportRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (run == null) return RunNotFound(id);
        var reopened = await RosterImporter.ReopenForApplyAsync((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction)tx.GetDbTransaction(), run.TenantId, id, ct);
        if (!reopened)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Run cannot be applied",
                detail: $"Only a held or dry run can be applied after review; this run is '{run.Status}'.");
        await audit.WriteAsync(new AuditEntry("sis_import.applied_after_review", "import_run", id.ToString(),
            Before: new { run.Status, run.WarningCount, run.ErrorCount }, Reason: run.FailureReason), ct);
        await tx.CommitAsync(ct);

        var actor = AuditLog.ActorOf(principal);
        queue.Enqueue(new ImportWork(tenant.MultiTenantContext.TenantInfo!, id, ApplyReviewed: true, actor));
        return TypedResults.Accepted($"/api/sis/imports/{id}", new ImportAccepted(id, RunStatus.Received));
    }

    static ProblemHttpResult RunNotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Import run not found", detail: $"No import run {id} in this district.");

    static ImportRunResponse ToResponse(ImportRun r, bool readsDemographics) => new(r.Id, r.Status, r.Trigger, r.DryRun, r.PackageName,
        r.PackageSha256, r.OneRosterVersion, new ImportProgressResponse(r.ProgressPhase, r.ProgressPercent),
        readsDemographics ? r.Counts : WithoutDemographicsCounts(r.Counts), r.WarningCount, r.ErrorCount, r.FailureReason, r.History,
        r.RequestedBy, r.RunDate, r.CreatedAt, r.StartedAt, r.FinishedAt, r.Findings);

    /// <summary>
    /// The counts, with demographics' replaced by <c>{"masked": true}</c>: created, updated and unchanged would tell a
    /// caller who may not read demographics whether the values they sent match the stored ones.
    /// </summary>
    static JsonElement WithoutDemographicsCounts(JsonElement counts)
    {
        if (counts.ValueKind != JsonValueKind.Object || !counts.TryGetProperty(DemographicsEntity, out _)) return counts;
        var node = System.Text.Json.Nodes.JsonNode.Parse(counts.GetRawText())!.AsObject();
        node[DemographicsEntity] = new System.Text.Json.Nodes.JsonObject { ["masked"] = true };
        return JsonSerializer.SerializeToElement(node);
    }
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

    const string MaskedMessage = "(masked: demographics.csv messages quote its values; only DistrictAdmin and ComplianceOfficer see them)";

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
            csv.WriteField(maskDemographics && e.File == ImportEndpoints.DemographicsFile ? MaskedMessage : e.Message);
            await csv.EndRecordAsync(ct);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace LmsCloud.Sis;

public sealed record ImportAccepted(Guid Id, string Status);

public sealed record ImportProgressResponse(string? Phase, int Percent);

public sealed record ImportRunResponse(
    Guid Id, string Status, string Trigger, bool DryRun, string? PackageName, string PackageSha256, string? OneRosterVersion,
    ImportProgressResponse Progress, JsonElement Counts, int WarningCount, int ErrorCount, string? FailureReason, JsonElement History,
    string? RequestedBy, DateOnly? RunDate, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, JsonElement Findings);

/// <summary>One change of a run's change list.</summary>
public sealed record ImportChangeResponse(long Seq, string EntityType, string ExternalId, string Action, JsonElement? OldValues,
    JsonElement? NewValues);

/// <summary>What applying a run after review came to: the run (null: no such run) and whether it was reopened.</summary>
public sealed record ApplyOutcome(ImportRun? Run, bool Reopened);

/// <summary>
/// A district admin's review of the district's import runs: the run list and a run, its change list, its row findings,
/// and applying a held or dry run. The API (<c>/api/sis/imports</c>) and the pages (<c>/imports</c>) both go through
/// here, so the demographics rules and their audit events are the same for both. The caller says whether the person
/// may read demographics (policy DemographicsReader: DistrictAdmin and ComplianceOfficer).
/// </summary>
/// <remarks>
/// Demographics are sensitive. For a caller who may not read them, demographics changes are not listed at all and
/// the run's demographics counts read <c>{"masked": true}</c> (that a change is listed, or counted as updated rather than
/// unchanged, would tell an uploader whether a guessed birth date matches: a dry run becomes an oracle), and the
/// messages of demographics.csv findings are masked (they quote values). A reader's every view of such values is
/// audited (<c>demographics.viewed</c>) in the read's transaction.
/// </remarks>
public sealed class ImportReview(LmsDbContext db, AuditLog audit)
{
    public const string DemographicsFile = "demographics.csv";
    public const string DemographicsEntity = "demographics";
    public const string MaskedMessage = "(masked: demographics.csv messages quote its values; only DistrictAdmin and ComplianceOfficer see them)";

    /// <summary>The district's runs, newest first.</summary>
    public Task<PagedList<ImportRunResponse>> ListAsync(int page, int pageSize, bool readsDemographics, CancellationToken ct) =>
        PagedList.CreateAsync(db.ImportRuns.AsNoTracking().OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id), page, pageSize,
            r => ToResponse(r, readsDemographics), ct);

    public async Task<ImportRunResponse?> GetAsync(Guid id, bool readsDemographics, CancellationToken ct) =>
        await db.ImportRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct) is { } run ? ToResponse(run, readsDemographics) : null;

    /// <summary>
    /// The run's change list, in the order recorded, filtered by entity type and action; null when there is no such run.
    /// Each student whose demographics a page shows gets a <c>demographics.viewed</c> event in the read's transaction.
    /// </summary>
    public async Task<PagedList<ImportChangeResponse>?> ChangesAsync(Guid id, string? entity, string? action, int page, int pageSize,
        bool readsDemographics, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await db.ImportRuns.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.SourceSystem }).SingleOrDefaultAsync(ct) is not { } run)
            return null;
        var query = db.ImportChanges.AsNoTracking().Where(c => c.RunId == id);
        if (!string.IsNullOrWhiteSpace(entity)) query = query.Where(c => c.EntityType == entity);
        if (!string.IsNullOrWhiteSpace(action)) query = query.Where(c => c.Action == action);
        if (!readsDemographics) query = query.Where(c => c.EntityType != DemographicsEntity);
        var result = await PagedList.CreateAsync(query.OrderBy(c => c.Seq), page, pageSize,
            c => new ImportChangeResponse(c.Seq, c.EntityType, c.ExternalId, c.Action, c.OldValues, c.NewValues), ct);

        var shown = result.Items.Where(c => c.EntityType == DemographicsEntity && (c.OldValues != null || c.NewValues != null))
            .Select(c => c.ExternalId).Distinct().ToArray();
        if (shown.Length > 0)
        {
            var students = await StudentIdsAsync(run.SourceSystem ?? "sis", shown, ct);
            foreach (var sid in shown)
            {
                var student = students.GetValueOrDefault(sid);
                await audit.WriteAsync(new AuditEntry("demographics.viewed", "demographics", student?.ToString() ?? sid, SubjectUserId: student,
                    After: new { runId = id, externalId = sid }, Reason: $"Read in the change list of SIS import run {id}"), ct);
            }
        }
        await tx.CommitAsync(ct);
        return result;
    }

    /// <summary>The entity types and actions the run's change list holds (for filters), as this caller may see them.</summary>
    public async Task<(List<string> Entities, List<string> Actions)> ChangeFacetsAsync(Guid id, bool readsDemographics, CancellationToken ct)
    {
        var query = db.ImportChanges.AsNoTracking().Where(c => c.RunId == id);
        if (!readsDemographics) query = query.Where(c => c.EntityType != DemographicsEntity);
        var pairs = await query.Select(c => new { c.EntityType, c.Action }).Distinct().ToListAsync(ct);
        return (pairs.Select(p => p.EntityType).Distinct().Order(StringComparer.Ordinal).ToList(),
            pairs.Select(p => p.Action).Distinct().Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// All the run's stored row findings, by file and line, for the errors CSV (streamed by the caller); null when there is
    /// no such run. A reader's download holding demographics.csv findings is audited once, naming the run.
    /// </summary>
    public async Task<IQueryable<ImportRowError>?> ErrorsForDownloadAsync(Guid id, bool readsDemographics, CancellationToken ct)
    {
        if (!await db.ImportRuns.AnyAsync(r => r.Id == id, ct)) return null;
        if (readsDemographics && await db.ImportRowErrors.AnyAsync(e => e.RunId == id && e.File == DemographicsFile, ct))
            await AuditDemographicsFindingsAsync(id, "in the errors CSV", ct);
        return ErrorsInOrder(db.ImportRowErrors.AsNoTracking().Where(e => e.RunId == id));
    }

    /// <summary>
    /// One page of the run's row findings, by file and line, filtered by file and code, messages masked as in the CSV;
    /// null when there is no such run. A reader's page showing demographics.csv findings is audited once, naming the run.
    /// </summary>
    public async Task<PagedList<ImportRowError>?> ErrorsAsync(Guid id, string? file, string? code, int page, int pageSize,
        bool readsDemographics, CancellationToken ct)
    {
        if (!await db.ImportRuns.AnyAsync(r => r.Id == id, ct)) return null;
        var query = db.ImportRowErrors.AsNoTracking().Where(e => e.RunId == id);
        if (!string.IsNullOrWhiteSpace(file)) query = query.Where(e => e.File == file);
        if (!string.IsNullOrWhiteSpace(code)) query = query.Where(e => e.Code == code);
        var result = await PagedList.CreateAsync(ErrorsInOrder(query), page, pageSize, e => e, ct);
        if (!result.Items.Any(e => e.File == DemographicsFile)) return result;
        if (readsDemographics)
        {
            await AuditDemographicsFindingsAsync(id, "on the row errors page", ct);
            return result;
        }
        foreach (var e in result.Items.Where(e => e.File == DemographicsFile)) e.Message = MaskedMessage;
        return result;
    }

    /// <summary>The files and codes the run's findings hold (for filters).</summary>
    public async Task<(List<string> Files, List<string> Codes)> ErrorFacetsAsync(Guid id, CancellationToken ct)
    {
        var pairs = await db.ImportRowErrors.AsNoTracking().Where(e => e.RunId == id).Select(e => new { e.File, e.Code }).Distinct().ToListAsync(ct);
        return (pairs.Select(p => p.File).Distinct().Order(StringComparer.Ordinal).ToList(),
            pairs.Select(p => p.Code).Distinct().Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Reopens a held or dry run to be applied after review: back to 'received' (in one statement, so two clicks queue it
    /// once), audited <c>sis_import.applied_after_review</c> in the same transaction. The caller queues it with the
    /// thresholds waived (<see cref="ImportQueue"/>).
    /// </summary>
    public async Task<ApplyOutcome> ReopenForApplyAsync(Guid id, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var run = await db.ImportRuns.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct);
        if (run == null) return new ApplyOutcome(null, false);
        var reopened = await RosterImporter.ReopenForApplyAsync((NpgsqlConnection)db.Database.GetDbConnection(),
            (NpgsqlTransaction)tx.GetDbTransaction(), run.TenantId, id, ct);
        if (!reopened) return new ApplyOutcome(run, false);
        await audit.WriteAsync(new AuditEntry("sis_import.applied_after_review", "import_run", id.ToString(),
            Before: new { run.Status, run.WarningCount, run.ErrorCount }, Reason: run.FailureReason), ct);
        await tx.CommitAsync(ct);
        return new ApplyOutcome(run, true);
    }

    // By file and line, as an admin reads them (they are stored in the order found); summary rows (no line) last.
    static IQueryable<ImportRowError> ErrorsInOrder(IQueryable<ImportRowError> errors) =>
        errors.OrderBy(e => e.File).ThenBy(e => e.Line == null).ThenBy(e => e.Line).ThenBy(e => e.Seq);

    async Task AuditDemographicsFindingsAsync(Guid id, string where, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.WriteAsync(new AuditEntry("demographics.viewed", "import_run", id.ToString(),
            Reason: $"Read the demographics.csv findings {where} of SIS import run {id}"), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>Our user ids of the people with these sourcedIds (a person new in a dry run has none yet).</summary>
    async Task<Dictionary<string, Guid?>> StudentIdsAsync(string sourceSystem, string[] sourcedIds, CancellationToken ct)
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
        var node = JsonNode.Parse(counts.GetRawText())!.AsObject();
        node[DemographicsEntity] = new JsonObject { ["masked"] = true };
        return JsonSerializer.SerializeToElement(node);
    }
}

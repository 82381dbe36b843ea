using System.Security.Cryptography;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Core.Compliance.Export;

/// <summary>Settings of exports (section <c>Compliance</c>).</summary>
public sealed class ExportOptions
{
    /// <summary>How long a ready export can be downloaded; then the request expires and the file is deleted.</summary>
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an export's lease lasts without a heartbeat (refreshed every third of it while the export runs). When it
    /// runs out, the node is taken for dead and the export job runs the request again from the start.
    /// </summary>
    public TimeSpan ExportLease { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>An export's progress and file as the API shows it (table <c>compliance_exports</c>).</summary>
/// <param name="Attempt">1, or more when a node died running it and another started it again.</param>
/// <param name="LeaseUntil">Until when the node running it holds it (refreshed while it runs).</param>
public sealed record ExportStatus(Guid RequestId, int TablesTotal, int TablesDone, long RowsWritten, int Percent, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, long? Bytes, string? Sha256, DateTimeOffset? ExpiresAt, bool Downloadable, int Attempt = 1,
    DateTimeOffset? LeaseUntil = null);

/// <summary>
/// The export work of compliance requests (docs/compliance.md, Exports): an approved <c>export</c>,
/// <c>district_export</c> or <c>disclosure_log</c> request is moved to <c>processing</c>, written by <see cref="ExportWriter"/> with its progress
/// kept in <c>compliance_exports</c>, stored under the file-storage seam, and finished with one part per table and file
/// (<see cref="ComplianceRequests.FinishAsync"/>: <c>ready</c>, or <c>failed</c> naming what failed). Expired download
/// links move their request to <c>expired</c> and delete the file. The Quartz job of the API and <c>lms compliance
/// export</c> both go through here.
/// <para>
/// Leases: while a request is written its row holds <c>lease_until</c>, pushed forward by a heartbeat. A request still
/// <c>processing</c> whose lease ran out (its node died) is taken up by <see cref="RunApprovedAsync"/> as the next
/// <c>attempt</c>, from the start: the dead node's temporary file died with it, and a stored file is deleted. One
/// conditional update claims it, so two nodes never both do, and a live lease is never taken.
/// </para>
/// </summary>
public sealed class ComplianceExports(IServiceProvider services, NpgsqlDataSource dataSource, DistrictStore districts, IFileStorage storage,
    PlatformKeys keys, ExportOptions options, TimeProvider clock, RosterPackageWriter? roster = null)
{
    public static readonly AuditActor Actor = new("system", "compliance-export");

    static RequestCaller Job => RequestCaller.System(Actor);

    public static string StorageKey(Guid tenantId, Guid requestId) => $"{tenantId}/compliance-exports/{requestId}.zip";

    /// <summary>The request types whose work is a zip to download: the ones this service runs.</summary>
    public static readonly IReadOnlyList<string> Types = [RequestTypes.Export, RequestTypes.DistrictExport, RequestTypes.DisclosureLog];

    /// <summary>
    /// Every approved export request of every active district, then every one left <c>processing</c> by a node whose
    /// lease ran out, one after the other. Returns how many were worked on.
    /// </summary>
    public async Task<int> RunApprovedAsync(CancellationToken ct = default)
    {
        var done = 0;
        foreach (var district in await districts.GetAllAsync(ct))
        {
            if (district.Status != DistrictStatus.Active) continue;
            var approved = await IdsAsync(district.TenantId,
                "select id from compliance_requests where state = 'approved' and type = any ($1) order by created_at", ct,
                (object)Types.ToArray()); // one parameter, an array: not spread over params
            foreach (var id in approved)
                if (await RunAsync(district, id, ct) is { Error: null })
                    done++;
            var abandoned = await IdsAsync(district.TenantId, """
                select r.id from compliance_requests r join compliance_exports e on e.tenant_id = r.tenant_id and e.request_id = r.id
                where r.state = 'processing' and r.type = any ($1) and e.finished_at is null
                  and coalesce(e.lease_until, e.started_at + $2) < $3
                order by r.created_at
                """, ct, Types.ToArray(), options.ExportLease, clock.GetUtcNow());
            foreach (var id in abandoned)
                if (await RunAsync(district, id, ct, takeOver: true) is { Error: null })
                    done++;
        }
        return done;
    }

    /// <summary>
    /// One request, into storage: processing → the zip → ready (with a download link until now + the lifetime) or failed.
    /// Another node that took the request first makes this an illegal transition, returned as it is.
    /// </summary>
    public Task<RequestOutcome> RunAsync(District district, Guid requestId, CancellationToken ct = default) => RunAsync(district, requestId, ct, false);

    /// <param name="takeOver">Run a <c>processing</c> request whose lease ran out as the next attempt, instead of an approved one.</param>
    /// <param name="progress">Also told of the progress (the CLI's progress bar).</param>
    public async Task<RequestOutcome> RunAsync(District district, Guid requestId, CancellationToken ct, bool takeOver,
        Action<ExportProgress>? progress = null)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"lms-export-{requestId:N}-{Guid.NewGuid():N}.zip");
        try
        {
            List<PartOutcome> parts;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920))
            {
                var started = takeOver ? await TakeOverAsync(district, requestId, ct) : await StartAsync(district, requestId, Job, ct);
                if (started.Error != null) return started;
                parts = await WriteAsync(district, started.Request!, file, ct, progress);
            }
            string? key = null;
            (long Bytes, string Sha256)? stored = null;
            if (parts.All(p => p.Succeeded))
            {
                try
                {
                    key = StorageKey(district.TenantId, requestId);
                    await using (var file = File.OpenRead(temp)) await storage.SaveAsync(key, file, ct);
                    await using (var file = File.OpenRead(temp)) stored = (file.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct)));
                    parts.Add(new PartOutcome("storage", true));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    parts.Add(new PartOutcome("storage", false, e.Message));
                }
            }
            var finished = await FinishAsync(district, requestId, parts, Job, ct);
            var now = clock.GetUtcNow();
            if (finished.Request?.State == RequestStates.Ready && stored is { } zip)
                await UpdateAsync(district.TenantId, requestId, """
                    update compliance_exports set storage_key = $2, bytes = $3, sha256 = $4, expires_at = $5, finished_at = $6, percent = 100,
                      lease_until = null
                    where request_id = $1
                    """, ct, key!, zip.Bytes, zip.Sha256, now + options.DownloadLinkLifetime, now);
            else
            {
                if (key != null) await storage.DeleteAsync(key, CancellationToken.None);
                await UpdateAsync(district.TenantId, requestId, "update compliance_exports set finished_at = $2, lease_until = null where request_id = $1", ct, now);
            }
            return finished;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>approved → processing, and a fresh progress row. An error (not approved any more, another node first) is returned.</summary>
    public async Task<RequestOutcome> StartAsync(District district, Guid requestId, RequestCaller caller, CancellationToken ct = default)
    {
        var outcome = await DistrictScope.RunAsync(services, district, scope =>
            scope.GetRequiredService<ComplianceRequests>().TransitionAsync(requestId, RequestStates.Processing, caller, "Export started.", ct));
        if (outcome.Request is { } request && !Types.Contains(request.Type))
            throw new InvalidOperationException($"Request {requestId} is a {request.Type} request, not an export.");
        if (outcome.Error == null)
        {
            // A retry after a failure is the next attempt too; its old file (if any) is of no use any more.
            var now = clock.GetUtcNow();
            await UpdateAsync(district.TenantId, requestId, """
                insert into compliance_exports (tenant_id, request_id, started_at, lease_until) values (current_setting('app.tenant_id')::uuid, $1, $2, $3)
                on conflict (tenant_id, request_id) do update set tables_total = 0, tables_done = 0, rows_written = 0, percent = 0,
                  started_at = excluded.started_at, finished_at = null, storage_key = null, bytes = null, sha256 = null, expires_at = null,
                  lease_until = excluded.lease_until, attempt = compliance_exports.attempt + 1
                """, ct, now, now + options.ExportLease);
        }
        return outcome;
    }

    /// <summary>
    /// processing (lease run out) → processing again, as the next attempt: claimed by one conditional update, so of two
    /// nodes only one takes it, and a lease renewed meanwhile is not taken. The timeline and the audit log say so; a
    /// file stored by the dead attempt is deleted. An error when the request is not (any more) free to take.
    /// </summary>
    async Task<RequestOutcome> TakeOverAsync(District district, Guid requestId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var conn = await TenantSession.OpenAsync(dataSource, district.TenantId, ct);
        await using var claim = new NpgsqlCommand("""
            update compliance_exports e set attempt = e.attempt + 1, started_at = $2, lease_until = $3, tables_total = 0, tables_done = 0,
              rows_written = 0, percent = 0, storage_key = null, bytes = null, sha256 = null, expires_at = null
            from compliance_requests r
            where e.request_id = $1 and r.tenant_id = e.tenant_id and r.id = e.request_id and r.state = 'processing' and e.finished_at is null
              and coalesce(e.lease_until, e.started_at + $4) < $2
            returning e.attempt, e.lease_until
            """, conn)
        {
            Parameters = { new() { Value = requestId }, new() { Value = now }, new() { Value = now + options.ExportLease }, new() { Value = options.ExportLease } },
        };
        await using (var reader = await claim.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                return RequestOutcome.Fail(RequestErrorKind.IllegalTransition, "The export is not processing with an expired lease (any more).");
            var attempt = reader.GetInt32(0);
            await reader.CloseAsync();
            await storage.DeleteAsync(StorageKey(district.TenantId, requestId), ct);
            return await DistrictScope.RunAsync(services, district, async scope =>
            {
                var commented = await scope.GetRequiredService<ComplianceRequests>().CommentAsync(requestId,
                    $"Export restarted from the start as attempt {attempt}: the node running attempt {attempt - 1} stopped renewing its lease.", Job, ct);
                return commented.Error != null ? commented
                    : new RequestOutcome(await scope.GetRequiredService<LmsDbContext>().ComplianceRequests.AsNoTracking().SingleAsync(r => r.Id == requestId, ct), null);
            });
        }
    }

    /// <summary>
    /// Writes the zip of a request in <c>processing</c> to <paramref name="output"/>, keeping its progress row current; the
    /// parts say what succeeded. A failure the writer did not expect is one failed part, so the request fails rather than hangs.
    /// </summary>
    /// <param name="progress">Also told of the progress (the CLI's progress bar).</param>
    public async Task<List<PartOutcome>> WriteAsync(District district, ComplianceRequest request, Stream output, CancellationToken ct = default,
        Action<ExportProgress>? progress = null)
    {
        var scope = new ExportScope(district.TenantId, district.Slug, district.DisplayName, request.Id, request.SubjectUserId,
            DisclosureLogOnly: request.Type == RequestTypes.DisclosureLog);
        // The heartbeat: this attempt's lease, renewed every third of its length while the zip is written. A heartbeat of
        // an attempt that was taken over (this node stalled past its lease) renews nothing.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var attempt = await AttemptAsync(district.TenantId, request.Id, ct);
        var heartbeat = HeartbeatAsync(district.TenantId, request.Id, attempt, stop.Token);
        try
        {
            await using var conn = await TenantSession.OpenAsync(dataSource, district.TenantId, ct);
            var result = await ExportWriter.WriteAsync(conn, scope, output, keys, clock.GetUtcNow(), roster,
                p =>
                {
                    progress?.Invoke(p);
                    return UpdateAsync(district.TenantId, request.Id,
                    "update compliance_exports set tables_total = $2, tables_done = $3, rows_written = $4, percent = $5 where request_id = $1", ct,
                        p.PartsTotal, p.PartsDone, p.RowsWritten, p.Percent);
                }, ct: ct);
            return [.. result.Parts];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [new PartOutcome("export", false, e.Message)];
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeat;
        }
    }

    async Task HeartbeatAsync(Guid tenantId, Guid requestId, int attempt, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.ExportLease / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await UpdateAsync(tenantId, requestId, "update compliance_exports set lease_until = $2 where request_id = $1 and attempt = $3 and finished_at is null",
                        ct, clock.GetUtcNow() + options.ExportLease, attempt);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    // One missed beat is not fatal: the lease lasts three of them.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task<int> AttemptAsync(Guid tenantId, Guid requestId, CancellationToken ct)
    {
        await using var conn = await TenantSession.OpenAsync(dataSource, tenantId, ct);
        await using var cmd = new NpgsqlCommand("select attempt from compliance_exports where request_id = $1", conn) { Parameters = { new() { Value = requestId } } };
        return await cmd.ExecuteScalarAsync(ct) is int attempt ? attempt : 1;
    }

    async Task<List<Guid>> IdsAsync(Guid tenantId, string sql, CancellationToken ct, params object[] values)
    {
        await using var conn = await TenantSession.OpenAsync(dataSource, tenantId, ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var value in values) cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        var ids = new List<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>Marks the export's progress row finished (the CLI, which writes to the operator's file rather than to storage).</summary>
    public Task MarkFinishedAsync(Guid tenantId, Guid requestId, CancellationToken ct = default) =>
        UpdateAsync(tenantId, requestId, "update compliance_exports set finished_at = $2, percent = 100, lease_until = null where request_id = $1", ct, clock.GetUtcNow());

    public Task<RequestOutcome> FinishAsync(District district, Guid requestId, IReadOnlyList<PartOutcome> parts, RequestCaller caller,
        CancellationToken ct = default) =>
        DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<ComplianceRequests>().FinishAsync(requestId, parts, caller, ct));

    /// <summary>Ready exports whose link has expired: the request moves to <c>expired</c>, the file is deleted. Returns how many.</summary>
    public async Task<int> ExpireAsync(CancellationToken ct = default)
    {
        var expired = 0;
        var now = clock.GetUtcNow();
        foreach (var district in await districts.GetAllAsync(ct))
        {
            var due = new List<(Guid Id, string Key)>();
            await using (var conn = await TenantSession.OpenAsync(dataSource, district.TenantId, ct))
            await using (var cmd = new NpgsqlCommand("""
                             select e.request_id, e.storage_key from compliance_exports e
                             join compliance_requests r on r.tenant_id = e.tenant_id and r.id = e.request_id
                             where e.storage_key is not null and e.expires_at <= $1 and r.state in ('ready', 'expired', 'completed')
                             """, conn) { Parameters = { new() { Value = now } } })
            {
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) due.Add((reader.GetGuid(0), reader.GetString(1)));
            }
            foreach (var (id, key) in due)
            {
                var moved = await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<ComplianceRequests>()
                    .TransitionAsync(id, RequestStates.Expired, Job, "The download link expired; the file was deleted.", ct));
                // Deleted whether this moved it or it was closed already: no file outlives its link.
                await storage.DeleteAsync(key, ct);
                await UpdateAsync(district.TenantId, id, "update compliance_exports set storage_key = null where request_id = $1", ct);
                if (moved.Error == null) expired++;
            }
        }
        return expired;
    }

    /// <summary>The progress and file of a request's export, or null when it has none (yet).</summary>
    public static async Task<ExportStatus?> StatusAsync(LmsDbContext db, Guid requestId, DateTimeOffset now, CancellationToken ct = default)
    {
        var rows = await db.Database.SqlQuery<ExportStatusRow>($"""
            select e.request_id as "RequestId", e.tables_total as "TablesTotal", e.tables_done as "TablesDone", e.rows_written as "RowsWritten",
                   e.percent as "Percent", e.started_at as "StartedAt", e.finished_at as "FinishedAt", e.bytes as "Bytes", e.sha256 as "Sha256",
                   e.expires_at as "ExpiresAt", r.state as "State", e.storage_key as "StorageKey", e.attempt as "Attempt",
                   e.lease_until as "LeaseUntil"
            from compliance_exports e join compliance_requests r on r.tenant_id = e.tenant_id and r.id = e.request_id
            where e.request_id = {requestId}
            """).ToListAsync(ct);
        return rows.Count == 0 ? null : rows[0].ToStatus(now);
    }

    async Task UpdateAsync(Guid tenantId, Guid requestId, string sql, CancellationToken ct, params object[] values)
    {
        await using var conn = await TenantSession.OpenAsync(dataSource, tenantId, ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = requestId });
        foreach (var value in values) cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A row of <c>compliance_exports</c> with its request's state (for <see cref="ComplianceExports.StatusAsync"/>).</summary>
sealed class ExportStatusRow
{
    public Guid RequestId { get; set; }
    public int TablesTotal { get; set; }
    public int TablesDone { get; set; }
    public long RowsWritten { get; set; }
    public int Percent { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public long? Bytes { get; set; }
    public string? Sha256 { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public string State { get; set; } = "";
    public string? StorageKey { get; set; }
    public int Attempt { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    public ExportStatus ToStatus(DateTimeOffset now) => new(RequestId, TablesTotal, TablesDone, RowsWritten, Percent, StartedAt, FinishedAt, Bytes,
        Sha256, ExpiresAt, State == RequestStates.Ready && StorageKey != null && ExpiresAt > now, Attempt, LeaseUntil);
}

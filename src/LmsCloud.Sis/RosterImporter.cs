using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using LmsCloud.Core.Database;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LmsCloud.Sis;

/// <summary>A district's import settings (<c>district_profiles.settings → sis</c>).</summary>
public sealed record ImportSettings(bool Strict = false, double DeletionThreshold = 0.10, bool LocalWins = false);

public sealed record ImportProgress(string Phase, int Percent);

/// <summary>Per entity type: what a run did (or, dry or held, would do).</summary>
public sealed record EntityCounts(int Created, int Updated, int Deleted, int Revived, int Unchanged, int Invalid);

public sealed record ImportOutcome(Guid RunId, string Status, IReadOnlyDictionary<string, EntityCounts> Counts, int Warnings, int Errors,
    string? FailureReason);

/// <summary>Enrollment and role changes of a run, for the one chained audit event the host writes in the apply transaction.</summary>
public sealed record RosterAccessChange(Guid RunId, IReadOnlyDictionary<string, EntityCounts> Counts, string Digest);

/// <summary>Run statuses. Terminal: succeeded, succeeded_with_warnings, failed, held, dry_run.</summary>
public static class RunStatus
{
    public const string Received = "received", Validating = "validating", Staged = "staged", Applying = "applying",
        Succeeded = "succeeded", SucceededWithWarnings = "succeeded_with_warnings", Failed = "failed", Held = "held", DryRun = "dry_run";

    public static bool IsTerminal(string status) => status is Succeeded or SucceededWithWarnings or Failed or Held or DryRun;
}

/// <summary>
/// Imports one OneRoster package into one district: stage every file with COPY, check references, compute the diff
/// against the stored roster, check the deletion thresholds, and apply the whole change set in one transaction
/// with MERGE and set-based updates. Runs of one district queue behind each other; districts run independently.
/// A failure or a kill at any point leaves the previous roster exactly as it was.
/// </summary>
public sealed class RosterImporter(NpgsqlDataSource db, ILogger? logger = null)
{
    /// <summary>Test hook: runs inside the apply transaction after the given entity was applied (fault injection).</summary>
    internal Func<string, Task>? AfterApplying { get; set; }

    /// <param name="id">The run's id when the caller chose it: creating the same id again does nothing, so a retry after a
    /// commit whose answer was lost makes no second run.</param>
    public static async Task<Guid> CreateRunAsync(NpgsqlDataSource db, Guid tenantId, string packagePath, string? packageName,
        string packageSha256, string trigger, bool dryRun, string? requestedBy, DateOnly? runDate = null, CancellationToken ct = default,
        Guid? id = null)
    {
        var runId = id ?? Guid.CreateVersion7();
        await using var conn = await OpenAsync(db, tenantId, ct);
        await using var cmd = new NpgsqlCommand("""
            insert into import_runs (tenant_id, id, trigger, dry_run, status, run_date, package_path, package_name, package_sha256,
                                     requested_by, history)
            values ($1, $2, $3, $4, 'received', $5, $6, $7, $8, $9, jsonb_build_array(jsonb_build_object('status', 'received', 'at', now())))
            on conflict (tenant_id, id) do nothing
            """, conn);
        foreach (var v in new object?[] { tenantId, runId, trigger, dryRun, runDate, packagePath, packageName, packageSha256, requestedBy })
            cmd.Parameters.Add(new NpgsqlParameter { Value = v ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
        return runId;
    }

    /// <summary>
    /// A held or dry run goes back to 'received' to be applied after review, in one statement, so two clicks reopen it
    /// once; false for any other status. On the caller's connection and transaction, so the reviewer's audit event
    /// commits with it.
    /// </summary>
    public static async Task<bool> ReopenForApplyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid tenantId, Guid runId,
        CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand($"""
            update import_runs set status = '{RunStatus.Received}',
              history = history || jsonb_build_array(jsonb_build_object('status', '{RunStatus.Received}', 'at', now(), 'note', 'applied after review'))
            where tenant_id = $1 and id = $2 and status in ('{RunStatus.Held}', '{RunStatus.DryRun}')
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = runId });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Runs a received run to its end. <paramref name="applyReviewed"/>: a district admin applies a held or dry run
    /// after review, so the thresholds do not hold it again (the diff is computed afresh against the current roster).
    /// </summary>
    public async Task<ImportOutcome> RunAsync(Guid tenantId, Guid runId, bool applyReviewed = false, IProgress<ImportProgress>? progress = null,
        Func<NpgsqlConnection, NpgsqlTransaction, RosterAccessChange, CancellationToken, Task>? writeAudit = null, CancellationToken ct = default)
    {
        await using var status = await OpenAsync(db, tenantId, ct);
        await using var work = await OpenAsync(db, tenantId, ct);
        var run = new RunState(status, tenantId, runId, progress);
        var errors = new RowErrorLog(status, tenantId, runId);
        var counts = new Dictionary<string, EntityCounts>();
        try
        {
            // Queue behind any other import of this district (another node or process included).
            await Exec(work, "select pg_advisory_lock(hashtextextended('sis-import:' || $1::text, 0))", ct, tenantId);
            // The temp tables' statistics need row counts and distinct counts, not 100-bucket histograms: coarser ones
            // are cheaper to gather and to write to the catalog (WAL) on every run, including a no-op.
            await Exec(work, "set default_statistics_target = 10", ct);
            await Exec(status, """
                update import_runs set status = 'failed', finished_at = now(),
                  failure_reason = 'Interrupted: the process stopped during the run. Nothing of it was applied.',
                  history = history || jsonb_build_array(jsonb_build_object('status', 'failed', 'at', now()))
                where tenant_id = $1 and id <> $2 and status in ('validating', 'staged', 'applying')
                """, ct, tenantId, runId);

            var (path, dryRun) = await run.LoadAsync(ct);
            var settings = await LoadSettingsAsync(work, ct);
            await run.SetStatusAsync(RunStatus.Validating, "reading", 0, ct, clearResults: true);

            using var package = RosterPackage.Open(path);
            var plan = Plan(package);
            await run.SetPackageAsync(package, ct);
            var context = new SyncContext(work, tenantId, runId, package.SourceSystem, plan, errors, settings);

            // 1. Stage every present file (0-40%).
            var totalBytes = plan.Where(p => p.Mode != FileMode.Absent).Sum(p => package.SizeOf(p.Spec.FileName));
            long readBytes = 0;
            await Exec(work, "drop table if exists invalid_sids; create temp table invalid_sids (entity text, sid text)", ct);
            foreach (var (spec, mode) in plan.Where(p => p.Mode != FileMode.Absent))
            {
                var (_, invalidSids, invalid) = await Staging.StageAsync(work, package, spec, mode, errors, n =>
                {
                    readBytes += n;
                    run.Report("reading", (int)(40 * readBytes / Math.Max(1, totalBytes)));
                }, ct);
                context.Invalid[spec.Entity] = invalid;
                await Exec(work, "insert into invalid_sids select $1, unnest($2::text[])", ct, spec.Entity, invalidSids.ToArray());
                await Exec(work, $"analyze {spec.StageTable}", ct);
            }
            await Exec(work, "create index on invalid_sids (entity, sid); analyze invalid_sids", ct);
            await errors.CheckpointAsync(ct);
            if (settings.Strict && errors.Errors > 0)
                return await run.FailAsync($"Strict mode: {errors.Errors} row errors; nothing was applied.", errors, counts, ct);

            // 2. Resolve references and compute the diff, all in one transaction with the apply (40-70%).
            await run.SetStatusAsync(RunStatus.Staged, "comparing", 40, ct);
            // Roster tables changed a lot since autovacuum last analyzed them (the previous import of this or another
            // district, typically) get fresh statistics first: otherwise the plans below believe this district has
            // no rows and loop over them (a no-op right after a first import took minutes). Bounded: ANALYZE samples.
            await Exec(work, "select analyze_stale_roster_tables()", ct);
            await using var tx = await work.BeginTransactionAsync(ct);
            var entities = context.Entities();
            for (var i = 0; i < entities.Count; i++)
            {
                await context.ResolveAsync(entities[i], ct);
                counts[entities[i].Entity] = await context.DiffAsync(entities[i], ct);
                run.Report("comparing", 40 + 30 * (i + 1) / entities.Count);
            }
            foreach (var (name, set) in await context.DiffMembershipsAsync(ct)) counts[name] = set;
            if (settings.Strict && errors.Errors > 0)
            {
                await tx.RollbackAsync(ct);
                return await run.FailAsync("Strict mode: references did not resolve; nothing was applied.", errors, counts, ct);
            }
            await errors.CheckpointAsync(ct); // writes the rejected references' findings (they do not count towards the limit)
            await context.RecordChangesAsync(entities, ct);

            var held = applyReviewed ? [] : await context.OverThresholdAsync(entities, counts, ct);
            if (dryRun && !applyReviewed || held.Count > 0)
            {
                await tx.CommitAsync(ct); // only the run's own change list; no roster row was touched
                var reason = held.Count > 0 ? $"Held: deletions over the threshold ({string.Join("; ", held)}). Review the changes and apply." : null;
                return await run.FinishAsync(held.Count > 0 ? RunStatus.Held : RunStatus.DryRun, errors, counts, reason, ct);
            }

            // 3. Apply (70-100%).
            await run.SetStatusAsync(RunStatus.Applying, "applying", 70, ct);
            for (var i = 0; i < entities.Count; i++)
            {
                var c = counts[entities[i].Entity];
                if (c.Created + c.Updated + c.Deleted + c.Revived > 0) // an unchanged entity costs no write at all
                    await context.ApplyAsync(entities[i], ct);
                if (AfterApplying != null) await AfterApplying(entities[i].Entity);
                run.Report("applying", 70 + 25 * (i + 1) / entities.Count);
            }
            await context.ApplyMembershipsAsync(ct);
            // Every class the run left active gets a course shell; shells whose classes were all dropped are archived.
            await LmsCloud.Core.Learning.Shells.ShellSync.AfterImportAsync(work, tx, tenantId, ct);
            if (writeAudit != null && await context.AccessDigestAsync(ct) is { } digest)
                await writeAudit(work, tx, new RosterAccessChange(runId, counts.Where(c => c.Key is "enrollments" or "roles")
                    .ToDictionary(c => c.Key, c => c.Value), digest), ct);
            await run.WriteCountsAsync(errors, counts, work, tx, ct); // counts commit with the roster they describe
            // The deferred foreign-key checks run here, under the run's own timeout: in COMMIT they ran under the
            // connection's 30 s default, which a 200k-student district's first import (~1.5M checks) exceeds.
            await Exec(work, "set constraints all immediate", ct);
            await tx.CommitAsync(ct);
            return await run.FinishAsync(errors.Errors + errors.Warnings > 0 ? RunStatus.SucceededWithWarnings : RunStatus.Succeeded, errors, counts, null, ct);
        }
        catch (PackageException e)
        {
            return await run.FailAsync(e.Message, errors, counts, CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            await run.FailAsync("Cancelled before it finished; nothing was applied.", errors, counts, CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            // Only what speaks to a district admin is shown: a file that could not be read or a zip that is damaged. Anything
            // else (a database error names tables, constraints and values; Npgsql's own may quote SQL) gets a plain
            // reason, and the log the detail.
            logger?.LogError(e, "Import run {RunId} of district {TenantId} failed", runId, tenantId);
            var reason = e is IOException or InvalidDataException && e.InnerException is not DbException
                ? $"The import failed and nothing was applied: {e.Message}"
                : e is DbException || e.InnerException is DbException
                    ? $"The import failed on a database error and nothing was applied; the details are in the server log (run {runId})."
                    : $"The import failed on an internal error and nothing was applied; the details are in the server log (run {runId}).";
            var outcome = await run.FailAsync(reason, errors, counts, CancellationToken.None);
            if (e is NpgsqlException { IsTransient: true }) throw; // the scheduler retries these
            return outcome;
        }
        finally
        {
            // Npgsql resets a pooled connection only when it is next used, so release the district's lock now.
            if (work.State == System.Data.ConnectionState.Open)
                try { await Exec(work, "select pg_advisory_unlock_all()", CancellationToken.None); } catch (NpgsqlException) { }
        }
    }

    static List<(FileSpec Spec, FileMode Mode)> Plan(RosterPackage package)
    {
        var plan = RosterFiles.For(package.Version).Select(spec => (spec, package.ModeOf(spec.FileName))).ToList();
        foreach (var (spec, mode) in plan)
            if (mode != FileMode.Absent && !package.Has(spec.FileName))
                throw new PackageException($"manifest.csv declares {spec.FileName} as {mode.ToString().ToLowerInvariant()}, but the package has no such file.");
        return plan;
    }

    async Task<ImportSettings> LoadSettingsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select settings -> 'sis' from district_profiles", conn);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || await reader.IsDBNullAsync(0, ct)) return new ImportSettings();
        var root = reader.GetFieldValue<JsonElement>(0); // Npgsql reads jsonb as a JSON DOM
        return new ImportSettings(
            Strict: root.TryGetProperty("mode", out var mode) && mode.GetString() == "strict",
            DeletionThreshold: root.TryGetProperty("deletionThreshold", out var threshold) ? threshold.GetDouble() : 0.10,
            LocalWins: root.TryGetProperty("localEdits", out var local) && local.GetString() == "LocalWins");
    }

    internal static Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource db, Guid tenantId, CancellationToken ct) =>
        TenantSession.OpenAsync(db, tenantId, ct);

    internal static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct, params object?[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 3600 }; // waiting for the district's lock, or analyze of a big stage
        foreach (var p in parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The run's row in import_runs, written on its own connection so status survives a failed apply.</summary>
    sealed class RunState(NpgsqlConnection conn, Guid tenantId, Guid runId, IProgress<ImportProgress>? progress)
    {
        string _phase = "";
        int _percent = -1;
        long _lastWrite;

        public async Task<(string Path, bool DryRun)> LoadAsync(CancellationToken ct)
        {
            await using var cmd = new NpgsqlCommand("select package_path, dry_run from import_runs where tenant_id = $1 and id = $2", conn);
            cmd.Parameters.AddWithValue(tenantId);
            cmd.Parameters.AddWithValue(runId);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"Import run {runId} does not exist in this district.");
            return (reader.GetString(0), reader.GetBoolean(1));
        }

        public Task SetPackageAsync(RosterPackage package, CancellationToken ct) => Exec(conn, """
            update import_runs set oneroster_version = $3, manifest = $4::jsonb, source_system = $5 where tenant_id = $1 and id = $2
            """, ct, tenantId, runId, package.Version.ToString().TrimStart('V').Replace('_', '.'),
            JsonSerializer.Serialize(package.Manifest), package.SourceSystem);

        public async Task SetStatusAsync(string status, string phase, int percent, CancellationToken ct, bool clearResults = false)
        {
            await Exec(conn, $"""
                update import_runs set status = $3, progress_phase = $4, progress_percent = $5,
                  started_at = coalesce(started_at, now()), finished_at = null, failure_reason = null,
                  history = history || jsonb_build_array(jsonb_build_object('status', $3::text, 'at', now()))
                  {(clearResults ? ", counts = '{}', warning_count = 0, error_count = 0, findings = '{}'" : "")}
                where tenant_id = $1 and id = $2
                """, ct, tenantId, runId, status, phase, percent);
            if (clearResults)
            {
                await Exec(conn, "delete from import_row_errors where tenant_id = $1 and run_id = $2", ct, tenantId, runId);
                await Exec(conn, "delete from import_changes where tenant_id = $1 and run_id = $2", ct, tenantId, runId);
            }
            (_phase, _percent) = (phase, percent);
            progress?.Report(new ImportProgress(phase, percent));
        }

        /// <summary>Reports progress to the caller at once and to the database at most twice a second.</summary>
        public void Report(string phase, int percent)
        {
            if (phase == _phase && percent == _percent) return;
            (_phase, _percent) = (phase, percent);
            progress?.Report(new ImportProgress(phase, percent));
            var now = Stopwatch.GetTimestamp();
            if (Stopwatch.GetElapsedTime(_lastWrite, now) < TimeSpan.FromMilliseconds(500)) return;
            _lastWrite = now;
            using var cmd = new NpgsqlCommand("update import_runs set progress_phase = $3, progress_percent = $4 where tenant_id = $1 and id = $2", conn);
            foreach (var v in new object[] { tenantId, runId, phase, percent }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
            cmd.ExecuteNonQuery();
        }

        public async Task WriteCountsAsync(RowErrorLog errors, Dictionary<string, EntityCounts> counts, NpgsqlConnection on,
            NpgsqlTransaction? tx, CancellationToken ct)
        {
            await using var cmd = new NpgsqlCommand("""
                update import_runs set counts = $3::jsonb, warning_count = $4, error_count = $5, findings = $6::jsonb
                where tenant_id = $1 and id = $2
                """, on, tx);
            foreach (var v in new object[]
                     {
                         tenantId, runId, JsonSerializer.Serialize(counts, JsonSerializerOptions.Web), errors.Warnings, errors.Errors,
                         JsonSerializer.Serialize(errors.Summary()),
                     })
                cmd.Parameters.Add(new NpgsqlParameter { Value = v });
            await cmd.ExecuteNonQueryAsync(ct);
        }

        public async Task<ImportOutcome> FinishAsync(string status, RowErrorLog errors, Dictionary<string, EntityCounts> counts,
            string? reason, CancellationToken ct)
        {
            await errors.CompleteAsync(ct);
            await WriteCountsAsync(errors, counts, conn, null, ct);
            await Exec(conn, """
                update import_runs set status = $3, failure_reason = $4, finished_at = now(), progress_phase = 'done',
                  progress_percent = case when $3 in ('succeeded', 'succeeded_with_warnings') then 100 else progress_percent end,
                  history = history || jsonb_build_array(jsonb_build_object('status', $3::text, 'at', now()))
                where tenant_id = $1 and id = $2
                """, ct, tenantId, runId, status, reason);
            progress?.Report(new ImportProgress("done", status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings ? 100 : _percent));
            return new ImportOutcome(runId, status, counts, errors.Warnings, errors.Errors, reason);
        }

        public Task<ImportOutcome> FailAsync(string reason, RowErrorLog errors, Dictionary<string, EntityCounts> counts, CancellationToken ct) =>
            FinishAsync(RunStatus.Failed, errors, counts, reason, ct);
    }
}

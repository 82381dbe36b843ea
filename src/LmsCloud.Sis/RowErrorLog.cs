using Npgsql;

namespace LmsCloud.Sis;

/// <summary>
/// A run's row findings, streamed to <c>import_row_errors</c> as they come, never all held in memory. Every finding
/// is counted (per file, severity and code); only the first <see cref="StoredPerFile"/> of each file are stored, in
/// batches of <see cref="BatchSize"/>, on the run's status connection (autocommit), so they survive a failed or
/// rolled-back apply. Past <see cref="MaxErrors"/> row errors the run is not a roster: <see cref="CheckpointAsync"/>
/// throws and the run fails (reading stops at once). See docs/sis-import.md, "Row findings and their limits".
/// </summary>
public sealed class RowErrorLog
{
    /// <summary>Findings stored per file (errors and warnings together); the rest are counted only.</summary>
    public const int StoredPerFile = 10_000;

    /// <summary>
    /// More row errors than this, found reading the files, fail the run. Rejected references (E_REFERENCE) do not count:
    /// they follow from rows already counted, and one rejected school of a large district rejects many thousands.
    /// </summary>
    public const int MaxErrors = 100_000;

    internal const int BatchSize = 1_000;

    readonly NpgsqlConnection? _conn;
    readonly Guid _tenantId, _runId;
    readonly List<RowError> _pending = [];
    readonly SortedDictionary<string, FileTally> _files = new(StringComparer.Ordinal);
    int _seq;
    int _readErrors;

    sealed class FileTally
    {
        public int Stored, Total;
        public readonly SortedDictionary<(string Severity, string Code), (int Total, int Stored)> Codes = new();
    }

    /// <param name="conn">Where batches go; null keeps nothing (counts only).</param>
    public RowErrorLog(NpgsqlConnection? conn, Guid tenantId, Guid runId) => (_conn, _tenantId, _runId) = (conn, tenantId, runId);

    public int Errors { get; private set; }
    public int Warnings { get; private set; }

    /// <summary>Whether the files had more row errors than <see cref="MaxErrors"/>.</summary>
    public bool OverLimit => _readErrors > MaxErrors;

    public void Add(RowError error)
    {
        if (error.Severity == RowError.Error) Errors++;
        else Warnings++;
        if (error.Severity == RowError.Error && error.Code != "E_REFERENCE") _readErrors++;
        if (!_files.TryGetValue(error.File, out var file)) _files[error.File] = file = new FileTally();
        file.Total++;
        var key = (error.Severity, error.Code);
        var (total, stored) = file.Codes.GetValueOrDefault(key);
        var keep = file.Stored < StoredPerFile;
        file.Codes[key] = (total + 1, stored + (keep ? 1 : 0));
        if (!keep) return;
        file.Stored++;
        _pending.Add(error);
    }

    /// <summary>Called between rows: writes a full batch, and fails the run past the limit.</summary>
    public async ValueTask CheckpointAsync(CancellationToken ct)
    {
        if (_pending.Count >= BatchSize) await FlushAsync(ct);
        if (OverLimit) throw new PackageException(LimitReason());
    }

    string LimitReason()
    {
        var (file, tally) = _files.MaxBy(f => f.Value.Codes.Where(c => c.Key.Severity == RowError.Error).Sum(c => c.Value.Total));
        var code = tally.Codes.Where(c => c.Key.Severity == RowError.Error).MaxBy(c => c.Value.Total).Key.Code;
        return $"Too many row errors: more than {MaxErrors:N0} (most in {file}, mostly {code}), so this does not look like a roster " +
               $"export; reading stopped and nothing was applied. The errors CSV lists the first {StoredPerFile:N0} findings of each file.";
    }

    /// <summary>Writes what is pending (inserted from arrays: COPY does not work on RLS tables).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_pending.Count == 0 || _conn == null)
        {
            _pending.Clear();
            return;
        }
        await RosterImporter.Exec(_conn, """
            insert into import_row_errors (tenant_id, run_id, seq, severity, file, line, column_name, code, message)
            select $1, $2, $3 + n, severity, file, line, column_name, code, message
            from unnest($4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[])
                 with ordinality e(severity, file, line, column_name, code, message, n)
            """, ct, _tenantId, _runId, _seq, _pending.Select(e => e.Severity).ToArray(), _pending.Select(e => Clean(e.File)).ToArray(),
            _pending.Select(e => e.Line).ToArray(), _pending.Select(e => Clean(e.Column)).ToArray(), _pending.Select(e => e.Code).ToArray(),
            _pending.Select(e => Clean(e.Message)).ToArray());
        _seq += _pending.Count;
        _pending.Clear();
    }

    /// <summary>
    /// The end of the run: what is pending, then one summary row per file and code whose findings were not all stored
    /// (line and column empty, the same severity and code, the message says how many more).
    /// </summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        foreach (var (file, tally) in _files)
            foreach (var ((severity, code), (total, stored)) in tally.Codes.Where(c => c.Value.Total > c.Value.Stored))
                _pending.Add(new RowError(severity, file, null, null, code,
                    $"{total - stored:N0} more {code} findings in {file} are not listed ({total:N0} in all): a run stores the first " +
                    $"{StoredPerFile:N0} findings of each file; the run's findings give every count."));
        await FlushAsync(ct);
    }

    /// <summary>Per file: findings stored and in all, and the count per code (the run's <c>findings</c>).</summary>
    public Dictionary<string, object> Summary() => _files.ToDictionary(f => f.Key, f => (object)new
    {
        stored = f.Value.Stored,
        total = f.Value.Total,
        truncated = f.Value.Total > f.Value.Stored,
        codes = f.Value.Codes.GroupBy(c => c.Key.Code).ToDictionary(g => g.Key, g => g.Sum(c => c.Value.Total)),
    });

    /// <summary>PostgreSQL text cannot hold NUL; a header name or value quoted in a message may carry one.</summary>
    static string? Clean(string? text) => text?.Replace("\0", "\\0");
}

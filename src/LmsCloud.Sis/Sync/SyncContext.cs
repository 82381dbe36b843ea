using Npgsql;

namespace LmsCloud.Sis;

/// <summary>
/// The set-based SQL of one run, on the work connection: resolve staged rows to our ids, diff them against the
/// roster, record the changes, check thresholds, apply. Parameters: $1 district, $2 source system, $3 run.
/// Temp tables: <c>stage_x</c> (from COPY), <c>resolved_x</c> (valid rows with ids), <c>diff_x</c> (one action per record).
/// </summary>
internal sealed partial class SyncContext(
    NpgsqlConnection conn, Guid tenantId, Guid runId, string source, List<(FileSpec Spec, FileMode Mode)> plan, RowErrorLog errors,
    ImportSettings settings)
{
    // A large district's statements run for tens of seconds; the default 30 s would abort a healthy import.
    const int CommandTimeoutSeconds = 3600;

    long _changeSeq;

    readonly Dictionary<string, Dictionary<string, int>> _actions = new(); // per entity: the diff's count of each action

    bool _membershipsDiffed;

    /// <summary>Rows rejected while staging, per entity.</summary>
    public Dictionary<string, int> Invalid { get; } = new();

    FileMode ModeOf(string entity) => plan.FirstOrDefault(p => p.Spec.Entity == entity).Mode;

    FileSpec SpecOf(string entity) => plan.First(p => p.Spec.Entity == entity).Spec;

    public List<EntitySync> Entities()
    {
        var all = new List<EntitySync> { EntitySync.Orgs, EntitySync.Sessions, EntitySync.Courses, EntitySync.Classes };
        if (ModeOf("users") != FileMode.Absent) all.Add(EntitySync.Users(SpecOf("users")));
        all.AddRange([EntitySync.Enrollments, EntitySync.Demographics]);
        return all.Where(e => ModeOf(e.Entity) != FileMode.Absent).ToList();
    }

    async Task<bool> HasRowsAsync(string tempTable, CancellationToken ct) =>
        await Scalar<bool>($"select to_regclass('pg_temp.{tempTable}') is not null", ct) &&
        await Scalar<bool>($"select exists (select 1 from {tempTable})", ct);

    /// <summary>Runs one or more statements (separated by semicolons; none of ours has one inside a literal) in one round trip.</summary>
    async Task Exec(string sql, CancellationToken ct, params object[] extra)
    {
        await using var batch = new NpgsqlBatch(conn) { Timeout = CommandTimeoutSeconds };
        foreach (var statement in System.Text.RegularExpressions.Regex.Split(sql, @";(?=\s|$)").Where(x => x.Trim().Length > 0))
        {
            var command = new NpgsqlBatchCommand(statement);
            AddParameters(command.Parameters, extra);
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    async Task<T> Scalar<T>(string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = CommandTimeoutSeconds };
        AddParameters(cmd.Parameters);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DBNull or null ? default! : (T)value;
    }

    /// <summary>Every statement gets $1 district, $2 source system, $3 run (unused ones are harmless: their types are sent), then any extras.</summary>
    void AddParameters(NpgsqlParameterCollection parameters, params object[] extra)
    {
        parameters.Add(new NpgsqlParameter { Value = tenantId });
        parameters.Add(new NpgsqlParameter { Value = source });
        parameters.Add(new NpgsqlParameter { Value = runId });
        foreach (var value in extra) parameters.Add(new NpgsqlParameter { Value = value });
    }
}

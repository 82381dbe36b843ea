using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace LmsCloud.Core.Learning.Progress;

/// <summary>The kinds of activity a page reports (activity_events.kind).</summary>
public static class ActivityKinds
{
    public const string View = "view", Heartbeat = "heartbeat", Position = "position", Done = "done";
    public static readonly string[] All = [View, Heartbeat, Position, Done];
}

/// <summary>
/// One thing a student did on a module item at a time. <see cref="Id"/> is the client's event id when it sends one, so a
/// resent batch is stored once; otherwise the server makes one.
/// </summary>
public sealed record ActivityEvent(Guid StudentId, Guid ShellId, Guid ModuleItemId, string Kind, DateTimeOffset OccurredAt,
    int? ContentVersionNo = null, int? PositionSeconds = null, Guid? Id = null);

/// <summary>
/// Appends activity to the month-partitioned <c>activity_events</c>: one statement for any number of events (unnest of
/// column arrays), <c>on conflict do nothing</c> on the event id. A month without a partition yet (the job makes them
/// ahead) is created on demand and the insert retried once.
/// </summary>
public sealed class ActivityLog(LmsDbContext db)
{
    /// <summary>How far back a client's buffered event may be dated, and how far ahead (clock skew).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30), MaxSkew = TimeSpan.FromMinutes(5);

    const string InsertSql = """
        insert into activity_events (tenant_id, occurred_at, id, student_id, shell_id, module_item_id, kind, content_version_no, position_s)
        select $1, e.occurred_at, coalesce(e.id, gen_random_uuid()), e.student_id, e.shell_id, e.module_item_id, e.kind, e.version_no, e.position_s
        from unnest($2::timestamptz[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::integer[], $9::integer[])
             as e(occurred_at, id, student_id, shell_id, module_item_id, kind, version_no, position_s)
        on conflict do nothing
        """;

    /// <summary>Why an event's time cannot be accepted, or null.</summary>
    public static string? CheckTime(DateTimeOffset occurredAt, DateTimeOffset now) =>
        occurredAt > now + MaxSkew ? "occurredAt is in the future."
        : occurredAt < now - MaxAge ? $"occurredAt is more than {MaxAge.TotalDays:0} days ago."
        : null;

    /// <summary>Appends the events (already checked by the caller: the student may act on each item) and returns how many were new.</summary>
    public async Task<int> AppendAsync(IReadOnlyList<ActivityEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return 0;
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district.");
        await db.Database.OpenConnectionAsync(ct);
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var tx = db.Database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        try
        {
            return await InsertAsync(conn, tx, tenant, events, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation && e.Message.Contains("no partition"))
        {
            if (tx != null) throw; // the caller's transaction is aborted; its retry will find the partition made below
            foreach (var month in events.Select(e => new DateOnly(e.OccurredAt.UtcDateTime.Year, e.OccurredAt.UtcDateTime.Month, 1)).Distinct())
                await EnsurePartitionsAsync(conn, month, 1, ct);
            return await InsertAsync(conn, null, tenant, events, ct);
        }
    }

    static async Task<int> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid tenant, IReadOnlyList<ActivityEvent> events, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        cmd.Parameters.AddWithValue(tenant);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = events.Select(e => e.OccurredAt.UtcDateTime).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = events.Select(e => e.Id).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = events.Select(e => e.StudentId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = events.Select(e => e.ShellId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, Value = events.Select(e => e.ModuleItemId).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = events.Select(e => e.Kind).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = events.Select(e => e.ContentVersionNo).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = events.Select(e => e.PositionSeconds).ToArray() });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Makes the monthly partitions from <paramref name="month"/> on, if missing (security-definer function); returns how many it made.</summary>
    public static async Task<int> EnsurePartitionsAsync(NpgsqlConnection conn, DateOnly month, int months, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select ensure_activity_partitions($1, $2)", conn);
        cmd.Parameters.AddWithValue(month);
        cmd.Parameters.AddWithValue(months);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }
}

using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Progress;

/// <summary>What one rollup run of a district did.</summary>
public sealed record RollupResult(IReadOnlyList<DateOnly> Days, long Rows, DateTimeOffset FoldedUntil);

/// <summary>
/// Folds a district's activity into exact per-day time on task (<c>item_time_daily</c>) and the per-item totals of
/// <c>item_progress.time_spent_s</c>. A day is always recomputed whole from its events (delete, then insert…select), so
/// running a day twice gives the same rows, and a late event is folded by recomputing its day on the next run.
///
/// Time on task: each event of a student on an item credits the time since their previous event on that item, capped at
/// the idle cutoff; a heartbeat with no event before it within the cutoff credits the cutoff (a heartbeat says "active
/// since the last beat", at most the cutoff), a view credits nothing (it starts the visit). So a student who leaves a
/// tab open earns at most one cutoff after their last real beat, not the hours until they come back. Days are the
/// district's local days (district_profiles.time_zone); a day needs only its own events and the cutoff before it.
/// </summary>
public sealed class DailyRollup(LmsDbContext db, TimeProvider clock)
{
    /// <summary>Events received this recently may belong to transactions not yet committed; the next run takes them.</summary>
    public static readonly TimeSpan DefaultLag = TimeSpan.FromMinutes(2);

    /// <summary>The idle cutoff, seconds (also the heartbeat interval's upper bound; pages beat every 30 s).</summary>
    public const int DefaultIdleCutoffSeconds = 90;

    // $1 tenant, $2 day, $3 time zone, $4 cutoff seconds.
    const string DeleteDaySql = "delete from item_time_daily where tenant_id = $1 and day = $2";

    const string InsertDaySql = """
        insert into item_time_daily (tenant_id, day, student_id, module_item_id, shell_id, seconds, events)
        select $1, $2, student_id, module_item_id, min(shell_id::text)::uuid,
               sum(case when prev is not null and occurred_at - prev <= make_interval(secs => $4::double precision)
                        then extract(epoch from occurred_at - prev)
                        when kind = 'heartbeat' then $4::double precision
                        else 0 end)::integer,
               count(*)::integer
        from (
          select e.student_id, e.module_item_id, e.shell_id, e.kind, e.occurred_at,
                 lag(e.occurred_at) over (partition by e.student_id, e.module_item_id order by e.occurred_at, e.id) as prev
          from activity_events e
          where e.tenant_id = $1
            and e.occurred_at >= ($2::timestamp at time zone $3) - make_interval(secs => $4::double precision)
            and e.occurred_at < (($2 + 1)::timestamp at time zone $3)
        ) e
        where e.occurred_at >= ($2::timestamp at time zone $3)
        group by student_id, module_item_id
        """;

    // Totals per (student, item) for the pairs active that day, from all their days; only where a progress row exists.
    const string TotalsSql = """
        update item_progress p set time_spent_s = t.seconds
        from (
          select d.student_id, d.module_item_id, sum(d.seconds)::bigint as seconds
          from item_time_daily d
          where d.tenant_id = $1
            and (d.student_id, d.module_item_id) in (select student_id, module_item_id from item_time_daily where tenant_id = $1 and day = $2)
          group by d.student_id, d.module_item_id
        ) t
        where p.tenant_id = $1 and p.student_id = t.student_id and p.module_item_id = t.module_item_id and p.time_spent_s <> t.seconds
        """;

    /// <summary>
    /// Folds everything received since the last run (up to now − <paramref name="lag"/>): recomputes each local day that
    /// such an event falls on, then moves the district's mark on. One transaction, so a failed run leaves the mark where
    /// it was and the next run does the same days again.
    /// </summary>
    public async Task<RollupResult> RunAsync(TimeSpan? lag = null, int idleCutoffSeconds = DefaultIdleCutoffSeconds, CancellationToken ct = default)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district.");
        var until = clock.GetUtcNow() - (lag ?? DefaultLag);
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var timeZone = await TimeZoneAsync(conn, ct);

        DateTimeOffset? from;
        await using (var cmd = new NpgsqlCommand("select folded_until from activity_rollup_state where tenant_id = $1 for update", conn))
        {
            cmd.Parameters.AddWithValue(tenant);
            from = await cmd.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        }
        if (from >= until) return new RollupResult([], 0, from.Value);

        var days = new List<DateOnly>();
        await using (var cmd = new NpgsqlCommand("""
            select distinct (occurred_at at time zone $2)::date from activity_events
            where tenant_id = $1 and received_at >= coalesce($3, '-infinity') and received_at < $4 order by 1
            """, conn))
        {
            cmd.Parameters.AddWithValue(tenant);
            cmd.Parameters.AddWithValue(timeZone);
            cmd.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)from ?? DBNull.Value);
            cmd.Parameters.AddWithValue(until);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) days.Add(DateOnly.FromDateTime(reader.GetDateTime(0)));
        }

        long rows = 0;
        foreach (var day in days) rows += await RecomputeDayAsync(conn, tenant, day, timeZone, idleCutoffSeconds, ct);

        await using (var cmd = new NpgsqlCommand("""
            insert into activity_rollup_state (tenant_id, folded_until, last_run_at, days_folded) values ($1, $2, now(), $3)
            on conflict (tenant_id) do update set folded_until = excluded.folded_until, last_run_at = excluded.last_run_at,
              days_folded = activity_rollup_state.days_folded + excluded.days_folded
            """, conn))
        {
            cmd.Parameters.AddWithValue(tenant);
            cmd.Parameters.AddWithValue(until);
            cmd.Parameters.AddWithValue(days.Count);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new RollupResult(days, rows, until);
    }

    /// <summary>Recomputes one local day from its events, whatever was folded before (an operator's re-run; idempotent).</summary>
    public async Task<long> RecomputeDayAsync(DateOnly day, int idleCutoffSeconds = DefaultIdleCutoffSeconds, CancellationToken ct = default)
    {
        var tenant = db.TenantId ?? throw new InvalidOperationException("No district.");
        await db.Database.OpenConnectionAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var rows = await RecomputeDayAsync(conn, tenant, day, await TimeZoneAsync(conn, ct), idleCutoffSeconds, ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    static async Task<long> RecomputeDayAsync(NpgsqlConnection conn, Guid tenant, DateOnly day, string timeZone, int cutoff, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn);
        foreach (var sql in new[] { DeleteDaySql, InsertDaySql, TotalsSql })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue(tenant);
            command.Parameters.AddWithValue(day);
            if (sql == InsertDaySql)
            {
                command.Parameters.AddWithValue(timeZone);
                command.Parameters.AddWithValue((double)cutoff);
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[1].RecordsAffected;
    }

    static async Task<string> TimeZoneAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select time_zone from district_profiles", conn);
        return await cmd.ExecuteScalarAsync(ct) as string ?? "UTC";
    }
}

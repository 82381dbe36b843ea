using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Core.Learning.Analytics;

/// <summary>
/// Runs one analytics statement on the request's connection with <c>$1</c> = the district (RLS keeps the district too;
/// the explicit tenant predicate is what lets the planner use the tenant-first indexes). The same SQL texts are what the
/// plan test EXPLAINs, so a plan regression is caught on the statement that runs.
/// </summary>
static class AnalyticsSql
{
    public static async Task<List<T>> QueryAsync<T>(LmsDbContext db, string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct,
        params object?[] parameters)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        cmd.Parameters.AddWithValue(db.TenantId ?? throw new InvalidOperationException("No district."));
        foreach (var p in parameters)
            cmd.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value }); // a null goes untyped: the SQL casts it ($3::uuid)
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct)) rows.Add(read(reader));
        return rows;
    }

    public static DateTimeOffset? Time(this NpgsqlDataReader r, int i) =>
        r.IsDBNull(i) ? null : new DateTimeOffset(r.GetDateTime(i), TimeSpan.Zero);

    public static double? Double(this NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDouble(i);

    /// <summary>
    /// The students a shell counts: actively enrolled today (status, begin and end dates) as students in any class it
    /// serves, and, for the whole shell, the learners enrolled in it from the catalog (no class: an empty class_ids).
    /// $2 = the shell; $3 = one class of it, or null for all.
    /// </summary>
    public const string Roster = """
        roster as (
          select student_id, coalesce(array_agg(distinct class_id) filter (where class_id is not null), '{}') as class_ids
          from shell_students
          where tenant_id = $1 and shell_id = $2 and ($3::uuid is null or class_id = $3)
            and (begin_date is null or begin_date <= current_date) and (end_date is null or end_date >= current_date)
          group by student_id)
        """;
}

using System.Data.Common;
using Npgsql;

namespace LmsCloud.Core.Database;

/// <summary>
/// The one writer of <c>app.tenant_id</c>, the session setting every RLS policy compares <c>tenant_id</c> with. The EF
/// interceptor, the import engine, provisioning and the tests all set it here, so there is one place to audit and one
/// place to change (for PgBouncer transaction pooling, say: docs/tenancy.md).
/// </summary>
public static class TenantSession
{
    // set_config(name, value, is_local): local lasts until the transaction ends, otherwise until the connection goes
    // back to Npgsql's pool, whose reset (DISCARD ALL) clears it before anyone else gets the connection.
    const string Sql = "select set_config('app.tenant_id', $1, $2)";

    /// <summary>Sets the district for the rest of the session (or, with <paramref name="transactionLocal"/>, of the transaction).</summary>
    public static async Task SetAsync(DbConnection conn, Guid tenantId, CancellationToken ct = default, bool transactionLocal = false)
    {
        await using var cmd = Command(conn, tenantId, transactionLocal);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static void Set(DbConnection conn, Guid tenantId)
    {
        using var cmd = Command(conn, tenantId, transactionLocal: false);
        cmd.ExecuteNonQuery();
    }

    /// <summary>The same statement for an <see cref="NpgsqlBatch"/>, so setting the district costs no round trip of its own.</summary>
    public static NpgsqlBatchCommand BatchCommand(Guid tenantId, bool transactionLocal = false) =>
        new(Sql) { Parameters = { new() { Value = tenantId.ToString() }, new() { Value = transactionLocal } } };

    /// <summary>A pooled connection serving one district; with no district, RLS shows nothing and refuses every write.</summary>
    public static async Task<NpgsqlConnection> OpenAsync(NpgsqlDataSource db, Guid? tenantId, CancellationToken ct = default)
    {
        var conn = await db.OpenConnectionAsync(ct);
        try
        {
            if (tenantId is { } id) await SetAsync(conn, id, ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    static DbCommand Command(DbConnection conn, Guid tenantId, bool transactionLocal)
    {
        var cmd = conn.CreateCommand();
        cmd.CommandText = Sql;
        foreach (var value in new object[] { tenantId.ToString(), transactionLocal })
        {
            var parameter = cmd.CreateParameter();
            parameter.Value = value;
            cmd.Parameters.Add(parameter);
        }
        return cmd;
    }
}

using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LmsCloud.Api.Database;

/// <summary>
/// Sets <c>app.tenant_id</c> (read by every RLS policy) once when a context opens its connection, and keeps that
/// connection open until the context is disposed, so a request pays one extra round trip, not one per query.
/// Npgsql's reset on return to the pool (DISCARD ALL) clears the setting before anyone else gets the connection.
/// </summary>
public sealed class TenantConnectionInterceptor : DbConnectionInterceptor
{
    const string SetTenant = "select set_config('app.tenant_id', $1, false)";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var cmd = SetTenantCommand(connection, eventData);
        cmd?.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        await using var cmd = SetTenantCommand(connection, eventData);
        if (cmd != null) await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    // EF closes the connection after each query it opened it for; suppressing that keeps the tenant setting for the
    // next query. Disposing the context still returns the connection to the pool.
    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData,
        InterceptionResult result) => ValueTask.FromResult(InterceptionResult.Suppress());

    static DbCommand? SetTenantCommand(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (eventData.Context is not LmsDbContext { TenantId: { } tenantId }) return null;
        var cmd = connection.CreateCommand();
        cmd.CommandText = SetTenant;
        var parameter = cmd.CreateParameter();
        parameter.Value = tenantId.ToString();
        cmd.Parameters.Add(parameter);
        return cmd;
    }
}

using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace LmsCloud.Core.Database;

/// <summary>
/// Sets the district (<see cref="TenantSession"/>) once when a context opens its connection, and keeps that connection
/// open until the context is disposed, so a request pays one extra round trip, not one per query.
/// </summary>
public sealed class TenantConnectionInterceptor : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (eventData.Context is LmsDbContext { TenantId: { } tenantId }) TenantSession.Set(connection, tenantId);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is LmsDbContext { TenantId: { } tenantId }) await TenantSession.SetAsync(connection, tenantId, cancellationToken);
    }

    // EF closes the connection after each query it opened it for; suppressing that keeps the tenant setting for the
    // next query. Disposing the context still returns the connection to the pool.
    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData,
        InterceptionResult result) => ValueTask.FromResult(InterceptionResult.Suppress());
}

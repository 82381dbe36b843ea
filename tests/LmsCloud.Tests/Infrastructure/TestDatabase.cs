using LmsCloud.Api.Database;
using LmsCloud.Api.Districts;
using LmsCloud.Api.Tenancy;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>A class fixture: this test class's own clone of the migrated template, reached as the application role.</summary>
public class TestDatabase : IAsyncLifetime
{
    readonly string _name = $"t_{Guid.NewGuid():N}";

    public DatabaseConnectionStrings ConnectionStrings { get; private set; } = null!;

    /// <summary>The application role (no ownership, RLS applies), as the API connects.</summary>
    public NpgsqlDataSource App { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        ConnectionStrings = await TestCluster.CreateDatabaseAsync(_name);
        App = NpgsqlDataSource.Create(ConnectionStrings.App);
    }

    public virtual async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await TestCluster.DropDatabaseAsync(_name);
    }

    /// <summary>A new district with a random slug, so tests never depend on each other's districts.</summary>
    public Task<DistrictSummary> CreateDistrictAsync(string? name = null) =>
        DistrictProvisioning.CreateAsync(App, $"d{Guid.NewGuid():N}"[..12], name ?? "Test District", "America/Chicago");

    /// <summary>An application-role connection with the RLS setting for one district (or none).</summary>
    public async Task<NpgsqlConnection> OpenAsTenantAsync(Guid? tenantId)
    {
        var conn = await App.OpenConnectionAsync();
        if (tenantId is { } id)
        {
            await using var cmd = new NpgsqlCommand("select set_config('app.tenant_id', $1, false)", conn);
            cmd.Parameters.AddWithValue(id.ToString());
            await cmd.ExecuteNonQueryAsync();
        }
        return conn;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, params object[] parameters)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>An EF context serving one district (or none), as a request for that district's host would get.</summary>
    public LmsDbContext CreateContext(Guid? tenantId)
    {
        var options = new DbContextOptionsBuilder<LmsDbContext>()
            .UseNpgsql(App)
            .AddInterceptors(new TenantConnectionInterceptor())
            .Options;
        var district = tenantId is { } id ? new District(id, "test", "Test", DistrictStatus.Active) : null;
        return new LmsDbContext(options, new FixedTenant(new MultiTenantContext<District>(district)));
    }

    sealed class FixedTenant(IMultiTenantContext<District> context) : IMultiTenantContextAccessor<District>
    {
        public IMultiTenantContext<District> MultiTenantContext { get; set; } = context;
    }
}
